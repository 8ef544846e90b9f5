import Type, { type Static } from 'typebox';
import { MIGRATION_STATUSES } from '../domain/migration.js';

/** JSON shapes of the REST API. Field names follow the seed (snake_case). */
export const ErrorBody = Type.Object(
  {
    error: Type.String({ description: 'machine-readable code, e.g. not_found' }),
    message: Type.String({ description: 'what is wrong' }),
    hint: Type.Optional(Type.String({ description: 'what to do about it' })),
  },
  { $id: 'Error' },
);

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const ObjectBody = Type.Object(
  {
    object_id: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    content_type: Type.String(),
    current_tier: Type.String(),
    size_bytes: Type.Integer(),
    sha256: Type.String(),
    version: Type.Integer(),
    access_count: Type.Integer(),
    last_accessed_at: NullableTimestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    tier_since: Timestamp,
    pinned_until: Type.Union([Timestamp, Type.Literal('forever'), Type.Null()], {
      description: 'policies leave the object in its tier until then (after a manual move, or "forever" when pinned)',
    }),
    predicted_next_24h: Type.Union([Type.Number(), Type.Null()], { description: 'latest forecast of accesses in the next 24 h (null before the first proactive sweep)' }),
    predicted_at: NullableTimestamp,
    prediction_model_version: Type.Union([Type.Integer(), Type.Null()], { description: '0 = the statistical baseline' }),
  },
  { $id: 'Object' },
);
export type ObjectJson = Static<typeof ObjectBody>;

export const ObjectList = Type.Object({
  objects: Type.Array(Type.Ref('Object')),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

export const MigrationBody = Type.Object(
  {
    id: Type.String(),
    object_id: Type.String(),
    timestamp: Timestamp,
    source_tier: Type.String(),
    destination_tier: Type.String(),
    reason: Type.String(),
    status: Type.Enum([...MIGRATION_STATUSES]),
    size_bytes: Type.Integer(),
    bytes_copied: Type.Integer(),
    attempts: Type.Integer(),
    error: Type.Union([Type.String(), Type.Null()]),
    explanation: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()]),
    updated_at: Timestamp,
    finished_at: NullableTimestamp,
  },
  { $id: 'Migration' },
);
export type MigrationJson = Static<typeof MigrationBody>;

export const MigrationList = Type.Object({
  migrations: Type.Array(Type.Ref('Migration')),
  total: Type.Integer(),
  limit: Type.Integer(),
  offset: Type.Integer(),
});

const TierNumbers = Type.Record(Type.String(), Type.Number());

export const MetricsBody = Type.Object({
  total_objects: Type.Integer(),
  total_bytes: Type.Integer(),
  tier_distribution: Type.Record(Type.String(), Type.Integer(), { description: 'objects per tier' }),
  bytes_per_tier: Type.Record(Type.String(), Type.Integer()),
  estimated_monthly_cost: Type.Number({ description: '$ per month to store what each tier holds now' }),
  cost_per_tier: TierNumbers,
  cost_all_in_fastest: Type.Number({ description: '$ per month if every byte sat in the fastest tier' }),
  cost_all_in_cheapest: Type.Number({ description: '$ per month if every byte sat in the cheapest tier' }),
  migrations: Type.Record(Type.String(), Type.Integer(), { description: 'migrations per status' }),
  migrations_in_flight: Type.Integer(),
  access_events_since_start: Type.Integer(),
});

export const TierBody = Type.Object({
  name: Type.String(),
  rank: Type.Integer({ description: '0 = fastest' }),
  backend: Type.String(),
  storage_gb_month: Type.Number(),
  get_per_1000: Type.Number(),
  put_per_1000: Type.Number(),
  retrieval_per_gb: Type.Number(),
  first_byte_ms: Type.Number(),
  per_mb_ms: Type.Number(),
  promote_at: Type.Integer(),
  objects: Type.Integer(),
  bytes: Type.Integer(),
});

export const ImportBody = Type.Object({
  rows: Type.Integer(),
  accesses: Type.Integer(),
  objects: Type.Integer(),
  unknown_object_ids: Type.Array(Type.String()),
  first_timestamp: NullableTimestamp,
  last_timestamp: NullableTimestamp,
});

export const ObjectIdParams = Type.Object({ id: Type.String({ description: 'object id' }) });

export const errorResponses = {
  400: Type.Ref('Error'),
  404: Type.Ref('Error'),
  409: Type.Ref('Error'),
  413: Type.Ref('Error'),
  503: Type.Ref('Error'),
};

