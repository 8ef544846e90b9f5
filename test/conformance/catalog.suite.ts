import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessBucketDelta, Catalog, NewMigration } from '../../src/catalog/catalog.js';
import { TiercastError } from '../../src/domain/errors.js';
import type { MigrationStatus } from '../../src/domain/migration.js';
import type { ObjectRecord } from '../../src/domain/object.js';

/** A fresh, empty, migrated catalog per test, and how to dispose of it. */
export type CatalogFactory = () => Promise<{ catalog: Catalog; cleanup: () => Promise<void> }>;

export const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const HOUR = 60 * MIN;

/** An object row for catalog tests (shared with the cross-process claim tests). */
export function object(id: string, overrides: Partial<ObjectRecord> = {}): ObjectRecord {
  return {
    objectId: id,
    name: `${id}.bin`,
    contentType: 'application/octet-stream',
    sizeBytes: 1000,
    sha256: 'a'.repeat(64),
    version: 1,
    tier: 'public',
    storageKey: `${id}/v1-w`,
    createdAt: T0,
    updatedAt: T0,
    tierSince: T0,
    accessCount: 0,
    lastAccessedAt: null,
    pinnedUntil: null,
    prediction: null,
    ...overrides,
  };
}

/** A planned migration of `o` to onprem, for catalog tests. */
export function migration(id: string, o: ObjectRecord, overrides: Partial<NewMigration> = {}): NewMigration {
  return {
    id,
    objectId: o.objectId,
    sourceTier: o.tier,
    destinationTier: 'onprem',
    reason: 'manual',
    objectVersion: o.version,
    sourceKey: o.storageKey,
    destinationKey: `${o.objectId}/v${o.version}-moved-${id}`,
    sizeBytes: o.sizeBytes,
    explanation: { why: 'test', expectedSaving: 0.5 },
    createdAt: T0,
    ...overrides,
  };
}

/** One object's accesses in buckets starting at or after `since`, through the batched read. */
async function sumSince(catalog: Catalog, objectId: string, since: number): Promise<number> {
  return (await catalog.accessSums([objectId], [since])).get(objectId)?.[0] ?? 0;
}

const delta = (objectId: string, bucketStart: number, count: number, lastAccessAt = bucketStart + 1000): AccessBucketDelta => ({
  objectId,
  bucketStart,
  count,
  lastAccessAt,
});

/**
 * Walks an existing planned migration (as `owner`) to `status` through legal steps. For
 * `switched` and `completed` the object must be in the catalog at the migration's source.
 */
async function advanceTo(catalog: Catalog, id: string, status: MigrationStatus, owner = 'w1'): Promise<void> {
  if (status === 'planned') return;
  assert.ok(await catalog.claimMigration(id, owner, T0, 60_000));
  let current: MigrationStatus = 'planned';
  const step = async (to: MigrationStatus, at = T0) => {
    const finished = to === 'completed' || to === 'failed' || to === 'cancelled';
    const patch = { fromStatus: current, status: to, updatedAt: at, ...(finished ? { finishedAt: at } : {}) };
    assert.equal(await catalog.updateMigration(id, owner, patch), true);
    current = to;
  };
  if (status === 'failed' || status === 'cancelled') return step(status);
  await step('copying');
  if (status === 'copying') return;
  await step('verifying');
  if (status === 'verifying') return;
  assert.equal(await catalog.switchObjectLocation((await catalog.getMigration(id))!, owner, T0 + 1), true);
  current = 'switched';
  if (status === 'switched') return;
  await step('completed', T0 + 2);
}

/** Creates a migration and walks it to `status` (see advanceTo). */
async function migrationIn(catalog: Catalog, m: NewMigration, status: MigrationStatus, owner = 'w1'): Promise<void> {
  assert.ok(await catalog.createMigration(m));
  await advanceTo(catalog, m.id, status, owner);
}

/**
 * The catalog port's contract, registered as node:test cases. Run it once per adapter with
 * a factory that returns a fresh, empty, migrated catalog per test. Uses only the port.
 */
