import assert from 'node:assert/strict';
import { freePort } from '../helpers/server-process.js';
import { after, describe, it } from 'node:test';
import { openPostgresCatalog } from '../../src/catalog/postgres-catalog.js';
import { maskDatabaseUrl } from '../../src/catalog/postgres-errors.js';
import { TiercastError } from '../../src/domain/errors.js';
import type { ObjectRecord } from '../../src/domain/object.js';
import { Prng } from '../../src/sim/prng.js';
import { catalogConformance } from '../conformance/catalog.suite.js';
import { skipUnless } from '../helpers/services.js';
import { postgresSchemas } from './postgres-test-schemas.js';

const pgSchemas = postgresSchemas();
after(() => pgSchemas.end());

const stored = (id: string): ObjectRecord => ({
  objectId: id,
  name: `${id}.bin`,
  contentType: 'application/octet-stream',
  sizeBytes: 9_000_000_000,
  sha256: 'e'.repeat(64),
  version: 1,
  tier: 'public',
  storageKey: `${id}/v1`,
  createdAt: 1_700_000_000_000,
  updatedAt: 1_700_000_000_000,
  tierSince: 1_700_000_000_000,
  accessCount: 0,
  lastAccessedAt: null,
  pinnedUntil: null,
  prediction: null,
});

/** The URL with one part replaced, for start-up error tests. */
function urlWith(change: (url: URL) => void): string {
  const url = new URL(pgSchemas.url());
  change(url);
  return url.toString();
}