export const PredictionBody = Type.Object({
  object_id: Type.String(),
  current_tier: Type.String(),
  predicted_next_24h: Type.Number({ description: 'expected accesses in the next 24 h' }),
  horizon_hours: Type.Integer(),
  predicted_accesses: Type.Number({ description: 'expected accesses over horizon_hours' }),
  model_version: Type.Integer({ description: '0 = the statistical baseline' }),
  model_family: Type.String(),
  features: Type.Record(Type.String(), Type.Number(), { description: 'the history figures the forecast was made from' }),
  placement: Type.Object({
    best_tier: Type.String(),
    would_move: Type.Boolean(),
    planning_window_hours: Type.Number(),
    saving_usd: Type.Number(),
    expected_cost_usd: Type.Record(Type.String(), Type.Number()),
  }),
  break_even: Type.Optional(
    Type.Object(
      {
        extra_paid_by_staying_usd: Type.Record(Type.String(), Type.Number(), { description: 'per other tier: what staying has cost more than being there since the object entered its tier' }),
        break_even_usd: Type.Record(Type.String(), Type.Number(), { description: 'per other tier: the extra the rule waits for before moving there (a switch there and back, less when a forecast agrees)' }),
        forecast_gap_seconds: Type.Union([Type.Number(), Type.Null()], { description: 'the object\'s own forecast of its next gap between accesses (null before two gaps)' }),
        p_next_access_within_break_even: Type.Union([Type.Number(), Type.Null()], {
          description: 'chance of an access before holding the object in its tier stops paying against the next slower one (exponential gaps with the forecast mean)',
        }),
        next_burst_at: Type.Union([Type.String(), Type.Null()], { description: 'start of its next burst of reads, when its bursts come at a steady period' }),
        decision_due_at: Type.Union([Type.String(), Type.Null()], { description: 'when its break-even timer fires if nothing happens before (null: never)' }),
      },
      { description: 'where the break-even rule stands on the object (absent with reactive.rule thresholds)' },
    ),
  ),
});

export type PredictionJson = Static<typeof PredictionBody>;

export const TrainingBody = Type.Object({
  status: Type.Union([Type.Literal('trained'), Type.Literal('not_enough_history')]),
  message: Type.String(),
  served: Type.Object({ version: Type.Integer(), family: Type.String() }),
  trained_from: Type.Union([Type.String(), Type.Null()]),
  trained_to: Type.Union([Type.String(), Type.Null()]),
  objects: Type.Integer(),
  train_rows: Type.Integer(),
  test_rows: Type.Integer(),
  backtest: Type.Array(Type.Object({ family: Type.String(), mae: Type.Number(), wmape: Type.Union([Type.Number(), Type.Null()]) })),
  duration_ms: Type.Number(),
});

export const SweepBody = Type.Object({
  objects: Type.Integer(),
  forecasts: Type.Integer(),
  planned: Type.Array(
    Type.Object({
      object_id: Type.String(),
      from: Type.String(),
      to: Type.String(),
      reason: Type.String(),
      predicted_accesses: Type.Number(),
      saving_usd: Type.Number(),
      migration_id: Type.String(),
    }),
  ),
  model: Type.Object({ version: Type.Integer(), family: Type.String() }),
  duration_ms: Type.Number(),
});

/** `data` of a `migration` server-sent event: one migration state change. */
export const MigrationEventBody = Type.Object(
  {
    migration_id: Type.String(),
    object_id: Type.String(),
    status: Type.Enum([...MIGRATION_STATUSES]),
    reason: Type.String(),
    source_tier: Type.String(),
    destination_tier: Type.String(),
    size_bytes: Type.Integer(),
    error: Type.Union([Type.String(), Type.Null()]),
    at: Type.Integer({ description: 'ms since epoch' }),
  },
  { $id: 'MigrationEvent', description: 'data of an `event: migration` server-sent event' },
);

/** `data` of an `object-tier` server-sent event: an object's content now lives in another tier. */
export const ObjectTierEventBody = Type.Object(
  {
    object_id: Type.String(),
    tier: Type.String({ description: 'the tier the object lives in now' }),
    previous_tier: Type.String(),
    migration_id: Type.String(),
    at: Type.Integer({ description: 'ms since epoch' }),
  },
  { $id: 'ObjectTierEvent', description: 'data of an `event: object-tier` server-sent event' },
);

export const AccessHistoryBody = Type.Object({
  object_id: Type.String(),
  start: Timestamp,
  step_seconds: Type.Integer({ description: 'width of each count, seconds (3600: hours)' }),
  counts: Type.Array(Type.Number(), { description: 'accesses per step, oldest first; the last step is the current, unfinished one' }),
});

export const AccessRateBody = Type.Object({
  start: Timestamp,
  step_seconds: Type.Integer(),
  counts: Type.Array(Type.Integer(), { description: 'accesses to all objects per minute, oldest first; the last minute is unfinished' }),
  per_minute: Type.Number({ description: 'mean accesses per minute over the last 5 minutes, the current one so far included' }),
});

export const SimulationPolicyBody = Type.Object(
  {
    name: Type.String(),
    total_cost_usd: Type.Optional(Type.Number()),
    regret: Type.Optional(Type.Union([Type.Number(), Type.Null()])),
    mean_latency_ms: Type.Optional(Type.Number()),
    p99_latency_ms: Type.Optional(Type.Number()),
    migrations: Type.Optional(Type.Number()),
    bytes_moved: Type.Optional(Type.Number()),
  },
  { additionalProperties: true },
);

export const SimulationSummaryBody = Type.Object({
  name: Type.String({ description: 'the report folder' }),
  report_url: Type.String({ description: 'where its index.html is served' }),
  modified_at: Timestamp,
  error: Type.Union([Type.String(), Type.Null()], { description: 'why result.json could not be read (the other fields are then missing)' }),
  trace: Type.Optional(Type.String()),
  requests: Type.Optional(Type.Number()),
  objects: Type.Optional(Type.Number()),
  span_seconds: Type.Optional(Type.Number()),
  profile: Type.Optional(Type.Unknown()),
  policies: Type.Array(SimulationPolicyBody),
});
