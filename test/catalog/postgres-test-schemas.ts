import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Catalog } from '../../src/catalog/catalog.js';
import { openPostgresCatalog } from '../../src/catalog/postgres-catalog.js';
import { requireService } from '../helpers/services.js';

/**
 * A throwaway schema per test in the shared `tiercast` database, so test files (and other
 * engineers' tests using the same server) run in parallel without seeing each other's rows.
 */
export function postgresSchemas() {
  let admin: pg.Pool | undefined;
  const url = () => requireService('postgres').DATABASE_URL!;
  const adminPool = () => (admin ??= new pg.Pool({ connectionString: url(), max: 2 }));

  return {
    url,
    /** A fresh schema name; openPostgresCatalog creates the schema itself. */
    newSchema: (label = 't') => `${label}_${process.pid}_${randomBytes(5).toString('hex')}`,
    /** `count` catalogs on one new schema, each with its own pool (as separate processes would). */
    async open(count: number, poolSize = 4): Promise<{ schema: string; catalogs: Catalog[]; cleanup: () => Promise<void> }> {
      const schema = this.newSchema();
      const catalogs: Catalog[] = [];
      const cleanup = async () => {
        await Promise.all(catalogs.map((c) => c.close()));
        await adminPool().query(`drop schema if exists ${schema} cascade`);
      };
      try {
        for (let i = 0; i < count; i++) catalogs.push(await openPostgresCatalog(url(), { schema, poolSize }));
      } catch (error) {
        await cleanup();
        throw error;
      }
      return { schema, catalogs, cleanup };
    },
    query: (text: string, values?: unknown[]) => adminPool().query(text, values),
    dropSchema: (schema: string) => adminPool().query(`drop schema if exists ${schema} cascade`),
    async end(): Promise<void> {
      await admin?.end();
      admin = undefined;
    },
  };
}
