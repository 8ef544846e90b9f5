import { existsSync, readFileSync } from 'node:fs';
import { configError, redact } from './validate.js';

export type Env = Readonly<Record<string, string | undefined>>;

type Raw = Record<string, unknown>;

/**
 * The environment's part of the configuration: Tiercast's own TIERCAST_* settings and the
 * seed's names for the scale-out deployment (DATABASE_URL, KAFKA_*, MINIO_*, AWS_*).
 * Returns `raw` (the file's settings, tiers already filled in) with the environment laid
 * over it. Problems name the variable, and the tier when a tier is concerned.
 */
export function applyEnvironment(raw: Raw, env: Env): Raw {
  const next: Raw = { ...raw, server: { ...asRecord(raw.server) } };
  const port = integer(env, 'TIERCAST_PORT');
  if (port !== undefined) (next.server as Raw).port = port;
  if (set(env.TIERCAST_HOST)) (next.server as Raw).host = env.TIERCAST_HOST;
  if (set(env.TIERCAST_DATA_DIR)) next.dataDir = env.TIERCAST_DATA_DIR;
  if (set(env.TIERCAST_INGEST_TIER)) next.ingestTier = env.TIERCAST_INGEST_TIER;
  if (set(env.TIERCAST_LOG_LEVEL)) next.logLevel = env.TIERCAST_LOG_LEVEL;
  if (set(env.TIERCAST_ROLE)) next.role = env.TIERCAST_ROLE;
  next.catalog = catalogFromEnv(asRecord(raw.catalog), env) ?? raw.catalog;
  next.bus = busFromEnv(asRecord(raw.bus), env) ?? raw.bus;
  next.tiers = tiersFromEnv(raw.tiers as Raw[], env);
  return next;
}

