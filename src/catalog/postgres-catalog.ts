import { Kysely, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Catalog } from './catalog.js';
import { KyselyCatalog } from './kysely-catalog.js';
import { CatalogPostgresDialect } from './postgres-dialect.js';
import { catalogConnectionError, invalidDatabaseUrl } from './postgres-errors.js';
import { migrateSchema } from './schema-migrations.js';
import type { Database } from './schema.js';
import { TiercastError } from '../domain/errors.js';

export interface PostgresCatalogOptions {
  /** Schema that holds the catalog's tables, created if missing (default `public`). Lower-case letters, digits, `_`. */
  schema?: string;
  /** Connections in this process's pool (default 10). */
  poolSize?: number;
}

const DEFAULT_POOL_SIZE = 10;
/** A server that drops packets must fail start-up, not hang it. */
const CONNECT_TIMEOUT_MS = 10_000;
/** Session advisory lock held while migrating: processes opening the catalog at once migrate one at a time. */
const SCHEMA_MIGRATION_LOCK = 7_246_175_108_917_341n;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * pg returns BIGINT (times in ms, bytes, counts) and NUMERIC (what sum() of a BIGINT gives)
 * as strings, because they can exceed 2^53. Catalog values never do (ms since epoch and byte
 * sizes stay far below 9·10^15), so they are read as numbers, the same as SQLite gives.
 * Set on this pool only: other pg users in the process keep the driver's defaults.
 */
const catalogTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

/**
 * Opens the scale-out catalog on PostgreSQL at `url` (DATABASE_URL) and brings its schema
 * up to date. Several processes may open the same catalog at once. An unreachable server or
 * wrong credentials give a config_error naming DATABASE_URL (password masked) and the cause.
 */
export async function openPostgresCatalog(url: string, options: PostgresCatalogOptions = {}): Promise<Catalog> {
  const schema = options.schema ?? 'public';
  validateSettings(url, schema, options.poolSize);
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Names the sessions in pg_stat_activity; an application_name in the URL wins.
    application_name: 'tiercast',
    // Every connection resolves the catalog's unqualified table names in its schema.
    options: `-c search_path=${schema}`,
    types: catalogTypes,
  });
  // An idle connection the server closes (restart, idle timeout) is reported here; without a
  // listener the pool's 'error' event would end the process. The pool replaces the connection.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw catalogConnectionError(url, error);
  }
  const db = new Kysely<Database>({ dialect: new CatalogPostgresDialect({ pool }, schema) });
  const catalog = new KyselyCatalog(db, 'postgres', { migrate: (d) => migrateUnderAdvisoryLock(d, schema), lockObjectRows });
  try {
    await catalog.migrateSchema();
  } catch (error) {
    await catalog.close();
    // A user who may not create the catalog's tables is a set-up problem, not a crash.
    const denied = [error, (error as { cause?: unknown }).cause].find((e) => (e as { code?: unknown } | undefined)?.code === '42501');
    throw denied === undefined ? error : catalogConnectionError(url, denied);
  }
  return catalog;
}

function validateSettings(url: string, schema: string, poolSize: number | undefined): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidDatabaseUrl(url, 'it does not parse as a URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw invalidDatabaseUrl(url, `the scheme is '${parsed.protocol.replace(/:$/, '')}', not postgres`);
  }
  if (!SCHEMA_NAME.test(schema)) {
    throw new TiercastError('config_error', `catalog schema name '${schema}' is not allowed`, {
      hint: 'use lower-case letters, digits and _ (at most 63), starting with a letter or _',
    });
  }
  if (poolSize !== undefined && (!Number.isSafeInteger(poolSize) || poolSize < 1)) {
    throw new TiercastError('config_error', `catalog pool size ${poolSize} is not a positive whole number`);
  }
}

/**
 * The shared schema migrations, run on one connection that holds a session advisory lock:
 * a second process opening the catalog waits here, then finds the schema current. (Kysely's
 * own migration lock is taken only after it has created its bookkeeping tables, which two
 * processes could otherwise race to create.)
 */
async function migrateUnderAdvisoryLock(db: Kysely<Database>, schema: string): Promise<void> {
  await db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${sql.lit(SCHEMA_MIGRATION_LOCK)})`.execute(connection);
    try {
      // Checked first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when the
      // schema exists, which a user of an existing `public` may not have.
      const existing = await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(connection);
      if (existing.rows.length === 0) await sql`create schema ${sql.id(schema)}`.execute(connection);
      await migrateSchema(connection, { migrationTableSchema: schema });
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(SCHEMA_MIGRATION_LOCK)})`.execute(connection);
    }
  });
}

/**
 * Row locks on the objects a batch writes, taken in id order by one statement, so batches
 * from several processes (access flushes, forecast saves) queue behind each other instead of
 * locking rows in their join's order and deadlocking.
 */
async function lockObjectRows(trx: Transaction<Database>, objectIds: readonly string[]): Promise<void> {
  if (objectIds.length === 0) return;
  await sql`select 1 from objects where object_id = any(${[...objectIds]}) order by object_id for update`.execute(trx);
}
