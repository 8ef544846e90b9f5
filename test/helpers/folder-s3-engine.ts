import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { TOPICS } from '../../src/bus/event-bus.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { systemClock } from '../../src/domain/clock.js';
import { MigrationEvents } from '../../src/engine/migration-events.js';
import { MigrationExecutor, type ExecutorSettings } from '../../src/engine/migration-executor.js';
import { MigrationPlanner, type MigrationCommand } from '../../src/engine/migration-planner.js';
import { ObjectService } from '../../src/engine/object-service.js';
import { TierSet } from '../../src/engine/tier-set.js';
import { createLogger } from '../../src/log.js';
import { FsTierBackend } from '../../src/storage/fs-backend.js';
import { S3TierBackend } from '../../src/storage/s3-backend.js';

export interface FolderS3EngineOptions {
  /** Names the S3 prefix and the executor's lease owner. */
  label: string;
  executor: ExecutorSettings;
  partSizeBytes: number;
  queueSize: number;
  maxObjectBytes: number;
}

/**
 * The engine as the app wires it (SQLite catalog, in-process bus, planner, real executor,
 * object service) over a folder tier 'onprem' and an S3 tier 'private' on the server whose
 * settings (`MINIO_*`, `AWS_REGION`) are given. The S3 tier lives under a prefix of its own,
 * so runs sharing the server never meet. Built by hand rather than through createTiercast
 * because the S3 part size and queue are not configuration.
 */
export async function openFolderS3Engine(dir: string, s3: Record<string, string>, options: FolderS3EngineOptions) {
  const log = createLogger(process.env.TIERCAST_TEST_LOG_LEVEL ?? 'silent');
  const onprem = new FsTierBackend({ tierName: 'onprem', root: join(dir, 'onprem') });
  await onprem.check();
  const bucket = new S3TierBackend({
    tierName: 'private',
    bucket: s3.MINIO_BUCKET!,
    prefix: `${options.label}-${randomBytes(4).toString('hex')}`,
    endpoint: s3.MINIO_ENDPOINT!,
    region: s3.AWS_REGION!,
    credentials: { accessKeyId: s3.MINIO_ACCESS_KEY!, secretAccessKey: s3.MINIO_ROOT_PASSWORD! },
    partSizeBytes: options.partSizeBytes,
    queueSize: options.queueSize,
  });
  await bucket.check();
  const profiles = DEFAULT_TIERS.filter((t) => t.name === 'onprem' || t.name === 'private').map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt }));
  const tiers = new TierSet(profiles, new Map<string, FsTierBackend | S3TierBackend>([['onprem', onprem], ['private', bucket]]));
  const catalog = await openSqliteCatalog(join(dir, 'catalog.sqlite'));
  const bus = new InProcessBus();
  const events = new MigrationEvents(bus, log);
  const planner = new MigrationPlanner(catalog, bus, tiers, events, systemClock, log);
  const executor = new MigrationExecutor(catalog, tiers, events, systemClock, log, options.label, options.executor);
  const objects = new ObjectService(catalog, tiers, bus, systemClock, log, { ingestTier: 'onprem', maxObjectBytes: options.maxObjectBytes });
  const commands = await bus.subscribe<MigrationCommand>(TOPICS.migrationCommands, async (m) => executor.submit(m.value.migration_id), { group: 'migration-executors' });
  return {
    onprem,
    bucket,
    catalog,
    planner,
    objects,
    async close() {
      await commands.close();
      await executor.stop();
      await bus.close();
      await catalog.close();
      bucket.close();
    },
  };
}

export type FolderS3Engine = Awaited<ReturnType<typeof openFolderS3Engine>>;