/** DATABASE_URL chooses the PostgreSQL catalog; a schema or pool size from the file stays. */
function catalogFromEnv(fromFile: Raw, env: Env): Raw | undefined {
  const url = env.DATABASE_URL;
  if (!set(url)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw configError(`DATABASE_URL is not a URL (got ${redact(JSON.stringify(url))})`, 'write it as postgres://user:password@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw configError(`DATABASE_URL must be a postgres:// URL (got ${parsed.protocol}//...)`, 'write it as postgres://user:password@host:5432/database');
  }
  if (!parsed.hostname) throw configError('DATABASE_URL names no host', 'write it as postgres://user:password@host:5432/database');
  return { ...(fromFile.type === 'postgres' ? fromFile : {}), type: 'postgres', url };
}

const TOPIC_VARIABLES = {
  accessEvents: 'KAFKA_TOPIC_ACCESS_EVENTS',
  migrationCommands: 'KAFKA_TOPIC_MIGRATION_COMMANDS',
  migrationEvents: 'KAFKA_TOPIC_MIGRATION_EVENTS',
  deadLetter: 'KAFKA_TOPIC_DEAD_LETTER',
} as const;

/** KAFKA_BOOTSTRAP_SERVERS chooses the Kafka bus; KAFKA_TOPIC_* rename its topics. */
function busFromEnv(fromFile: Raw, env: Env): Raw | undefined {
  const servers = env.KAFKA_BOOTSTRAP_SERVERS;
  const topics: Raw = {};
  for (const [key, variable] of Object.entries(TOPIC_VARIABLES)) if (set(env[variable])) topics[key] = env[variable];
  const fileKafka = fromFile.type === 'kafka' ? fromFile : undefined;
  if (!set(servers)) {
    if (Object.keys(topics).length === 0) return undefined;
    if (!fileKafka) {
      throw configError(`${Object.values(TOPIC_VARIABLES).filter((v) => set(env[v])).join(', ')} set, but no Kafka is configured`, 'set KAFKA_BOOTSTRAP_SERVERS (host:port,...) too, or unset the topic names');
    }
    return { ...fileKafka, topics: { ...asRecord(fileKafka.topics), ...topics } };
  }
  const brokers = servers.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = brokers.find((b) => !/^\S+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad !== undefined) {
    throw configError(`KAFKA_BOOTSTRAP_SERVERS: ${JSON.stringify(bad ?? servers)} is not host:port`, 'list the brokers as host:port, separated by commas (for example 127.0.0.1:9092)');
  }
  return { ...(fileKafka ?? {}), type: 'kafka', brokers, topics: { ...asRecord(fileKafka?.topics), ...topics } };
}

/** A tier's backend set by variables, and the variables that must come with it. */
interface TierVariables {
  tier: string;
  /** What the variables stand for, for messages. */
  store: string;
  /** The variable whose presence turns the mapping on. */
  trigger: string;
  build(env: Env, need: (name: string, what: string) => string): Raw;
}

const TIER_VARIABLES: readonly TierVariables[] = [
  {
    tier: 'private',
    store: 'MinIO',
    trigger: 'MINIO_ENDPOINT',
    build: (env, need) => ({
      type: 's3',
      endpoint: endpointUrl('MINIO_ENDPOINT', need('MINIO_ENDPOINT', 'the MinIO URL')),
      bucket: set(env.MINIO_BUCKET) ? env.MINIO_BUCKET : 'tiercast-private',
      region: set(env.MINIO_REGION) ? env.MINIO_REGION : 'us-east-1',
      forcePathStyle: true,
      accessKeyId: need('MINIO_ACCESS_KEY', "the MinIO user's access key"),
      secretAccessKey: need('MINIO_ROOT_PASSWORD', "the MinIO user's password (secret key)"),
    }),
  },
  {
    tier: 'public',
    store: 'AWS S3',
    trigger: 'AWS_S3_BUCKET_NAME',
    build: (env, need) => {
      const backend: Raw = { type: 's3', bucket: need('AWS_S3_BUCKET_NAME', 'the bucket'), region: need('AWS_REGION', "the bucket's region, e.g. eu-west-1") };
      if (set(env.AWS_ENDPOINT_URL)) {
        backend.endpoint = endpointUrl('AWS_ENDPOINT_URL', env.AWS_ENDPOINT_URL);
        backend.forcePathStyle = true;
      }
      // Both keys, or neither: then the AWS SDK's own chain (profile, instance role) applies.
      if (set(env.AWS_ACCESS_KEY_ID) || set(env.AWS_SECRET_ACCESS_KEY)) {
        backend.accessKeyId = need('AWS_ACCESS_KEY_ID', 'the access key id');
        backend.secretAccessKey = need('AWS_SECRET_ACCESS_KEY', 'the secret access key');
      }
      return backend;
    },
  },
];

/** MINIO_ENDPOINT → the `private` tier on S3 (path style); AWS_S3_BUCKET_NAME → the `public` tier. */
function tiersFromEnv(tiers: Raw[], env: Env): Raw[] {
  let next = tiers;
  for (const mapping of TIER_VARIABLES) {
    if (!set(env[mapping.trigger])) continue;
    const index = Array.isArray(tiers) ? tiers.findIndex((t) => asRecord(t).name === mapping.tier) : -1;
    if (index < 0) {
      throw configError(`${mapping.trigger} is set (${mapping.store} holds the '${mapping.tier}' tier), but no tier is named '${mapping.tier}'`, `unset ${mapping.trigger}, or add a tier named '${mapping.tier}'`);
    }
    const need = (name: string, what: string): string => {
      const value = env[name];
      if (!set(value)) {
        throw configError(`tier '${mapping.tier}' (${mapping.store}): ${mapping.trigger} is set but ${name} is not (${what})`, `set ${name} (see .env.example)`);
      }
      if (/^(your[_-]|changeme$)/i.test(value)) {
        throw configError(`tier '${mapping.tier}' (${mapping.store}): ${name} still holds the placeholder ${JSON.stringify(value)} from .env.example`, `put your own value in ${name}`);
      }
      return value;
    };
    const existing = asRecord(tiers[index]);
    const previous = asRecord(existing.backend);
    // A prefix the file gave this tier's S3 backend survives; everything else comes from the variables.
    const backend = { ...(previous.type === 's3' && previous.prefix !== undefined ? { prefix: previous.prefix } : {}), ...mapping.build(env, need) };
    next = next.map((tier, i) => (i === index ? { ...existing, backend } : tier));
  }
  return next;
}

/** `host:9000` (the seed's MinIO form) gets http://; anything else must be an http(s) URL. */
function endpointUrl(variable: string, value: string): string {
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  try {
    const parsed = new URL(url);
    if ((parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname) return url;
  } catch {
    // reported below
  }
  throw configError(`${variable} is not an http(s) URL or host:port (got ${JSON.stringify(value)})`, `for example ${variable}=http://127.0.0.1:9000`);
}

function integer(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (!set(raw)) return undefined;
  if (!/^\d+$/.test(raw)) throw configError(`${name}=${raw} is not a whole number`);
  return Number(raw);
}

function set(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function asRecord(value: unknown): Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Raw) : {};
}

/**
 * KEY=value lines of a `.env` file (the seed's step 1: `cp .env.example .env`); comments,
 * blank lines and `export ` prefixes are allowed, one level of quotes is removed.
 * Returns {} when the file does not exist.
 */
export function readDotEnv(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  const values: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    const quoted = /^(['"])(.*)\1$/.exec(value);
    if (quoted) value = quoted[2]!;
    else value = value.replace(/\s+#.*$/, '');
    values[match[1]!] = value;
  }
  return values;
}