/** Asserts a start-up config_error whose message names DATABASE_URL, hides the password and gives `cause`. */
async function assertStartupError(url: string, cause: RegExp, hint: RegExp): Promise<void> {
  await assert.rejects(openPostgresCatalog(url), (error: unknown) => {
    assert.ok(error instanceof TiercastError, `expected a TiercastError, got ${String(error)}`);
    assert.equal(error.code, 'config_error');
    assert.match(error.message, /DATABASE_URL=postgres:\/\/tiercast:\*\*\*@127\.0\.0\.1:\d+\//);
    assert.match(error.message, cause);
    assert.doesNotMatch(error.message, /tiercast:(tiercast|wrong-password)@/, 'the password is masked');
    assert.match(error.hint ?? '', hint);
    return true;
  });
}

describe('postgres catalog', { skip: skipUnless('postgres') }, () => {
  catalogConformance('postgres', async () => {
    const { catalogs, cleanup } = await pgSchemas.open(1);
    return { catalog: catalogs[0]!, cleanup };
  });

  describe('opening', () => {
    it('reports the engine and keeps data across close and reopen', async () => {
      const { schema, catalogs, cleanup } = await pgSchemas.open(1);
      try {
        const [first] = catalogs;
        assert.equal(first!.kind, 'postgres');
        await first!.insertObject(stored('kept'));
        await first!.recordAccesses([{ objectId: 'kept', bucketStart: 60_000, count: 3, lastAccessAt: 61_000 }]);
        const again = await openPostgresCatalog(pgSchemas.url(), { schema });
        try {
          const kept = await again.getObject('kept');
          assert.equal(kept?.sizeBytes, 9_000_000_000);
          assert.equal(typeof kept?.createdAt, 'number', 'BIGINT columns come back as numbers');
          assert.equal(kept?.accessCount, 3);
        } finally {
          await again.close();
        }
      } finally {
        await cleanup();
      }
    });

    it('migrates once when several processes open a new schema at once', async () => {
      const schema = pgSchemas.newSchema();
      const reference = await pgSchemas.open(1);
      const applied = async (s: string) =>
        (await pgSchemas.query(`select name from ${s}.kysely_migration order by name`)).rows.map((r: { name: string }) => r.name);
      try {
        const opened = await Promise.all(Array.from({ length: 4 }, () => openPostgresCatalog(pgSchemas.url(), { schema, poolSize: 2 })));
        try {
          const names = await applied(schema);
          assert.equal(names[0], '0001_initial');
          assert.deepEqual(names, await applied(reference.schema), 'the same migrations as a catalog opened alone');
          await opened[0]!.insertObject(stored('shared'));
          assert.equal((await opened[3]!.getObject('shared'))?.objectId, 'shared');
        } finally {
          await Promise.all(opened.map((c) => c.close()));
        }
      } finally {
        await pgSchemas.dropSchema(schema);
        await reference.cleanup();
      }
    });

    it('access flushes and forecast saves from several processes at once never deadlock', async () => {
      const { schema, catalogs, cleanup } = await pgSchemas.open(3, 2);
      try {
        // Rows stored in shuffled order, so a join that scans the table visits them in another
        // order than one that looks them up by id: the two orders that used to deadlock.
        const count = 3000;
        await pgSchemas.query(
          `insert into ${schema}.objects (object_id, content_type, size_bytes, sha256, version, tier, storage_key, created_at, updated_at, tier_since)
           select 'obj-' || lpad(g::text, 5, '0'), 'x/y', 1, 'a', 1, 'public', 'k' || g, 0, 0, 0 from generate_series(1, $1::int) g order by md5(g::text)`,
          [count],
        );
        const ids = Array.from({ length: count }, (_, i) => `obj-${String(i + 1).padStart(5, '0')}`);
        const rng = new Prng(5);
        const sample = (size: number) => {
          const pool = [...ids];
          for (let i = 0; i < size; i++) {
            const j = i + Math.floor(rng.next() * (pool.length - i));
            [pool[i], pool[j]] = [pool[j]!, pool[i]!];
          }
          return pool.slice(0, size);
        };
        const rounds = 12;
        let expectedAccesses = 0;
        for (let round = 0; round < rounds; round++) {
          const flushes = [5, 300, 2500].map((size, p) => {
            const batch = sample(size);
            expectedAccesses += size;
            return catalogs[p]!.recordAccesses(batch.map((id) => ({ objectId: id, bucketStart: 60_000 * (round % 4), count: 1, lastAccessAt: 1 })));
          });
          const forecasts = catalogs[1]!.savePredictions(sample(1500).map((id) => ({ objectId: id, accesses: round, horizonHours: 24, modelVersion: 0, at: round })));
          await Promise.all([...flushes, forecasts]);
        }
        const total = await pgSchemas.query(`select sum(access_count)::int as n from ${schema}.objects`);
        assert.equal(total.rows[0].n, expectedAccesses, 'every flush was applied, none lost to a deadlock');
      } finally {
        await cleanup();
      }
    });

    it('roll-ups started by several workers at once never count an access twice', async () => {
      const { catalogs, cleanup } = await pgSchemas.open(3, 2);
      try {
        const hour = 3_600_000;
        const ids = Array.from({ length: 40 }, (_, i) => `r${i}`);
        for (const id of ids) await catalogs[0]!.insertObject(stored(id));
        const deltas = ids.flatMap((id, i) => Array.from({ length: 30 }, (_, m) => ({ objectId: id, bucketStart: m * 7 * 60_000, count: i + m + 1, lastAccessAt: 1 })));
        await catalogs[0]!.recordAccesses(deltas);
        const total = deltas.reduce((sum, d) => sum + d.count, 0);
        const outcomes = await Promise.allSettled(catalogs.map((c) => c.rollUpAccesses(60, 3600, 4 * hour)));
        // Repeatable read: a roll-up that overlapped a committed one fails with a
        // serialization error rather than adding the same minutes again.
        for (const o of outcomes) if (o.status === 'rejected') assert.match(String(o.reason), /could not serialize/);
        assert.ok(outcomes.some((o) => o.status === 'fulfilled'), 'at least one roll-up went through');
        const sums = await catalogs[1]!.accessSums(ids, [0]);
        assert.equal(ids.reduce((sum, id) => sum + (sums.get(id)?.[0] ?? 0), 0), total);
        const minutesLeft = await catalogs[2]!.accessBucketsFor(ids, 0, 4 * hour);
        assert.ok(minutesLeft.every((b) => b.resolutionSeconds === 3600), 'every old minute bucket was rolled up once');
      } finally {
        await cleanup();
      }
    });

    it('numbers models uniquely when several processes save them at once', async () => {
      const { catalogs, cleanup } = await pgSchemas.open(3, 4);
      try {
        const model = (p: number, i: number) => ({
          family: 'baseline' as const,
          createdAt: p * 100 + i,
          trainedFrom: 0,
          trainedTo: 1,
          horizonHours: 24,
          featureNames: ['f'],
          metrics: { mae: 1, wmape: null, baselineMae: 1, baselineWmape: null, trainRows: 1, testRows: 1, objects: 1 },
          served: false,
          payload: null,
        });
        const saved = await Promise.all(catalogs.flatMap((c, p) => Array.from({ length: 4 }, (_, i) => c.saveModel(model(p, i)))));
        const versions = saved.map((m) => m.version).sort((a, b) => a - b);
        assert.deepEqual(versions, Array.from({ length: 12 }, (_, i) => i + 1));
        const listed = await catalogs[0]!.listModels(100);
        assert.deepEqual(
          listed.map((m) => `${m.version}:${m.createdAt}`).sort(),
          saved.map((m) => `${m.version}:${m.createdAt}`).sort(),
          'each caller got the number its model was stored under',
        );
      } finally {
        await cleanup();
      }
    });

    it('keeps catalogs in different schemas apart', async () => {
      const a = await pgSchemas.open(1);
      const b = await pgSchemas.open(1);
      try {
        await a.catalogs[0]!.insertObject(stored('only-in-a'));
        assert.equal(await b.catalogs[0]!.getObject('only-in-a'), undefined);
        assert.deepEqual(await b.catalogs[0]!.tierUsage(), []);
      } finally {
        await a.cleanup();
        await b.cleanup();
      }
    });
  });

  describe('start-up errors', () => {
    it('a wrong password names DATABASE_URL, masked, and the cause', async () => {
      await assertStartupError(
        urlWith((u) => (u.password = 'wrong-password')),
        /password authentication failed/,
        /user name and password/,
      );
    });

    it('a server that is not running names DATABASE_URL and the refused connection', async () => {
      const port = await freePort();
      await assertStartupError(
        urlWith((u) => (u.port = String(port))),
        /ECONNREFUSED/,
        /services:up|host and port/,
      );
    });

    it('a missing database names it', async () => {
      await assertStartupError(
        urlWith((u) => (u.pathname = '/no_such_catalog')),
        /database "no_such_catalog" does not exist/,
        /createdb/,
      );
    });

    it('a URL of another kind or a bad schema name is refused before connecting', async () => {
      await assert.rejects(openPostgresCatalog('mysql://root:secret@127.0.0.1/x'), (e: unknown) => {
        assert.ok(e instanceof TiercastError);
        assert.equal(e.code, 'config_error');
        assert.match(e.message, /DATABASE_URL=mysql:\/\/root:\*\*\*@/);
        assert.doesNotMatch(e.message, /secret/);
        return true;
      });
      await assert.rejects(openPostgresCatalog('not a url'), /DATABASE_URL=not a url is not a usable PostgreSQL URL/);
      await assert.rejects(openPostgresCatalog(pgSchemas.url(), { schema: 'Robert"; drop' }), /schema name/);
      await assert.rejects(openPostgresCatalog(pgSchemas.url(), { poolSize: 0 }), /pool size/);
    });
  });
});

describe('DATABASE_URL masking', () => {
  it('hides the password and nothing else', () => {
    assert.equal(maskDatabaseUrl('postgres://u:p%40ss@db.example:5432/cat'), 'postgres://u:***@db.example:5432/cat');
    assert.equal(maskDatabaseUrl('postgres://u@db/cat'), 'postgres://u@db/cat');
    assert.equal(maskDatabaseUrl('//u:secret@ not a url'), '//u:***@ not a url');
  });
});
