import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { KyselyCatalog } from './kysely-catalog.js';
import type { Database } from './schema.js';

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew; better-sqlite3's prepare costs as much as running a
 * small query, and the catalog's hot paths (access flushes, reads by id) repeat a few SQL
 * texts. Prepared statements are reusable and queries here never overlap (the driver is
 * synchronous), so one cached statement per SQL text is safe.
 */
function withStatementCache(database: BetterSqlite3.Database): { close(): void; prepare(sql: string): BetterSqlite3.Statement } {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (statement) {
        // Re-insert to keep the map in least-recently-used order.
        cache.delete(sql);
      } else {
        statement = database.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, statement);
      return statement;
    },
  };
}

/**
 * Opens (creating if needed) the embedded SQLite catalog at `path` and brings its schema up
 * to date. `':memory:'` gives a throwaway catalog for tests.
 */
export async function openSqliteCatalog(path: string): Promise<KyselyCatalog> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new BetterSqlite3(path);
  try {
    // WAL + synchronous=NORMAL: every committed transaction is in the WAL file before commit
    // returns, so a crash of the process loses nothing; only a power loss or OS crash may
    // roll back the last few commits (never corrupt the file).
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    // Wait up to 5 s for another process's write lock instead of failing at once.
    database.pragma('busy_timeout = 5000');
    // Related rows are deleted explicitly by the catalog; no FK enforcement to rely on.
    database.pragma('foreign_keys = OFF');
  } catch (error) {
    database.close();
    throw error;
  }
  const catalog = new KyselyCatalog(new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }), 'sqlite');
  try {
    await catalog.migrateSchema();
  } catch (error) {
    await catalog.close();
    throw error;
  }
  return catalog;
}
