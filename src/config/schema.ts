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
    minBillableBytes: Type.Optional(Type.Number({ minimum: 0, description: 'storage is billed for at least this many bytes per object (S3 Standard-IA and Glacier IR: 131072)' })),
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
    path: Type.Optional(Type.String({ minLength: 1, description: 'folder; relative paths are under the data dir (default tiers/<name>)' })),
  },
  { additionalProperties: false, description: 'a local (or mounted, shared) folder' },
);

const S3Backend = Type.Object(
  {
    type: Type.Literal('s3'),
    bucket: Type.String({
      pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      description: 'bucket name (3-63 lower-case letters, digits, dots, hyphens); it must exist',
    }),
    prefix: Type.Optional(
      Type.String({ pattern: '^[^/].*[^/]$|^[^/]$', description: 'key prefix inside the bucket, without slashes at the ends; objects are stored as <prefix>/<object_id>/...' }),
    ),
    endpoint: Type.Optional(
      Type.String({ pattern: '^https?://', description: 'URL of an S3-compatible store (MinIO, Ceph, R2, ...); leave out for AWS S3' }),
    ),
    region: Type.String({ minLength: 1, description: "the bucket's region (AWS S3), or any name the store accepts (MinIO: us-east-1)" }),
    forcePathStyle: Type.Optional(
      Type.Boolean({ description: 'path-style URLs (http://host/bucket/key), which MinIO and most S3-compatible stores need; default: true when endpoint is set' }),
    ),
    accessKeyId: Type.Optional(Type.String({ minLength: 1, description: "leave both keys out to use the AWS SDK's default credentials (environment, profile, instance role)" })),
    secretAccessKey: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, description: 'an S3-compatible object store (AWS S3, MinIO, Ceph, R2, ...)' },
);

export const TierConfigSchema = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' }),
    backend: Type.Union([FsBackend, S3Backend], { description: 'where the tier keeps its bytes' }),
    pricing: Pricing,
    latency: Latency,
    promoteAt: Type.Integer({ minimum: 0, description: 'accesses within the spike window that promote an object into this tier' }),
  },
  { additionalProperties: false },
);

const SqliteCatalog = Type.Object(
  { type: Type.Literal('sqlite') },
  { additionalProperties: false, description: 'embedded SQLite file <dataDir>/catalog.sqlite; one process per data dir' },
);

const PostgresCatalog = Type.Object(
  {
    type: Type.Literal('postgres'),
    url: Type.String({ pattern: '^postgres(ql)?://', description: 'postgres://user:password@host:5432/database (env DATABASE_URL)' }),
    schema: Type.Optional(Type.String({ pattern: '^[a-z_][a-z0-9_]{0,62}$', description: "PostgreSQL schema for Tiercast's tables (default: public)" })),
    poolSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'connections per process (default: the adapter\'s)' })),
  },
  { additionalProperties: false, description: 'a shared PostgreSQL database: any number of processes' },
);

const TopicName = Type.String({ pattern: '^[A-Za-z0-9._-]{1,249}$' });

const InProcessBus = Type.Object(
  { type: Type.Literal('in-process') },
  { additionalProperties: false, description: 'events stay inside the one process' },
);

const KafkaBus = Type.Object(
  {
    type: Type.Literal('kafka'),
    brokers: Type.Array(Type.String({ pattern: '^\\S+:\\d{1,5}$', description: 'host:port' }), {
      minItems: 1,
      description: 'bootstrap brokers (env KAFKA_BOOTSTRAP_SERVERS, comma-separated)',
    }),
    clientId: Type.String({
      pattern: '^\\S+$',
      default: 'tiercast',
      description: 'names this deployment to the brokers and prefixes its consumer groups (<clientId>.access-aggregator, <clientId>.migration-executors): deployments sharing brokers need different ones',
    }),
    topics: Type.Optional(
      Type.Object(
        {
          accessEvents: Type.Optional(TopicName),
          migrationCommands: Type.Optional(TopicName),
          migrationEvents: Type.Optional(TopicName),
          deadLetter: Type.Optional(TopicName),
        },
        { additionalProperties: false, description: 'topic names, when not tiercast.access-events, tiercast.migration-commands, tiercast.migration-events, tiercast.dead-letter' },
      ),
    ),
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'partitions of the access-events topic when Tiercast creates it (default 6; the migration topics get half as many, the dead-letter topic one)' })),
    createTopics: Type.Boolean({ default: true, description: 'create missing topics at start-up (or run `tiercast create-topics` once)' }),
  },
  { additionalProperties: false, description: 'Apache Kafka: shared by every API and worker process' },
);

export const ConfigSchema = Type.Object(
  {
    role: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('worker')], {
      default: 'all',
      description: 'all: API and workers in one process; api: HTTP only (publishes events); worker: consumers, migrations and timers, no HTTP',
    }),
    catalog: Type.Union([SqliteCatalog, PostgresCatalog], { default: { type: 'sqlite' } }),
    bus: Type.Union([InProcessBus, KafkaBus], { default: { type: 'in-process' } }),
    dataDir: Type.String({ minLength: 1, default: './data' }),
    reportsDir: Type.Optional(
      Type.String({ minLength: 1, description: 'folder of simulation reports the dashboard lists (one subfolder per report); default <dataDir>/reports' }),
    ),
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
        rule: Type.Union([Type.Literal('break-even'), Type.Literal('thresholds')], {
          default: 'break-even',
          description:
            "break-even: move an object once staying has cost as much as the move (on its accesses and at its own timer); thresholds: the seed's count rule (promoteAt accesses within spikeWindowSeconds, demotion after coolingPeriodSeconds)",
        }),
        maxHistoryDays: Type.Number({ minimum: 1, default: 30, description: 'break-even: how far back an object\'s accesses are replayed at most' }),
        spikeWindowSeconds: Type.Integer({ minimum: 1, default: 300 }),
        coolingPeriodSeconds: Type.Integer({ minimum: 1, default: 3600 }),
        demoteRatio: Type.Number({ minimum: 0, maximum: 1, default: 0.1 }),
        minResidencySeconds: Type.Integer({ minimum: 0, default: 600 }),
        sweepIntervalSeconds: Type.Integer({ minimum: 1, default: 30, description: 'break-even: how often due timers are checked; thresholds: how often every object is checked for cooling' }),
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
        minIdleMinutesBeforeDemotion: Type.Number({
          minimum: 0,
          default: 60,
          description: 'no forecast-driven demotion of an object accessed within this many minutes',
        }),
        placeNewObjects: Type.Boolean({
          // Off by default: the seed's walkthrough expects a new object in the ingest tier,
          // promoted by the sweep with reason proactive_prediction.
          default: false,
          description: "write a new object straight to a tier faster than ingestTier when its group's forecast makes that cheaper (with no history: ingestTier)",
        }),
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
export type TierBackendConfig = TierConfig['backend'];
export type S3BackendConfig = Static<typeof S3Backend>;
export type CatalogConfig = TiercastConfig['catalog'];
export type BusConfig = TiercastConfig['bus'];
export type KafkaBusConfig = Static<typeof KafkaBus>;
export type Role = TiercastConfig['role'];
export const ROLES: readonly Role[] = ['all', 'api', 'worker'];
