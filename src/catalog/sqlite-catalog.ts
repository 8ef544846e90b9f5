import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import { KyselyCatalog } from './kysely-catalog.js';
import type { Database } from './schema.js';
import { openSqliteDatabase } from './sqlite-engine.js';

/**
 * Opens (creating if needed) the embedded SQLite catalog at `path` and brings its schema up
 * to date. `':memory:'` gives a throwaway catalog for tests.
 */
export async function openSqliteCatalog(path: string): Promise<KyselyCatalog> {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = openSqliteDatabase(path);
  const catalog = new KyselyCatalog(new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), 'sqlite');
  try {
    await catalog.migrateSchema();
  } catch (error) {
    await catalog.close();
    throw error;
  }
  return catalog;
}
