import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Admin } from '@platformatic/kafka';
import pg from 'pg';
import { S3TierBackend } from '../../src/storage/s3-backend.js';
import { tempDir } from './fixture.js';
import { requireService } from './services.js';

/**
 * One test run's private share of the real services, so runs (and other test files) on the
 * same PostgreSQL, Kafka and S3-protocol server never see each other: its own catalog
 * schema, its own topics and consumer groups, its own key prefix in the buckets, and a
 * local folder tier in a temp dir. Tiers: onprem = that folder, private and public = the
 * S3-protocol server (the seed's MinIO and AWS S3 roles).
 */
export interface ScaleOutStack {
  readonly runId: string;
  /** Temp folder for config files, data dirs and the folder tier. */
  readonly dir: string;
  /** The onprem tier's folder (shared by every process of the run). */
  readonly onpremDir: string;
  /**
   * The seed's variables for the children: DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS and this
   * run's KAFKA_TOPIC_* names (so the catalog and the bus come from the environment).
   */
  readonly env: Record<string, string>;
  readonly topics: { accessEvents: string; migrationCommands: string; migrationEvents: string; deadLetter: string };
  readonly schema: string;
  /** Writes `<dir>/<name>.json`: this run's schema, clientId and tiers, under `patch`; returns its path. */
  writeConfig(name: string, patch?: Record<string, unknown>): Promise<string>;
  /** The S3 backend of an S3 tier of this run (`private` or `public`), to look at what is stored. */
  s3Tier(tier: 'private' | 'public'): S3TierBackend;
  /** Every key stored under this run's prefix of an S3 tier. */
  s3Keys(tier: 'private' | 'public'): Promise<string[]>;
  /** Drops the schema, the topics and groups, the stored objects and the temp folder. */
  cleanup(): Promise<void>;
}

export async function scaleOutStack(label: string): Promise<ScaleOutStack> {
  const postgres = requireService('postgres');
  const kafka = requireService('kafka');
  const s3 = requireService('s3');
  const runId = `${label}-${process.pid}-${randomBytes(4).toString('hex')}`;
  const token = runId.replace(/-/g, '_');
  const dir = await tempDir(`tiercast-${label}-`);
  const onpremDir = join(dir.path, 'shared', 'onprem');
  await mkdir(onpremDir, { recursive: true });
  const schema = `e2e_${token}`.toLowerCase().slice(0, 63);
  const clientId = `tiercast-${runId}`;
  const topics = {
    accessEvents: `${runId}.access-events`,
    migrationCommands: `${runId}.migration-commands`,
    migrationEvents: `${runId}.migration-events`,
    deadLetter: `${runId}.dead-letter`,
  };
  const brokers = kafka.KAFKA_BOOTSTRAP_SERVERS!.split(',');
  const s3Settings = (tier: 'private' | 'public') => ({
    type: 's3' as const,
    endpoint: s3.MINIO_ENDPOINT!,
    bucket: tier === 'private' ? (s3.MINIO_BUCKET ?? 'tiercast-private') : (s3.AWS_S3_BUCKET_NAME ?? s3.MINIO_BUCKET ?? 'tiercast-public'),
    prefix: `${runId}/${tier}`,
    region: s3.AWS_REGION ?? 'us-east-1',
    forcePathStyle: true,
    accessKeyId: s3.MINIO_ACCESS_KEY!,
    secretAccessKey: s3.MINIO_ROOT_PASSWORD!,
  });
  const tiers = [
    { name: 'onprem', backend: { type: 'fs', path: onpremDir }, pricing: { storageGbMonth: 0.01 }, latency: { firstByteMs: 10, perMbMs: 1 }, promoteAt: 100 },
    { name: 'private', backend: s3Settings('private'), pricing: { storageGbMonth: 0.008, retrievalPerGb: 0.01 }, latency: { firstByteMs: 50, perMbMs: 4 }, promoteAt: 20 },
    { name: 'public', backend: s3Settings('public'), pricing: { storageGbMonth: 0.005, getPer1000: 0.0004, putPer1000: 0.005, retrievalPerGb: 0.09 }, latency: { firstByteMs: 150, perMbMs: 10 }, promoteAt: 0 },
  ];
  const s3Tier = (tier: 'private' | 'public') => {
    const { type: _type, accessKeyId, secretAccessKey, ...settings } = s3Settings(tier);
    return new S3TierBackend({ tierName: tier, ...settings, credentials: { accessKeyId, secretAccessKey } });
  };
  const s3Keys = async (tier: 'private' | 'public') => {
    const backend = s3Tier(tier);
    const keys: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await backend.list({ cursor, limit: 1000 });
      keys.push(...page.entries.map((e) => e.key));
      cursor = page.nextCursor;
    } while (cursor);
    return keys;
  };

  return {
    runId,
    dir: dir.path,
    onpremDir,
    env: {
      DATABASE_URL: postgres.DATABASE_URL!,
      KAFKA_BOOTSTRAP_SERVERS: kafka.KAFKA_BOOTSTRAP_SERVERS!,
      KAFKA_TOPIC_ACCESS_EVENTS: topics.accessEvents,
      KAFKA_TOPIC_MIGRATION_COMMANDS: topics.migrationCommands,
      KAFKA_TOPIC_MIGRATION_EVENTS: topics.migrationEvents,
      KAFKA_TOPIC_DEAD_LETTER: topics.deadLetter,
    },
    topics,
    schema,
    async writeConfig(name, patch = {}) {
      const config = {
        // The URL and brokers come from the environment (DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS);
        // the file adds what the variables cannot say: this run's schema and client id.
        catalog: { type: 'postgres', url: postgres.DATABASE_URL, schema, poolSize: 4 },
        bus: { type: 'kafka', brokers, clientId },
        tiers,
        ingestTier: 'public',
        logLevel: 'info',
        ...patch,
      };
      const path = join(dir.path, `${name}.json`);
      await writeFile(path, JSON.stringify(config, null, 2));
      return path;
    },
    s3Tier,
    s3Keys,
    async cleanup() {
      const problems: unknown[] = [];
      const attempt = async (step: () => Promise<unknown>) => step().catch((error: unknown) => problems.push(error));
      await attempt(async () => {
        const pool = new pg.Pool({ connectionString: postgres.DATABASE_URL, max: 1 });
        try {
          await pool.query(`drop schema if exists ${schema} cascade`);
        } finally {
          await pool.end();
        }
      });
      await attempt(async () => {
        const admin = new Admin({ clientId: `${clientId}-cleanup`, bootstrapBrokers: brokers });
        try {
          const present = new Set(await admin.listTopics());
          const ours = Object.values(topics).filter((t) => present.has(t));
          if (ours.length > 0) await admin.deleteTopics({ topics: ours });
        } finally {
          await admin.close();
        }
      });
      for (const tier of ['private', 'public'] as const) {
        await attempt(async () => {
          const backend = s3Tier(tier);
          for (const key of await s3Keys(tier)) await backend.delete(key);
        });
      }
      await dir.cleanup();
      if (problems.length > 0) throw new AggregateError(problems, `cleaning up scale-out run ${runId} failed`);
    },
  };
}
