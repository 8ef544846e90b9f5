import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as s3Service from '../../scripts/services/s3.mjs';
import { TOPICS } from '../../src/bus/event-bus.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { systemClock } from '../../src/domain/clock.js';
import { TiercastError } from '../../src/domain/errors.js';
import { isTerminal, type MigrationRecord } from '../../src/domain/migration.js';
import { MigrationEvents } from '../../src/engine/migration-events.js';
import { MigrationExecutor } from '../../src/engine/migration-executor.js';
import { MigrationPlanner, type MigrationCommand } from '../../src/engine/migration-planner.js';
import { ObjectService } from '../../src/engine/object-service.js';
import { TierSet } from '../../src/engine/tier-set.js';
import { createLogger } from '../../src/log.js';
import { FsTierBackend } from '../../src/storage/fs-backend.js';
import { S3TierBackend } from '../../src/storage/s3-backend.js';
import { hashStream } from '../../src/storage/stream-hash.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
// Not the fixture's tempDir: that module loads the whole app, and this test wires the engine itself.
const tempDir = async (prefix: string) => {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
};
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/**
 * The engine as the app wires it (SQLite catalog, in-process bus, planner, real executor,
 * object service) over a folder tier 'onprem' and an S3 tier 'private' on the given server.
 * The S3 tier lives under its own prefix, so tests sharing the server never meet.
 */
async function openEngine(dir: string, s3: Record<string, string>) {
  const log = createLogger(process.env.TIERCAST_TEST_LOG_LEVEL ?? 'silent');
  const onprem = new FsTierBackend({ tierName: 'onprem', root: join(dir, 'onprem') });
  await onprem.check();
  const bucket = new S3TierBackend({
    tierName: 'private',
    bucket: s3.MINIO_BUCKET!,
    prefix: `outage-${randomBytes(4).toString('hex')}`,
    endpoint: s3.MINIO_ENDPOINT!,
    region: s3.AWS_REGION!,
    credentials: { accessKeyId: s3.MINIO_ACCESS_KEY!, secretAccessKey: s3.MINIO_ROOT_PASSWORD! },
    partSizeBytes: 5 * MiB,
    queueSize: 2,
  });
  await bucket.check();
  const profiles = DEFAULT_TIERS.filter((t) => t.name === 'onprem' || t.name === 'private').map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt }));
  const tiers = new TierSet(profiles, new Map<string, FsTierBackend | S3TierBackend>([['onprem', onprem], ['private', bucket]]));
  const catalog = await openSqliteCatalog(join(dir, 'catalog.sqlite'));
  const bus = new InProcessBus();
  const events = new MigrationEvents(bus, log);
  const planner = new MigrationPlanner(catalog, bus, tiers, events, systemClock, log);
  const executor = new MigrationExecutor(catalog, tiers, events, systemClock, log, 'outage-test', {
    maxConcurrent: 2,
    // The outage must not use up the attempts: the point is that it finishes once S3 is back.
    maxAttempts: 1000,
    retryBaseDelayMs: 100,
    // Short, so progress (bytesCopied) is recorded every second during the copy.
    leaseMs: 3000,
    verify: 'reread',
    // Slow enough that the server can be stopped while parts are being uploaded.
    bandwidthBytesPerSecond: 4 * MiB,
  });
  const objects = new ObjectService(catalog, tiers, bus, systemClock, log, { ingestTier: 'onprem', maxObjectBytes: 1024 * MiB });
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

type Engine = Awaited<ReturnType<typeof openEngine>>;

/** Polls the migration until `until` holds; fails at once if it ends (completed, failed, cancelled) first, unless that is awaited. */
async function untilMigration(engine: Engine, id: string, until: (m: MigrationRecord) => boolean, description: string, timeoutMs = 30_000): Promise<MigrationRecord> {
  return waitFor(
    async () => {
      const m = await engine.catalog.getMigration(id);
      if (!m) return undefined;
      if (until(m)) return m;
      if (isTerminal(m.status)) throw new Error(`migration ended ${m.status}: ${m.error}`);
      return undefined;
    },
    { timeoutMs, intervalMs: 25, description: `migration ${id}: ${description}` },
  );
}

/** Attempts that have failed so far: all of them while waiting for a retry, all but the running one while copying. */
const failedAttempts = (m: MigrationRecord) => (m.status === 'planned' ? m.attempts : m.attempts - 1);