export function catalogConformance(name: string, makeCatalog: CatalogFactory): void {
  const test = (title: string, body: (catalog: Catalog) => Promise<void>) =>
    it(title, async () => {
      const { catalog, cleanup } = await makeCatalog();
      try {
        await body(catalog);
      } finally {
        await cleanup();
      }
    });

  describe(`catalog conformance: ${name}`, () => {
    describe('schema', () => {
      test('migrateSchema again is a no-op that keeps data', async (c) => {
        await c.insertObject(object('keep'));
        await c.migrateSchema();
        assert.deepEqual(await c.getObject('keep'), object('keep'));
      });
    });

    describe('objects', () => {
      test('insert then get round-trips every field', async (c) => {
        const o = object('o1', { name: null, sizeBytes: 5_000_000_000, lastAccessedAt: T0 + 5, accessCount: 3 });
        await c.insertObject(o);
        assert.deepEqual(await c.getObject('o1'), o);
        assert.equal(await c.getObject('missing'), undefined);
      });

      test('a duplicate id is a conflict and leaves the first record', async (c) => {
        await c.insertObject(object('dup'));
        await assert.rejects(c.insertObject(object('dup', { sizeBytes: 1 })), (e: unknown) => {
          assert.ok(e instanceof TiercastError);
          assert.equal(e.code, 'conflict');
          return true;
        });
        assert.equal((await c.getObject('dup'))?.sizeBytes, 1000);
      });

      test('listObjects filters by tier, pages and reports the total', async (c) => {
        for (let i = 0; i < 7; i++) await c.insertObject(object(`p${i}`, { tier: i < 5 ? 'public' : 'onprem', createdAt: T0 + i }));
        const page1 = await c.listObjects({ tier: 'public', sort: 'created_at', limit: 2, offset: 0 });
        assert.equal(page1.total, 5);
        assert.deepEqual(page1.items.map((o) => o.objectId), ['p0', 'p1']);
        const page3 = await c.listObjects({ tier: 'public', sort: 'created_at', limit: 2, offset: 4 });
        assert.deepEqual(page3.items.map((o) => o.objectId), ['p4']);
        assert.equal(page3.total, 5);
        const all = await c.listObjects({ limit: 100, offset: 0 });
        assert.equal(all.total, 7);
        assert.equal(all.items.length, 7);
        const none = await c.listObjects({ tier: 'private', limit: 10, offset: 0 });
        assert.deepEqual(none, { items: [], total: 0 });
      });

      test('listObjects sorts both ways with a stable tie-break on object id', async (c) => {
        await c.insertObject(object('b', { sizeBytes: 10 }));
        await c.insertObject(object('a', { sizeBytes: 10 }));
        await c.insertObject(object('c', { sizeBytes: 30 }));
        await c.insertObject(object('d', { sizeBytes: 5 }));
        const asc = await c.listObjects({ sort: 'size_bytes', limit: 10, offset: 0 });
        assert.deepEqual(asc.items.map((o) => o.objectId), ['d', 'a', 'b', 'c']);
        const desc = await c.listObjects({ sort: 'size_bytes', descending: true, limit: 10, offset: 0 });
        assert.deepEqual(desc.items.map((o) => o.objectId), ['c', 'a', 'b', 'd']);
        const byId = await c.listObjects({ sort: 'object_id', descending: true, limit: 2, offset: 1 });
        assert.deepEqual(byId.items.map((o) => o.objectId), ['c', 'b']);
      });

      test('listObjects by last access puts never-accessed objects lowest', async (c) => {
        await c.insertObject(object('never'));
        await c.insertObject(object('old', { lastAccessedAt: T0 + 1 }));
        await c.insertObject(object('new', { lastAccessedAt: T0 + 2 }));
        const desc = await c.listObjects({ sort: 'last_accessed_at', descending: true, limit: 10, offset: 0 });
        assert.deepEqual(desc.items.map((o) => o.objectId), ['new', 'old', 'never']);
        const asc = await c.listObjects({ sort: 'last_accessed_at', limit: 10, offset: 0 });
        assert.deepEqual(asc.items.map((o) => o.objectId), ['never', 'old', 'new']);
      });

      test('listObjects by predicted next 24 h puts objects without a forecast lowest', async (c) => {
        for (const id of ['none', 'low', 'high']) await c.insertObject(object(id));
        await c.savePredictions([
          { objectId: 'low', accesses: 2, horizonHours: 24, modelVersion: 0, at: T0 },
          { objectId: 'high', accesses: 90, horizonHours: 24, modelVersion: 0, at: T0 },
        ]);
        const desc = await c.listObjects({ sort: 'predicted_next_24h', descending: true, limit: 10, offset: 0 });
        assert.deepEqual(desc.items.map((o) => o.objectId), ['high', 'low', 'none']);
        const asc = await c.listObjects({ sort: 'predicted_next_24h', limit: 10, offset: 0 });
        assert.deepEqual(asc.items.map((o) => o.objectId), ['none', 'low', 'high']);
      });

      test('listObjects searches id and name as literal, case-insensitive substrings', async (c) => {
        await c.insertObject(object('report-2026', { name: 'Q1.pdf' }));
        await c.insertObject(object('photo', { name: 'Holiday_100%.JPG' }));
        await c.insertObject(object('other', { name: 'HolidayX100.jpg' }));
        await c.insertObject(object('nameless', { name: null }));
        const ids = async (search: string) =>
          (await c.listObjects({ search, sort: 'object_id', limit: 10, offset: 0 })).items.map((o) => o.objectId);
        assert.deepEqual(await ids('port-20'), ['report-2026']);
        assert.deepEqual(await ids('q1'), ['report-2026']);
        assert.deepEqual(await ids('holiday'), ['other', 'photo']);
        assert.deepEqual(await ids('_100%'), ['photo']);
        assert.deepEqual(await ids('%'), ['photo']);
        assert.deepEqual(await ids('less'), ['nameless']);
        const page = await c.listObjects({ search: 'o', limit: 1, offset: 0 });
        assert.equal(page.total, 3);
        assert.equal(page.items.length, 1);
        assert.deepEqual(await c.listObjects({ search: 'o', limit: 2, offset: 10 }), { items: [], total: 3 }, 'past the last page, the total still counts');
        assert.deepEqual((await c.listObjects({ search: 'o', sort: 'object_id', limit: 2, offset: 1 })).items.map((o) => o.objectId), ['photo', 'report-2026']);
      });

      test('objectsAfter walks every object in id order by keyset', async (c) => {
        for (const id of ['e', 'a', 'd', 'b', 'c']) await c.insertObject(object(id));
        const first = await c.objectsAfter(null, 2);
        assert.deepEqual(first.map((o) => o.objectId), ['a', 'b']);
        const second = await c.objectsAfter('b', 2);
        assert.deepEqual(second.map((o) => o.objectId), ['c', 'd']);
        assert.deepEqual((await c.objectsAfter('d', 2)).map((o) => o.objectId), ['e']);
        assert.deepEqual(await c.objectsAfter('e', 2), []);
      });

      test('replaceContent swaps the pointer when the version matches', async (c) => {
        const o = object('r', { tier: 'public', tierSince: T0 });
        await c.insertObject(o);
        const next = { tier: 'public', storageKey: 'r/v2-x', sizeBytes: 42, sha256: 'b'.repeat(64), contentType: 'text/plain', updatedAt: T0 + 10 };
        const result = await c.replaceContent('r', 1, next);
        assert.ok(result);
        assert.deepEqual(result.previous, o);
        const expected = { ...o, ...next, version: 2, tierSince: T0 };
        assert.deepEqual(result.current, expected);
        assert.deepEqual(await c.getObject('r'), expected);
        // A write into another tier starts a new residency.
        const moved = await c.replaceContent('r', 2, { ...next, tier: 'onprem', storageKey: 'r/v3-y', updatedAt: T0 + 20 });
        assert.equal(moved?.current.version, 3);
        assert.equal(moved?.current.tierSince, T0 + 20);
      });

      test('replaceContent with a stale version or unknown id changes nothing', async (c) => {
        await c.insertObject(object('r'));
        const next = { tier: 'onprem', storageKey: 'r/v2-x', sizeBytes: 1, sha256: 'c'.repeat(64), contentType: 'x/y', updatedAt: T0 + 1 };
        assert.ok(await c.replaceContent('r', 1, next));
        assert.equal(await c.replaceContent('r', 1, { ...next, storageKey: 'r/v2-loser' }), undefined);
        assert.equal((await c.getObject('r'))?.storageKey, 'r/v2-x');
        assert.equal(await c.replaceContent('ghost', 1, next), undefined);
      });

      test('objectsWithActiveMigration names only objects with a migration in flight', async (c) => {
        const [busy, done, idle] = [object('busy'), object('done'), object('idle')];
        for (const o of [busy, done, idle]) await c.insertObject(o);
        await migrationIn(c, migration('mb', busy), 'copying');
        await migrationIn(c, migration('md', done), 'completed');
        assert.deepEqual([...(await c.objectsWithActiveMigration(['busy', 'done', 'idle', 'ghost']))], ['busy']);
      });

      test('replaceContent cancels an active migration and takes its lease away', async (c) => {
        const o = object('r');
        await c.insertObject(o);
        await migrationIn(c, migration('m1', o), 'copying');
        const next = { tier: 'public', storageKey: 'r/v2-x', sizeBytes: 1, sha256: 'c'.repeat(64), contentType: 'x/y', updatedAt: T0 + 50 };
        assert.ok(await c.replaceContent('r', 1, next));
        const m = await c.getMigration('m1');
        assert.equal(m?.status, 'cancelled');
        assert.equal(m?.error, 'object was overwritten during the migration');
        assert.equal(m?.finishedAt, T0 + 50);
        assert.equal((await c.objectsWithActiveMigration(['r'])).has('r'), false);
        const late = { fromStatus: 'copying', status: 'verifying', updatedAt: T0 + 60 } as const;
        assert.equal(await c.updateMigration('m1', 'w1', late), false);
        assert.equal((await c.getMigration('m1'))?.status, 'cancelled');
      });

      test('replaceContent leaves a switched migration to complete', async (c) => {
        const o = object('r');
        await c.insertObject(o);
        await migrationIn(c, migration('m1', o), 'switched');
        const moved = await c.getObject('r');
        const next = { tier: 'onprem', storageKey: 'r/v2-x', sizeBytes: 1, sha256: 'c'.repeat(64), contentType: 'x/y', updatedAt: T0 + 50 };
        assert.ok(await c.replaceContent('r', moved!.version, next));
        assert.equal((await c.getMigration('m1'))?.status, 'switched');
      });

      test('deleteObject removes the object and its history and cancels its migrations', async (c) => {
        const o = object('d');
        await c.insertObject(o);
        await c.insertObject(object('other'));
        await c.recordAccesses([delta('d', T0, 3), delta('other', T0, 2)]);
        await migrationIn(c, migration('m1', o), 'verifying');
        const deleted = await c.deleteObject('d', T0 + 99);
        assert.equal(deleted?.objectId, 'd');
        assert.equal(deleted?.accessCount, 3);
        assert.equal(await c.getObject('d'), undefined);
        assert.equal(await sumSince(c, 'd', 0), 0);
        assert.deepEqual(await c.accessHistory('d', 0, T0 + HOUR), []);
        assert.equal(await sumSince(c, 'other', 0), 2);
        const m = await c.getMigration('m1');
        assert.equal(m?.status, 'cancelled');
        assert.equal(m?.finishedAt, T0 + 99);
        assert.ok(m?.error);
        assert.equal(await c.deleteObject('d', T0 + 100), undefined);
        // A new object under the same id starts without the old history.
        await c.insertObject(o);
        assert.equal(await sumSince(c, 'd', 0), 0);
      });

      test('deleteObject leaves a switched migration alone', async (c) => {
        const o = object('d');
        await c.insertObject(o);
        await migrationIn(c, migration('m1', o), 'switched');
        assert.ok(await c.deleteObject('d', T0 + 5));
        assert.equal((await c.getMigration('m1'))?.status, 'switched');
      });

      test('tierUsage counts objects and bytes per tier', async (c) => {
        assert.deepEqual(await c.tierUsage(), []);
        await c.insertObject(object('a', { tier: 'public', sizeBytes: 100 }));
        await c.insertObject(object('b', { tier: 'public', sizeBytes: 3_000_000_000 }));
        await c.insertObject(object('c', { tier: 'onprem', sizeBytes: 7 }));
        const usage = (await c.tierUsage()).sort((x, y) => x.tier.localeCompare(y.tier));
        assert.deepEqual(usage, [
          { tier: 'onprem', objects: 1, bytes: 7 },
          { tier: 'public', objects: 2, bytes: 3_000_000_100 },
        ]);
      });

      test('isKeyInUse covers current content and both ends of active migrations', async (c) => {
        const o = object('k', { tier: 'public', storageKey: 'k/v1' });
        await c.insertObject(o);
        assert.equal(await c.isKeyInUse('public', 'k/v1'), true);
        assert.equal(await c.isKeyInUse('onprem', 'k/v1'), false);
        assert.equal(await c.isKeyInUse('public', 'k/orphan'), false);
        await c.createMigration(migration('m1', o, { destinationTier: 'onprem', destinationKey: 'k/dest' }));
        assert.equal(await c.isKeyInUse('onprem', 'k/dest'), true);
        const gone = object('gone', { storageKey: 'gone/src' });
        await c.insertObject(gone);
        await migrationIn(c, migration('m0', gone, { destinationKey: 'gone/dest' }), 'switched');
        assert.equal(await c.isKeyInUse('public', 'gone/src'), true, 'source of a switched migration is still pending deletion');
        await c.claimMigration('m1', 'w1', T0, 1000);
        await c.updateMigration('m1', 'w1', { fromStatus: 'planned', status: 'failed', finishedAt: T0, updatedAt: T0 });
        assert.equal(await c.isKeyInUse('onprem', 'k/dest'), false);
      });
    });

    describe('job leases', () => {
      test('one owner holds a job at a time; it renews its own lease; another takes over only once it expired', async (c) => {
        assert.equal(await c.acquireJobLease('proactive-sweep', 'w1', T0, 60_000), true, 'free: taken');
        assert.equal(await c.acquireJobLease('proactive-sweep', 'w2', T0 + 1_000, 60_000), false, 'held by w1');
        assert.equal(await c.acquireJobLease('model-training', 'w2', T0 + 1_000, 60_000), true, 'jobs are independent');
        assert.equal(await c.acquireJobLease('proactive-sweep', 'w1', T0 + 50_000, 60_000), true, 'w1 renews');
        assert.equal(await c.acquireJobLease('proactive-sweep', 'w2', T0 + 100_000, 60_000), false, 'the renewal moved the expiry to T0 + 110 s');
        assert.equal(await c.acquireJobLease('proactive-sweep', 'w2', T0 + 110_000, 60_000), true, 'expired: w2 takes over');
        assert.equal(await c.acquireJobLease('proactive-sweep', 'w1', T0 + 111_000, 60_000), false, 'and w1 has lost it');
      });

      test('of many owners racing for a free job, exactly one gets it', async (c) => {
        const results = await Promise.all(Array.from({ length: 8 }, (_, i) => c.acquireJobLease('race', `w${i}`, T0, 60_000)));
        assert.equal(results.filter(Boolean).length, 1);
      });
    });

    describe('access history', () => {
      test('recordAccesses adds buckets, bumps counts and reports unknown ids', async (c) => {
        await c.insertObject(object('a'));
        await c.insertObject(object('b', { lastAccessedAt: T0 + 10 * MIN }));
        const result = await c.recordAccesses([
          delta('a', T0, 2, T0 + 5_000),
          delta('a', T0 + MIN, 3, T0 + MIN + 9_000),
          delta('a', T0, 1, T0 + 7_000),
          delta('ghost', T0, 4),
          delta('b', T0, 1, T0 + 1_000),
          delta('ghost', T0 + MIN, 1),
        ]);
        assert.deepEqual(result.unknownObjectIds, ['ghost']);
        const a = await c.getObject('a');
        assert.equal(a?.accessCount, 6);
        assert.equal(a?.lastAccessedAt, T0 + MIN + 9_000);
        const b = await c.getObject('b');
        assert.equal(b?.accessCount, 1);
        assert.equal(b?.lastAccessedAt, T0 + 10 * MIN, 'an older access never moves last access back');
        assert.deepEqual(await c.accessHistory('a', T0, T0 + HOUR), [
          { bucketStart: T0, resolutionSeconds: 60, count: 3 },
          { bucketStart: T0 + MIN, resolutionSeconds: 60, count: 3 },
        ]);
        assert.equal(await sumSince(c, 'ghost', 0), 0);
        // A second batch adds onto the existing bucket.
        await c.recordAccesses([delta('a', T0, 10, T0 + 8_000)]);
        assert.equal(await sumSince(c, 'a', T0), 16);
        assert.equal((await c.getObject('a'))?.lastAccessedAt, T0 + MIN + 9_000);
        assert.deepEqual(await c.recordAccesses([]), { unknownObjectIds: [] });
      });

      test('recordAccesses handles batches larger than one statement', async (c) => {
        const ids = Array.from({ length: 1200 }, (_, i) => `bulk-${String(i).padStart(4, '0')}`);
        for (const id of ids) await c.insertObject(object(id));
        const deltas = ids.flatMap((id) => [delta(id, T0, 1), delta(id, T0 + MIN, 2), delta(id, T0 + 2 * MIN, 3)]);
        assert.deepEqual(await c.recordAccesses(deltas), { unknownObjectIds: [] });
        for (const id of [ids[0]!, ids[700]!, ids[1199]!]) {
          assert.equal((await c.getObject(id))?.accessCount, 6);
          assert.equal(await sumSince(c, id, 0), 6);
        }
      });

      test('accessSums gives each object its sums since every bound, in one call', async (c) => {
        for (const id of ['x', 'y', 'quiet']) await c.insertObject(object(id));
        await c.recordAccesses([delta('x', T0, 1), delta('x', T0 + MIN, 10), delta('x', T0 + 2 * MIN, 100), delta('y', T0 + 2 * MIN, 7)]);
        const sums = await c.accessSums(['x', 'y', 'quiet', 'missing'], [T0 + MIN, T0, T0 + 2 * MIN]);
        assert.deepEqual([...sums.keys()].sort(), ['x', 'y'], 'objects without accesses in range are left out');
        assert.deepEqual(sums.get('x'), [110, 111, 100]);
        assert.deepEqual(sums.get('y'), [7, 7, 7]);
        assert.equal((await c.accessSums([], [T0])).size, 0);
        const many = Array.from({ length: 1100 }, (_, i) => `m${i}`);
        assert.deepEqual((await c.accessSums([...many, 'x'], [T0])).get('x'), [111], 'works past one statement of ids');
      });

      test('setPinnedUntil holds and releases an object, and says when the object is unknown', async (c) => {
        await c.insertObject(object('p'));
        assert.equal(await c.setPinnedUntil('p', T0 + HOUR), true);
        assert.equal((await c.getObject('p'))?.pinnedUntil, T0 + HOUR);
        assert.equal(await c.setPinnedUntil('p', Number.MAX_SAFE_INTEGER), true);
        assert.equal((await c.getObject('p'))?.pinnedUntil, Number.MAX_SAFE_INTEGER, 'a pin for good survives the round trip');
        assert.equal(await c.setPinnedUntil('p', null), true);
        assert.equal((await c.getObject('p'))?.pinnedUntil, null);
        assert.equal(await c.setPinnedUntil('nobody', T0), false);
      });

      test('accessBucketsFor returns many objects\' buckets in a time range, by object then time', async (c) => {
        for (const id of ['h1', 'h2']) await c.insertObject(object(id));
        await c.recordAccesses([delta('h2', T0 + MIN, 2), delta('h1', T0 + 2 * MIN, 3), delta('h1', T0, 1), delta('h1', T0 + HOUR, 9)]);
        const buckets = await c.accessBucketsFor(['h1', 'h2', 'none'], T0, T0 + HOUR);
        assert.deepEqual(
          buckets.map((b) => [b.objectId, b.bucketStart - T0, b.resolutionSeconds, b.count]),
          [['h1', 0, 60, 1], ['h1', 2 * MIN, 60, 3], ['h2', MIN, 60, 2]],
        );
      });

      test('savePredictions records each object\'s latest forecast, shown with the object', async (c) => {
        for (const id of ['f1', 'f2']) await c.insertObject(object(id));
        assert.equal((await c.getObject('f1'))?.prediction, null);
        await c.savePredictions([
          { objectId: 'f1', accesses: 12.5, horizonHours: 24, modelVersion: 0, at: T0 },
          { objectId: 'gone', accesses: 1, horizonHours: 24, modelVersion: 0, at: T0 },
        ]);
        await c.savePredictions([{ objectId: 'f1', accesses: 40.25, horizonHours: 24, modelVersion: 3, at: T0 + HOUR }]);
        assert.deepEqual((await c.getObject('f1'))?.prediction, { accesses: 40.25, horizonHours: 24, modelVersion: 3, at: T0 + HOUR });
        assert.equal((await c.getObject('f2'))?.prediction, null);
        assert.equal((await c.listObjects({ limit: 10, offset: 0, sort: 'object_id' })).items[0]?.prediction?.accesses, 40.25);
      });

      test('the model registry numbers versions and serves the newest served model', async (c) => {
        assert.equal(await c.servedModel(), undefined);
        const metrics = { mae: 1.5, wmape: 0.2, baselineMae: 2, baselineWmape: 0.3, trainRows: 100, testRows: 20, objects: 10 };
        const base = { family: 'gbdt' as const, createdAt: T0, trainedFrom: T0 - 14 * 24 * HOUR, trainedTo: T0, horizonHours: 24, featureNames: ['a', 'b'], metrics };
        const first = await c.saveModel({ ...base, served: true, payload: '{"trees":[]}' });
        const second = await c.saveModel({ ...base, family: 'baseline', served: false, payload: null });
        assert.deepEqual([first.version, second.version], [1, 2]);
        assert.deepEqual(await c.servedModel(), first);
        assert.deepEqual((await c.listModels(10)).map((m) => m.version), [2, 1]);
        const third = await c.saveModel({ ...base, served: true, payload: '{}' });
        assert.equal((await c.servedModel())?.version, third.version);
        assert.deepEqual((await c.listModels(1)).map((m) => m.version), [3]);
      });

      test('getObjects returns the existing objects among many ids', async (c) => {
        for (const id of ['g1', 'g2', 'g3']) await c.insertObject(object(id));
        const found = await c.getObjects(['g3', 'nope', 'g1', ...Array.from({ length: 600 }, (_, i) => `z${i}`)]);
        assert.deepEqual(found.map((o) => o.objectId).sort(), ['g1', 'g3']);
        assert.equal(found.find((o) => o.objectId === 'g1')?.storageKey, 'g1/v1-w');
        assert.deepEqual(await c.getObjects([]), []);
      });

      test('accessSums counts buckets starting at or after the bound', async (c) => {
        await c.insertObject(object('w'));
        await c.recordAccesses([delta('w', T0, 1), delta('w', T0 + MIN, 10), delta('w', T0 + 2 * MIN, 100)]);
        assert.equal(await sumSince(c, 'w', T0), 111);
        assert.equal(await sumSince(c, 'w', T0 + MIN), 110);
        assert.equal(await sumSince(c, 'w', T0 + MIN + 1), 100);
        assert.equal(await sumSince(c, 'w', T0 + 3 * MIN), 0);
        assert.equal(await sumSince(c, 'missing', 0), 0);
      });

      test('accessHistory returns buckets in [from, to) in time order', async (c) => {
        await c.insertObject(object('h'));
        await c.recordAccesses([delta('h', T0 + 2 * MIN, 3), delta('h', T0, 1), delta('h', T0 + MIN, 2)]);
        const history = await c.accessHistory('h', T0 + MIN, T0 + 2 * MIN);
        assert.deepEqual(history, [{ bucketStart: T0 + MIN, resolutionSeconds: 60, count: 2 }]);
        const all = await c.accessHistory('h', T0, T0 + 3 * MIN);
        assert.deepEqual(all.map((b) => b.bucketStart), [T0, T0 + MIN, T0 + 2 * MIN]);
      });

      test('accessesPerMinute sums every object\'s minute buckets in [from, to), oldest first', async (c) => {
        for (const id of ['m1', 'm2']) await c.insertObject(object(id));
        await c.recordAccesses([delta('m1', T0, 4), delta('m2', T0, 6), delta('m2', T0 + 2 * MIN, 5), delta('m1', T0 + 3 * MIN, 7)]);
        assert.deepEqual(await c.accessesPerMinute(T0, T0 + 3 * MIN), [
          { minuteStart: T0, count: 10 },
          { minuteStart: T0 + 2 * MIN, count: 5 },
        ]);
        assert.deepEqual(await c.accessesPerMinute(T0 + 4 * MIN, T0 + 10 * MIN), []);
        // Rolled-up (hour) buckets are not minutes.
        await c.rollUpAccesses(60, 3600, T0 + HOUR);
        assert.deepEqual(await c.accessesPerMinute(T0, T0 + HOUR), []);
      });

      test('rollUpAccesses merges old buckets and preserves totals', async (c) => {
        await c.insertObject(object('x'));
        await c.insertObject(object('y'));
        const deltas = [];
        for (let m = 0; m < 150; m += 7) deltas.push(delta('x', T0 + m * MIN, m + 1));
        deltas.push(delta('y', T0 + 5 * MIN, 4));
        await c.recordAccesses(deltas);
        const totalX = await sumSince(c, 'x', 0);
        const merged = await c.rollUpAccesses(60, 3600, T0 + 2 * HOUR);
        assert.equal(merged, 18 + 1, 'the 18 old minute buckets of x and the one of y');
        assert.equal(await sumSince(c, 'x', 0), totalX);
        assert.equal(await sumSince(c, 'y', 0), 4);
        const history = await c.accessHistory('x', 0, T0 + 3 * HOUR);
        const hours = history.filter((b) => b.resolutionSeconds === 3600);
        assert.deepEqual(hours.map((b) => b.bucketStart), [T0, T0 + HOUR]);
        assert.ok(history.filter((b) => b.resolutionSeconds === 60).every((b) => b.bucketStart >= T0 + 2 * HOUR));
        // Late minute buckets roll into the existing hour; then hours roll into a day.
        await c.recordAccesses([delta('x', T0 + 3 * MIN, 5)]);
        assert.equal(await c.rollUpAccesses(60, 3600, T0 + 2 * HOUR), 1);
        assert.equal(await sumSince(c, 'x', 0), totalX + 5);
        assert.equal(await c.rollUpAccesses(3600, 86400, T0 + 2 * HOUR), 3);
        assert.equal(await sumSince(c, 'x', 0), totalX + 5);
        assert.equal(await c.rollUpAccesses(60, 3600, T0 + 2 * HOUR), 0);
        await assert.rejects(c.rollUpAccesses(3600, 60, T0));
      });
    });

    describe('migrations', () => {
      test('createMigration stores a planned migration with its explanation', async (c) => {
        const o = object('m');
        await c.insertObject(o);
        const m = await c.createMigration(migration('m1', o, { sizeBytes: 6_000_000_000 }));
        const expected = {
          ...migration('m1', o, { sizeBytes: 6_000_000_000 }),
          status: 'planned',
          bytesCopied: 0,
          attempts: 0,
          error: null,
          updatedAt: T0,
          finishedAt: null,
          leaseOwner: null,
          leaseExpiresAt: null,
        };
        assert.deepEqual(m, expected);
        assert.deepEqual(await c.getMigration('m1'), expected);
        assert.equal(await c.getMigration('none'), undefined);
        assert.ok((await c.objectsWithActiveMigration(['m'])).has('m'));
        const plain = await c.createMigration(migration('m2', object('n'), { explanation: null }));
        assert.equal(plain?.explanation, null);
      });

      test('one active migration per object; another once the first finished', async (c) => {
        const o = object('m');
        await c.insertObject(o);
        assert.ok(await c.createMigration(migration('m1', o)));
        assert.equal(await c.createMigration(migration('m2', o)), undefined);
        assert.equal(await c.getMigration('m2'), undefined);
        assert.ok(await c.createMigration(migration('other', object('n'))));
        await advanceTo(c, 'm1', 'completed');
        assert.equal((await c.objectsWithActiveMigration(['m'])).has('m'), false);
        assert.equal((await c.createMigration(migration('m2', o)))?.status, 'planned');
        await assert.rejects(c.createMigration(migration('m2', object('z'))), (e: unknown) => e instanceof TiercastError && e.code === 'conflict');
      });

      test('listMigrations filters, pages and reports the total', async (c) => {
        for (let i = 0; i < 5; i++) {
          const o = object(`o${i}`, { tier: i % 2 === 0 ? 'public' : 'private' });
          await c.createMigration(
            migration(`m${i}`, o, { createdAt: T0 + i, reason: i < 3 ? 'proactive_prediction' : 'manual', destinationTier: i === 4 ? 'private' : 'onprem' }),
          );
        }
        const page = await c.listMigrations({ limit: 2, offset: 0 });
        assert.equal(page.total, 5);
        assert.equal(page.items.length, 2);
        const rest = await c.listMigrations({ limit: 10, offset: 2 });
        assert.equal(rest.items.length, 3);
        const seen = new Set([...page.items, ...rest.items].map((m) => m.id));
        assert.equal(seen.size, 5);
        assert.equal((await c.listMigrations({ reason: 'manual', limit: 10, offset: 0 })).total, 2);
        assert.deepEqual((await c.listMigrations({ objectId: 'o3', limit: 10, offset: 0 })).items.map((m) => m.id), ['m3']);
        const privateTier = await c.listMigrations({ tier: 'private', limit: 10, offset: 0 });
        assert.deepEqual(privateTier.items.map((m) => m.id).sort(), ['m1', 'm3', 'm4']);
        assert.equal((await c.listMigrations({ status: 'planned', limit: 10, offset: 0 })).total, 5);
        assert.equal((await c.listMigrations({ status: 'failed', limit: 10, offset: 0 })).total, 0);
      });

      test('unfinishedMigrations lists non-terminal migrations oldest first', async (c) => {
        const statuses: MigrationStatus[] = ['completed', 'switched', 'failed', 'copying', 'cancelled', 'planned'];
        for (const [i, status] of statuses.entries()) {
          const o = object(`o${i}`);
          await c.insertObject(o);
          await migrationIn(c, migration(`m${i}`, o, { createdAt: T0 + 100 - i }), status);
        }
        const unfinished = await c.unfinishedMigrations();
        assert.deepEqual(unfinished.map((m) => m.id), ['m5', 'm3', 'm1']);
      });

      test('a lease keeps other workers out until it expires', async (c) => {
        await c.createMigration(migration('m1', object('o')));
        const claimed = await c.claimMigration('m1', 'w1', T0, 30_000);
        assert.equal(claimed?.leaseOwner, 'w1');
        assert.equal(claimed?.leaseExpiresAt, T0 + 30_000);
        assert.equal(await c.claimMigration('m1', 'w2', T0 + 10_000, 30_000), undefined);
        const renewed = await c.claimMigration('m1', 'w1', T0 + 20_000, 30_000);
        assert.equal(renewed?.leaseExpiresAt, T0 + 50_000);
        assert.equal(await c.claimMigration('m1', 'w2', T0 + 45_000, 30_000), undefined);
        const taken = await c.claimMigration('m1', 'w2', T0 + 50_001, 30_000);
        assert.equal(taken?.leaseOwner, 'w2');
        assert.equal(await c.updateMigration('m1', 'w1', { fromStatus: 'planned', status: 'copying', updatedAt: T0 + 50_002 }), false);
        assert.equal((await c.getMigration('m1'))?.status, 'planned');
        assert.equal(await c.claimMigration('missing', 'w1', T0, 1000), undefined);
      });

      test('terminal migrations cannot be claimed', async (c) => {
        await migrationIn(c, migration('m1', object('o')), 'failed');
        assert.equal(await c.claimMigration('m1', 'w9', T0 + HOUR, 1000), undefined);
      });

      test('updateMigration applies a patch only for the lease holder at the expected status', async (c) => {
        await c.createMigration(migration('m1', object('o')));
        const copying = { fromStatus: 'planned', status: 'copying', updatedAt: T0 + 1 } as const;
        assert.equal(await c.updateMigration('m1', 'w1', copying), false, 'unleased');
        await c.claimMigration('m1', 'w1', T0, 60_000);
        assert.equal(await c.updateMigration('m1', 'w2', copying), false, 'another owner');
        assert.equal(await c.updateMigration('m1', 'w1', { ...copying, fromStatus: 'verifying' }), false, 'stale status');
        assert.equal((await c.getMigration('m1'))?.status, 'planned');
        assert.equal(
          await c.updateMigration('m1', 'w1', { ...copying, bytesCopied: 4_000_000_000, attempts: 2, error: 'retrying', updatedAt: T0 + 2 }),
          true,
        );
        let m = await c.getMigration('m1');
        assert.equal(m?.status, 'copying');
        assert.equal(m?.bytesCopied, 4_000_000_000);
        assert.equal(m?.attempts, 2);
        assert.equal(m?.error, 'retrying');
        assert.equal(m?.updatedAt, T0 + 2);
        assert.equal(m?.finishedAt, null);
        assert.equal(await c.updateMigration('m1', 'w1', { fromStatus: 'copying', error: null, updatedAt: T0 + 3 }), true);
        m = await c.getMigration('m1');
        assert.equal(m?.error, null);
        assert.equal(m?.attempts, 2, 'fields left out of the patch stay');
      });

      test('switchObjectLocation moves the pointer once', async (c) => {
        const o = object('s', { tier: 'public', storageKey: 's/v1' });
        await c.insertObject(o);
        await migrationIn(c, migration('m1', o, { destinationTier: 'onprem', destinationKey: 's/v1-moved' }), 'verifying');
        const m = (await c.getMigration('m1'))!;
        assert.equal(await c.switchObjectLocation(m, 'w1', T0 + 500), true);
        const moved = await c.getObject('s');
        assert.deepEqual(moved, { ...o, tier: 'onprem', storageKey: 's/v1-moved', tierSince: T0 + 500, updatedAt: T0 + 500 });
        const switched = await c.getMigration('m1');
        assert.equal(switched?.status, 'switched');
        assert.equal(await c.switchObjectLocation(m, 'w1', T0 + 600), false);
        assert.equal((await c.getObject('s'))?.tierSince, T0 + 500);
      });

      test('switchObjectLocation fails after an overwrite and changes nothing', async (c) => {
        const o = object('s', { storageKey: 's/v1' });
        await c.insertObject(o);
        await migrationIn(c, migration('m1', o), 'verifying');
        const m = (await c.getMigration('m1'))!;
        const next = { tier: 'public', storageKey: 's/v2-new', sizeBytes: 9, sha256: 'd'.repeat(64), contentType: 'x/y', updatedAt: T0 + 100 };
        assert.ok(await c.replaceContent('s', 1, next));
        const objectBefore = await c.getObject('s');
        const migrationBefore = await c.getMigration('m1');
        assert.equal(await c.switchObjectLocation(m, 'w1', T0 + 200), false);
        assert.deepEqual(await c.getObject('s'), objectBefore);
        assert.deepEqual(await c.getMigration('m1'), migrationBefore);
        assert.equal(objectBefore?.storageKey, 's/v2-new');
      });

      test('switchObjectLocation is all or nothing when the migration is not ours to switch', async (c) => {
        const o = object('s', { storageKey: 's/v1' });
        await c.insertObject(o);
        await migrationIn(c, migration('m1', o), 'verifying', 'w1');
        const m = (await c.getMigration('m1'))!;
        assert.equal(await c.switchObjectLocation(m, 'intruder', T0 + 200), false);
        assert.deepEqual(await c.getObject('s'), o);
        assert.deepEqual(await c.getMigration('m1'), m);
        const planned = object('p', { storageKey: 'p/v1' });
        await c.insertObject(planned);
        await migrationIn(c, migration('m2', planned), 'copying', 'w1');
        assert.equal(await c.switchObjectLocation((await c.getMigration('m2'))!, 'w1', T0 + 200), false, 'not verified yet');
        assert.deepEqual(await c.getObject('p'), planned);
      });

      test('migrationCounts groups by status and reason with bytes', async (c) => {
        assert.deepEqual(await c.migrationCounts(), []);
        await migrationIn(c, migration('a', object('a', { sizeBytes: 10 }), { reason: 'manual' }), 'planned');
        await migrationIn(c, migration('b', object('b', { sizeBytes: 3_000_000_000 }), { reason: 'manual' }), 'planned');
        const done = object('c', { sizeBytes: 5 });
        await c.insertObject(done);
        await migrationIn(c, migration('c', done, { reason: 'proactive_prediction' }), 'completed');
        const key = (r: { status: string; reason: string }) => `${r.status}/${r.reason}`;
        const counts = (await c.migrationCounts()).sort((x, y) => key(x).localeCompare(key(y)));
        assert.deepEqual(counts, [
          { status: 'completed', reason: 'proactive_prediction', count: 1, bytes: 5 },
          { status: 'planned', reason: 'manual', count: 2, bytes: 3_000_000_010 },
        ]);
      });
    });
  });
}
