import { createRequire } from 'node:module';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { TiercastError } from '../domain/errors.js';

const STATEMENT_CACHE_SIZE = 500;

/** The slice of node:sqlite (Node ≥ 22.5) used here; @types/node 20 does not describe it. */
interface NodeSqliteStatement {
  columns(): unknown[];
  all(...parameters: unknown[]): unknown[];
  run(...parameters: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...parameters: unknown[]): IterableIterator<unknown>;
}
interface NodeSqliteDatabase {
  exec(sql: string): void;
  prepare(sql: string): NodeSqliteStatement;
  close(): void;
}

/**
 * Which SQLite binding runs the embedded catalog. better-sqlite3 12 is the one that works on
 * Node 20 (13 needs Node 22), but on Node 24 its statement finalizer aborts the process
 * during garbage collection (WiseLibs/better-sqlite3#1515); Node's own node:sqlite is
 * built in from Node 22.13 on and has no such problem. Both sit behind Kysely's SQLite
 * dialect, so the catalog code is the same.
 */
export function preferredSqliteEngine(nodeVersion = process.versions.node): 'node:sqlite' | 'better-sqlite3' {
  return Number(nodeVersion.split('.')[0]) >= 23 ? 'node:sqlite' : 'better-sqlite3';
}

const PRAGMAS = [
  // WAL + synchronous=NORMAL: every committed transaction is in the WAL file before commit
  // returns, so a crash of the process loses nothing; only a power loss or OS crash may
  // roll back the last few commits (never corrupt the file).
  'PRAGMA journal_mode = WAL',
  'PRAGMA synchronous = NORMAL',
  // Wait up to 5 s for another process's write lock instead of failing at once.
  'PRAGMA busy_timeout = 5000',
  // Related rows are deleted explicitly by the catalog; no FK enforcement to rely on.
  'PRAGMA foreign_keys = OFF',
];

/** Opens a SQLite file with the catalog's pragmas, as Kysely's SqliteDialect expects it. */
export function openSqliteDatabase(path: string, engine = preferredSqliteEngine()): SqliteDatabase {
  const require = createRequire(import.meta.url);
  const database = engine === 'node:sqlite' ? openNodeSqlite(require, path) : openBetterSqlite(require, path);
  try {
    for (const pragma of PRAGMAS) database.exec(pragma);
  } catch (error) {
    database.close();
    throw error;
  }
  return withStatementCache(database);
}

interface Opened {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  close(): void;
}

function openNodeSqlite(require: NodeJS.Require, path: string): Opened {
  const { DatabaseSync } = require('node:sqlite') as { DatabaseSync: new (path: string) => NodeSqliteDatabase };
  const db = new DatabaseSync(path);
  return {
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    prepare(sql) {
      const statement = db.prepare(sql);
      return {
        reader: statement.columns().length > 0,
        all: (parameters) => statement.all(...parameters),
        run: (parameters) => statement.run(...parameters),
        iterate: (parameters) => statement.iterate(...parameters),
      };
    },
  };
}

function openBetterSqlite(require: NodeJS.Require, path: string): Opened {
  let BetterSqlite3: typeof import('better-sqlite3');
  try {
    BetterSqlite3 = require('better-sqlite3') as typeof import('better-sqlite3');
  } catch (error) {
    throw new TiercastError('config_error', `the SQLite driver better-sqlite3 could not be loaded: ${(error as Error).message}`, {
      hint: 'it compiles at install time on Node 20: install python3, make and g++, then run `npm ci` again (or use Node 24, which has SQLite built in)',
    });
  }
  const db = new BetterSqlite3(path);
  return { exec: (sql) => void db.exec(sql), close: () => db.close(), prepare: (sql) => db.prepare(sql) as unknown as SqliteStatement };
}

/**
 * Kysely prepares every query anew, and preparing costs as much as running a small query;
 * the catalog's hot paths (access flushes, reads by id) repeat a few SQL texts. Prepared
 * statements are reusable and queries here never overlap (both drivers are synchronous),
 * so one cached statement per SQL text is safe.
 */
function withStatementCache(database: Opened): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
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
