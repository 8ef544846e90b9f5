import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import type { Tiercast } from '../../src/app.js';
import type { MigrationRecord } from '../../src/domain/migration.js';
import type { ObjectRecord } from '../../src/domain/object.js';
import { hashStream } from '../../src/storage/stream-hash.js';
import { storedFiles } from '../helpers/files.js';
import { startTestApp, type TestApp } from '../helpers/fixture.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const OWNER = 'embedded';

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});


/**
 * Leaves a migration in `status` exactly as a worker killed at that point would have:
 * rows written step by step through the catalog, copies made (or half made) by hand.
 */
async function crashedMigration(app: Tiercast, object: ObjectRecord, status: 'planned' | 'copying' | 'verifying' | 'switched', data: Buffer): Promise<MigrationRecord> {
  const now = app.clock.now();
  const migration = await app.catalog.createMigration({
    id: `crashed-${status}`,
    objectId: object.objectId,
    sourceTier: object.tier,
    destinationTier: 'onprem',
    reason: 'manual',
    objectVersion: object.version,
    sourceKey: object.storageKey,
    destinationKey: object.storageKey,
    sizeBytes: object.sizeBytes,
    explanation: null,
    createdAt: now,
  });
  assert.ok(migration);
  if (status === 'planned') return migration;
  const claimed = await app.catalog.claimMigration(migration.id, OWNER, now, 60_000);
  assert.ok(claimed);
  assert.ok(await app.catalog.updateMigration(migration.id, OWNER, { fromStatus: 'planned', status: 'copying', attempts: 1, updatedAt: now }));
  const destinationFile = join(current!.dataDir, 'tiers', 'onprem', object.storageKey);
  await mkdir(join(destinationFile, '..'), { recursive: true });
  if (status === 'copying') {
    // A copy cut off half way, as a killed process leaves it.
    await writeFile(join(destinationFile, '..', `.tmp-crash-${object.storageKey.split('/')[1]}`), data.subarray(0, data.length / 2));
    return (await app.catalog.getMigration(migration.id))!;
  }
  await writeFile(destinationFile, data);
  assert.ok(await app.catalog.updateMigration(migration.id, OWNER, { fromStatus: 'copying', status: 'verifying', bytesCopied: data.length, updatedAt: now }));
  if (status === 'verifying') return (await app.catalog.getMigration(migration.id))!;
  assert.ok(await app.catalog.switchObjectLocation({ ...migration, status: 'verifying' }, OWNER, now));
  return (await app.catalog.getMigration(migration.id))!;
}

for (const status of ['planned', 'copying', 'verifying', 'switched'] as const) {
  describe(`after a crash with a migration '${status}'`, () => {
    it('a restart finishes the migration, the object reads back intact, and no copy is left over', async () => {
      current = await startTestApp({ patch: { orphans: { graceSeconds: 0 } } });
      const data = randomBytes(512 * 1024 + 3);
      const object = await current.app.objects.ingest({ body: Readable.from([data]) });
      const crashed = await crashedMigration(current.app, object, status, data);
      assert.equal(crashed.status, status);

      const app = await current.restart();
      await app.bus.drain();
      await app.executor.idle();

      const migration = await app.catalog.getMigration(crashed.id);
      assert.equal(migration?.status, 'completed');
      const moved = await app.objects.get(object.objectId);
      assert.equal(moved.tier, 'onprem');
      const { stream } = await app.objects.openContent(object.objectId);
      assert.equal((await hashStream(stream)).sha256, sha256(data));
      assert.deepEqual(await storedFiles(current.dataDir), [`onprem/${object.storageKey}`]);
    });
  });
}

describe('orphan sweep', () => {
  it('removes copies nothing refers to, once they are older than the grace period, and keeps live ones', async () => {
    current = await startTestApp({ patch: { orphans: { graceSeconds: 0 } } });
    const kept = await current.app.objects.ingest({ body: Readable.from([Buffer.from('keep me')]) });
    const stray = join(current.dataDir, 'tiers', 'private', 'ghost', 'v1-abc');
    await mkdir(join(stray, '..'), { recursive: true });
    await writeFile(stray, 'left by a crash');
    await writeFile(join(current.dataDir, 'tiers', 'public', '.tmp-123-upload'), 'half an upload');
    assert.equal(await current.app.orphans.sweep(), 2);
    assert.deepEqual(await storedFiles(current.dataDir), [`public/${kept.storageKey}`]);
  });

  it('leaves fresh copies alone during the grace period (an upload may still be committing)', async () => {
    current = await startTestApp({ patch: { orphans: { graceSeconds: 3600 } } });
    await writeFile(join(current.dataDir, 'tiers', 'public', '.tmp-999-upload'), 'in progress');
    assert.equal(await current.app.orphans.sweep(), 0);
    assert.deepEqual(await storedFiles(current.dataDir), ['public/.tmp-999-upload']);
  });
});
