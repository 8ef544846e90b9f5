import Type, { type Static } from 'typebox';

/**
 * The configuration file's shape (JSON, camelCase). Every field has a default, so an empty
 * file, or none, gives the embedded default: three folder tiers with the seed's profiles.
 */
const Pricing = Type.Object(
  {
    storageGbMonth: Type.Number({ minimum: 0, description: '$ per GB-month stored' }),
    getPer1000: Type.Number({ minimum: 0, default: 0, description: '$ per 1,000 GET requests' }),
    putPer1000: Type.Number({ minimum: 0, default: 0, description: '$ per 1,000 PUT/COPY requests' }),
    retrievalPerGb: Type.Number({ minimum: 0, default: 0, description: '$ per GB read out (retrieval or egress)' }),
  },
  { additionalProperties: false },
);

const Latency = Type.Object(
  {
    firstByteMs: Type.Number({ minimum: 0, description: 'time to first byte, ms' }),
    perMbMs: Type.Number({ minimum: 0, default: 0, description: 'transfer time per MiB, ms' }),
  },
  { additionalProperties: false },
);

const FsBackend = Type.Object(
  {
    type: Type.Literal('fs'),
    path: Type.Optional(Type.String({ minLength: 1, description: 'folder; relative paths are under the data dir' })),
  },
  { additionalProperties: false },
);

export const TierConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }),
    backend: FsBackend,
    pricing: Pricing,
    latency: Latency,
    promoteAt: Type.Integer({ minimum: 0, description: 'accesses within the spike window that promote an object into this tier' }),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({ minLength: 1, default: './data' }),
    server: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: Type.Integer({ minimum: 0, maximum: 65535, default: 8000 }),
        jsonBodyLimitBytes: Type.Integer({ minimum: 1024, default: 1024 * 1024 }),
        maxObjectBytes: Type.Integer({ minimum: 1, default: 5 * 1024 ** 3 }),
        importBodyLimitBytes: Type.Integer({ minimum: 1024, default: 256 * 1024 ** 2 }),
      },
      { additionalProperties: false, default: {} },
    ),
    ingestTier: Type.String({ default: 'public' }),
    tiers: Type.Array(TierConfigSchema, { minItems: 1 }),
    reactive: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        spikeWindowSeconds: Type.Integer({ minimum: 1, default: 300 }),
        coolingPeriodSeconds: Type.Integer({ minimum: 1, default: 3600 }),
        demoteRatio: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
        minResidencySeconds: Type.Integer({ minimum: 0, default: 600 }),
        sweepIntervalSeconds: Type.Integer({ minimum: 1, default: 30 }),
      },
      { additionalProperties: false, default: {} },
    ),
    proactive: Type.Object(
      {
        enabled: Type.Boolean({ default: true }),
        sweepIntervalSeconds: Type.Integer({ minimum: 1, default: 60 }),
        horizonHours: Type.Integer({ minimum: 1, maximum: 24 * 7, default: 24 }),
        latencyPenaltyPerSecond: Type.Number({ minimum: 0, default: 0.00001, description: '$ per second an access waits' }),
        moveMargin: Type.Number({ minimum: 0, default: 0.1, description: 'a move must save its own cost × (1 + margin)' }),
        maxPlanningDays: Type.Number({ minimum: 1, default: 30 }),
        trainIntervalHours: Type.Number({ minimum: 0, default: 24, description: '0 = train only on demand' }),
        trainingDays: Type.Integer({ minimum: 2, default: 14 }),
        strideHours: Type.Integer({ minimum: 1, default: 6 }),
        maxTrainingObjects: Type.Integer({ minimum: 1, default: 20_000 }),
        minTrainingRows: Type.Integer({ minimum: 1, default: 200 }),
      },
      { additionalProperties: false, default: {} },
    ),
    migration: Type.Object(
      {
        maxConcurrent: Type.Integer({ minimum: 1, maximum: 256, default: 4 }),
        maxAttempts: Type.Integer({ minimum: 1, default: 5 }),
        retryBaseDelayMs: Type.Integer({ minimum: 1, default: 1000 }),
        leaseSeconds: Type.Integer({ minimum: 1, default: 60 }),
        verify: Type.Union([Type.Literal('stream'), Type.Literal('reread')], { default: 'stream' }),
        bandwidthBytesPerSecond: Type.Integer({ minimum: 0, default: 0, description: '0 = unlimited' }),
        reconcileIntervalSeconds: Type.Integer({ minimum: 1, default: 30 }),
        manualHoldSeconds: Type.Integer({ minimum: 0, default: 3600, description: 'after a manual move, policies leave the object alone this long' }),
      },
      { additionalProperties: false, default: {} },
    ),
    accounting: Type.Object(
      {
        flushIntervalMs: Type.Integer({ minimum: 10, default: 250 }),
        minuteBucketsKeepHours: Type.Integer({ minimum: 1, default: 48 }),
        hourBucketsKeepDays: Type.Integer({ minimum: 1, default: 90 }),
      },
      { additionalProperties: false, default: {} },
    ),
    orphans: Type.Object(
      {
        graceSeconds: Type.Integer({ minimum: 0, default: 900 }),
        sweepIntervalSeconds: Type.Integer({ minimum: 1, default: 600 }),
      },
      { additionalProperties: false, default: {} },
    ),
    logLevel: Type.Union(
      ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
  },
  { additionalProperties: false },
);

export type TiercastConfig = Static<typeof ConfigSchema>;
export type TierConfig = Static<typeof TierConfigSchema>;