describe('S3 tier outage during migrations', () => {
  let state: { path: string; cleanup: () => Promise<void> };
  let server: Record<string, string>;
  let engine: Engine | undefined;
  let work: { path: string; cleanup: () => Promise<void> } | undefined;

  before(async () => {
    state = await tempDir('tiercast-s3-outage-');
    ({ env: server } = await s3Service.start({ stateDir: join(state.path, 's3') }));
  });
  after(async () => {
    await engine?.close();
    await work?.cleanup();
    await s3Service.stop({ stateDir: join(state.path, 's3') });
    await state.cleanup();
  });

  const open = async () => {
    await engine?.close();
    await work?.cleanup();
    work = await tempDir('tiercast-s3-outage-engine-');
    engine = await openEngine(work.path, server);
    return engine;
  };

  /** Stops the server and starts it again on the same state folder; the endpoint must not move. */
  const stopServer = () => s3Service.stop({ stateDir: join(state.path, 's3') });
  const startServer = async () => {
    const { env } = await s3Service.start({ stateDir: join(state.path, 's3') });
    assert.equal(env.MINIO_ENDPOINT, server.MINIO_ENDPOINT, 'the restarted server must come back on the same endpoint');
  };

  it('folder → S3: the server stops mid-upload; reads go on from the folder, the migration retries and completes once S3 is back', async () => {
    const t = await open();
    const data = randomBytes(12 * MiB + 777); // three 5 MiB parts at most: a real multipart upload
    const object = await t.objects.ingest({ body: Readable.from([data]), name: 'outage.bin' });
    assert.equal(object.tier, 'onprem');
    const planned = await t.planner.planManual(object, 'private', null);

    // Stop once the first part has been uploaded (the executor read past 5 MiB of the source).
    const midway = await untilMigration(t, planned.id, (m) => m.status === 'copying' && m.bytesCopied > 6 * MiB, 'copying past the first part');
    await stopServer();
    const attemptsAtStop = midway.attempts;

    // The interrupted attempt and at least one more fail while the server is down.
    const failing = await untilMigration(t, planned.id, (m) => m.error !== null && failedAttempts(m) >= attemptsAtStop + 1, 'attempts failing while S3 is down');
    assert.ok(failing.status === 'planned' || failing.status === 'copying', `status ${failing.status} while S3 is down`);
    assert.match(failing.error ?? '', new RegExp(`tier 'private' is unavailable: S3 endpoint ${server.MINIO_ENDPOINT!.replace(/[.]/g, '\\.')}`));

    // Meanwhile the object reads from its source, whole.
    const { object: during, stream } = await t.objects.openContent(object.objectId);
    assert.equal(during.tier, 'onprem');
    assert.equal((await hashStream(stream)).sha256, sha256(data));

    await startServer();
    const done = await untilMigration(t, planned.id, (m) => m.status === 'completed', 'completion after S3 is back', 60_000);
    assert.ok(done.attempts > failedAttempts(failing), 'a retry after the restart did the work');
    assert.equal(done.bytesCopied, data.length);

    const moved = await t.objects.get(object.objectId);
    assert.equal(moved.tier, 'private');
    assert.equal(moved.sha256, sha256(data));
    const inS3 = await hashStream(await t.bucket.get(moved.storageKey));
    assert.deepEqual(inS3, { sha256: sha256(data), sizeBytes: data.length }, 'the bytes in S3 are the original bytes');
    assert.deepEqual((await t.bucket.list({ prefix: `${object.objectId}/` })).entries.map((e) => e.key), [moved.storageKey], 'one copy in S3, nothing else');
    assert.equal(await t.onprem.head(object.storageKey), undefined, 'the source copy in the folder tier is deleted');
    const { stream: after } = await t.objects.openContent(object.objectId);
    assert.equal((await hashStream(after)).sha256, sha256(data));
  });

  it('S3 → folder: while S3 is down the object cannot be read (a clear 503) and the migration waits; afterwards it completes', async () => {
    const t = await open();
    const data = randomBytes(3 * MiB + 5);
    const object = await t.objects.ingest({ body: Readable.from([data]), tier: 'private' });
    await stopServer();
    const planned = await t.planner.planManual(object, 'onprem', null);
    const failing = await untilMigration(t, planned.id, (m) => m.error !== null && failedAttempts(m) >= 2, 'two attempts failing while S3 is down');
    assert.ok(failing.status === 'planned' || failing.status === 'copying', `status ${failing.status} while S3 is down`);
    assert.match(failing.error ?? '', /tier 'private' is unavailable/);
    await assert.rejects(
      () => t.objects.openContent(object.objectId),
      (err: unknown) => err instanceof TiercastError && err.code === 'tier_unavailable' && err.status === 503 && err.message.includes(server.MINIO_ENDPOINT!),
    );

    await startServer();
    const done = await untilMigration(t, planned.id, (m) => m.status === 'completed', 'completion after S3 is back', 60_000);
    assert.equal(done.bytesCopied, data.length);
    assert.ok(done.attempts > failedAttempts(failing));
    const moved = await t.objects.get(object.objectId);
    assert.equal(moved.tier, 'onprem');
    assert.deepEqual(await hashStream(await t.onprem.get(moved.storageKey)), { sha256: sha256(data), sizeBytes: data.length });
    assert.equal(await t.bucket.head(object.storageKey), undefined, 'the source copy in S3 is deleted');
  });
});
