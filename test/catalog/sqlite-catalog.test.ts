import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Kysely, SqliteDialect } from 'kysely';
import { migrateSchema } from '../../src/catalog/schema-migrations.js';
import { openSqliteCatalog } from '../../src/catalog/sqlite-catalog.js';
import { openSqliteDatabase, preferredSqliteEngine } from '../../src/catalog/sqlite-engine.js';
import { catalogConformance } from '../conformance/catalog.suite.js';

async function tempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tiercast-catalog-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

catalogConformance('sqlite file', async () => {
  const { dir, remove } = await tempDir();
  const catalog = await openSqliteCatalog(join(dir, 'catalog.db'));
  return {
    catalog,
    cleanup: async () => {
      await catalog.close();
      await remove();
    },
  };
});

describe('sqlite catalog', () => {
  it('keeps data across close and reopen, creating the parent folder', async () => {
    const { dir, remove } = await tempDir();
    try {
      const path = join(dir, 'nested', 'deeper', 'catalog.db');
      const first = await openSqliteCatalog(path);
      assert.equal(first.kind, 'sqlite');
      await first.insertObject({
        objectId: 'kept',
        name: 'kept.txt',
        contentType: 'text/plain',
        sizeBytes: 12,
        sha256: 'f'.repeat(64),
        version: 1,
        tier: 'public',
        storageKey: 'kept/v1-a',
        createdAt: 1,
        updatedAt: 1,
        tierSince: 1,
        accessCount: 0,
        lastAccessedAt: null,
        pinnedUntil: null,
        prediction: null,
      });
      await first.recordAccesses([{ objectId: 'kept', bucketStart: 60_000, count: 3, lastAccessAt: 61_000 }]);
      await first.close();

      const second = await openSqliteCatalog(path);
      try {
        const kept = await second.getObject('kept');
        assert.equal(kept?.storageKey, 'kept/v1-a');
        assert.equal(kept?.accessCount, 3);
        assert.deepEqual((await second.accessSums(['kept'], [0])).get('kept'), [3]);
      } finally {
        await second.close();
      }
    } finally {
      await remove();
    }
  });

  it('applies the schema once; a second run is a no-op', async () => {
    const { dir, remove } = await tempDir();
    const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: openSqliteDatabase(join(dir, 'm.db')) }) });
    try {
      assert.deepEqual(await migrateSchema(db), ['0001_initial', '0002_object_pins', '0003_forecasts', '0004_access_buckets_by_time', '0005_job_leases']);
      assert.deepEqual(await migrateSchema(db), []);
    } finally {
      await db.destroy();
      await remove();
    }
  });

  it('opens an in-memory catalog', async () => {
    const catalog = await openSqliteCatalog(':memory:');
    try {
      assert.deepEqual(await catalog.tierUsage(), []);
      await catalog.migrateSchema();
    } finally {
      await catalog.close();
    }
  });
});

describe('SQLite engine choice', () => {
  it("uses better-sqlite3 up to Node 22 and Node's built-in node:sqlite from Node 23 on", () => {
    assert.equal(preferredSqliteEngine('20.20.2'), 'better-sqlite3');
    assert.equal(preferredSqliteEngine('22.13.0'), 'better-sqlite3');
    assert.equal(preferredSqliteEngine('24.21.0'), 'node:sqlite');
  });
});
