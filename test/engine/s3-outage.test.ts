import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as s3Service from '../../scripts/services/s3.mjs';
import { openFolderS3Engine, type FolderS3Engine } from '../helpers/folder-s3-engine.js';
import { TiercastError } from '../../src/domain/errors.js';
import { isTerminal, type MigrationRecord } from '../../src/domain/migration.js';
import { hashStream } from '../../src/storage/stream-hash.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
// Not the fixture's tempDir: that module loads the whole app, and this test wires the engine itself.
const tempDir = async (prefix: string) => {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
};
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** The folder + S3 engine, with an executor that outlasts an outage and copies slowly enough to be stopped mid-upload. */
function openEngine(dir: string, s3: Record<string, string>) {
  return openFolderS3Engine(dir, s3, {
    label: 'outage-test',
    partSizeBytes: 5 * MiB,
    queueSize: 2,
    maxObjectBytes: 1024 * MiB,
    executor: {
      maxConcurrent: 2,
      // The outage must not use up the attempts: the point is that it finishes once S3 is back.
      maxAttempts: 1000,
      retryBaseDelayMs: 100,
      // Short, so progress (bytesCopied) is recorded every second during the copy.
      leaseMs: 3000,
      verify: 'reread',
      // Slow enough that the server can be stopped while parts are being uploaded.
      bandwidthBytesPerSecond: 4 * MiB,
    },
  });
}

type Engine = FolderS3Engine;

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
