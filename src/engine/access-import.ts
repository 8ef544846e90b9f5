import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import type { Catalog, AccessBucketDelta } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import { invalidInput } from '../domain/errors.js';

const MINUTE_MS = 60_000;
const WRITE_CHUNK = 5000;
/** Clock skew tolerated for timestamps a little ahead of ours, ms. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface ImportResult {
  rows: number;
  accesses: number;
  objects: number;
  /** Ids in the log that the catalog does not hold; their rows were skipped. */
  unknown_object_ids: string[];
  /** ms since epoch, or null for an empty log. */
  first_timestamp: number | null;
  last_timestamp: number | null;
}

/** One row of an access log: `timestamp,object_id[,count]`. */
export interface AccessRow {
  at: number;
  objectId: string;
  count: number;
}

/**
 * Parses a timestamp given as ISO-8601 or as epoch seconds (fractions allowed; a number
 * of 13 or more digits is taken as epoch milliseconds). Returns ms or undefined.
 */
export function parseTimestamp(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const value = Number(trimmed);
    return trimmed.split('.')[0]!.length >= 13 ? value : Math.round(value * 1000);
  }
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Parses one CSV line; throws invalid_input naming the line and what is wrong. */
export function parseAccessLine(line: string, lineNumber: number, now: number): AccessRow {
  const fields = line.split(',').map((f) => f.trim());
  const where = `line ${lineNumber}`;
  if (fields.length < 2 || fields.length > 3) {
    throw invalidInput(`${where}: expected 'timestamp,object_id[,count]', got ${fields.length} fields`, 'one access (or a count of them) per line, comma-separated');
  }
  const [timestampText, objectId, countText] = fields as [string, string, string | undefined];
  const at = parseTimestamp(timestampText);
  if (at === undefined) {
    throw invalidInput(`${where}: '${timestampText}' is not a timestamp`, 'use ISO-8601 (2026-01-31T09:15:00Z) or epoch seconds');
  }
  if (at > now + FUTURE_TOLERANCE_MS) throw invalidInput(`${where}: timestamp ${timestampText} lies in the future`);
  if (!objectId) throw invalidInput(`${where}: the object_id is empty`);
  const count = countText === undefined || countText === '' ? 1 : Number(countText);
  if (!Number.isInteger(count) || count < 1) throw invalidInput(`${where}: count '${countText}' must be a whole number ≥ 1`);
  return { at, objectId, count };
}

/**
 * Loads a historical access log into the catalog's history. The whole log is parsed and
 * checked before anything is written, so a bad line leaves the history untouched.
 */
export class AccessImport {
  constructor(
    private readonly catalog: Catalog,
    private readonly clock: Clock,
  ) {}

  async importCsv(input: Readable): Promise<{ result: ImportResult; touched: string[] }> {
    const now = this.clock.now();
    const rows: AccessRow[] = [];
    let lineNumber = 0;
    for await (const line of createInterface({ input, crlfDelay: Infinity })) {
      lineNumber++;
      if (line.trim() === '' || line.startsWith('#')) continue;
      if (lineNumber === 1 && /^\s*timestamp\s*,/i.test(line)) continue;
      rows.push(parseAccessLine(line, lineNumber, now));
    }
    return this.importRows(rows);
  }

  async importRows(rows: readonly AccessRow[]): Promise<{ result: ImportResult; touched: string[] }> {
    const deltas = new Map<string, AccessBucketDelta>();
    let accesses = 0;
    let first: number | null = null;
    let last: number | null = null;
    for (const row of rows) {
      const bucketStart = Math.floor(row.at / MINUTE_MS) * MINUTE_MS;
      const id = `${row.objectId}\u0000${bucketStart}`;
      const delta = deltas.get(id);
      if (delta) {
        delta.count += row.count;
        delta.lastAccessAt = Math.max(delta.lastAccessAt, row.at);
      } else {
        deltas.set(id, { objectId: row.objectId, bucketStart, count: row.count, lastAccessAt: row.at });
      }
      accesses += row.count;
      first = first === null ? row.at : Math.min(first, row.at);
      last = last === null ? row.at : Math.max(last, row.at);
    }
    const all = [...deltas.values()];
    const unknown = new Set<string>();
    for (let i = 0; i < all.length; i += WRITE_CHUNK) {
      const { unknownObjectIds } = await this.catalog.recordAccesses(all.slice(i, i + WRITE_CHUNK));
      unknownObjectIds.forEach((id) => unknown.add(id));
    }
    const touched = [...new Set(all.map((d) => d.objectId))].filter((id) => !unknown.has(id));
    const unknownAccesses = rows.filter((r) => unknown.has(r.objectId)).reduce((sum, r) => sum + r.count, 0);
    return {
      result: {
        rows: rows.length,
        accesses: accesses - unknownAccesses,
        objects: touched.length,
        unknown_object_ids: [...unknown].slice(0, 100),
        first_timestamp: first,
        last_timestamp: last,
      },
      touched,
    };
  }
}
