/**
 * Comma-separated traces, streamed a chunk of lines at a time. The first line picks the
 * layout: a header naming columns (matched by name, case-insensitive, in any order), or for
 * three well-known headerless layouts the shape of the first record. Times in seconds become
 * ms rounded to the microsecond, so `1.001` is exactly 1001 ms.
 *
 * With a header:
 * - Tiercast's own `timestamp,object_id,size[,op]`: timestamp in epoch seconds (fraction
 *   allowed) or ISO-8601 (UTC when it names no offset); op read/get/r, write/put/set/w, any
 *   other value is `other`, and a missing op column or empty cell is a read.
 * - CloudPhysics `version,time,op,size,lbn` (shared cloudphysics-io): time in seconds, op the
 *   SCSI command in hex; objects are extents of the sector number, as in the vscsi reader.
 * - Meta CDN `timestamp,cacheKey,OpType,objectSize,…` (CacheLib bigcache): the object is the
 *   key and its size the whole object's, also for range requests; where objectSize is -1
 *   (unknown) the response body's bytes (responseSize - responseHeaderSize) stand in.
 *   OpType 1 (GET, the only value in the samples) is a read, any other `other`.
 * - Meta Tectonic block `op_time,block_id,…,io_size,…,op_name,op_count,…`: the block chunk
 *   is the object and io_size its size; getChunkData.* reads, putChunk.* writes.
 * - Meta KV `op_time,key,key_size,op,op_count,size,…`: GET/GET_LEASE read, SET/SET_LEASE
 *   write, others (DELETE) `other`; size is the value size (0 where the trace has none).
 * - SYSTOR'17 `Timestamp,Response,IOType,LUN,Offset,Size`: objects are `LUN:extent`.
 * Headerless (told apart by field count and the values of the op column):
 * - Tencent CBS `timestamp,offset(sectors),size(sectors),io_type(0/1),volume`: `volume:extent`.
 * - MSR Cambridge `filetime,host,disk,Read|Write,offset,size,response`: `host:disk:extent`,
 *   time from Windows FILETIME (100 ns ticks since 1601) to epoch ms.
 * - Twitter cache-trace `timestamp,key,key_size,value_size,client_id,op,ttl`: the value size.
 * Where a row stands for several operations (Meta's op_count), it yields that many records.
 * Block layouts give each record its extent's size, as the vscsi reader does.
 * Not CSV, so not read here: the Tencent photo sample (space-separated) and cloudphysics's
 * `.txt` (ids only, no time).
 *
 * Fields may be quoted ("a,b" with "" for a quote) but may not hold line breaks.
 */
import { createReadStream } from 'node:fs';
import { rejectRecord, TraceError, type ReaderOptions, type TraceOp, type TraceRecord } from '../trace-record.js';
import { extentBytesOf, scsiOp, SECTOR_BYTES } from './vscsi.js';

/** One line's fields as a record, or what is wrong with them. */
type Decode = (fields: string[]) => TraceRecord | string;

interface CsvLayout {
  name: string;
  /** The first line is a header, not a record. */
  header: boolean;
  /** Fields a record needs (with a header: as many as the header names). */
  width: number;
  decode: Decode;
  /** Column counting the operations a row stands for (yields that many records). */
  repeatColumn?: number;
}

const FILETIME_EPOCH_MS = 11_644_473_600_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;
const HAS_ZONE = /(?:Z|[+-]\d{2}:?\d{2})$/i;
const DIGITS = /^\d+$/;

const WORD_OPS: Record<string, TraceOp> = { read: 'read', get: 'read', r: 'read', write: 'write', put: 'write', set: 'write', w: 'write' };
const KV_OPS: Record<string, TraceOp> = { GET: 'read', GET_LEASE: 'read', SET: 'write', SET_LEASE: 'write' };
const TWITTER_OPS: Record<string, TraceOp> = {
  get: 'read', gets: 'read', set: 'write', add: 'write', replace: 'write', cas: 'write', append: 'write', prepend: 'write',
  incr: 'write', decr: 'write', delete: 'other',
};

function num(text: string | undefined): number {
  return text === undefined || text === '' ? NaN : Number(text);
}

function isByteCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Epoch seconds (fraction allowed) or ISO-8601, in ms; NaN when neither. */
export function csvTimestampMs(text: string): number {
  const ms = secondsMs(text);
  if (!Number.isNaN(ms)) return ms;
  if (!ISO_DATE.test(text)) return NaN;
  return Date.parse(HAS_ZONE.test(text) || text.length === 10 ? text : `${text}Z`);
}

const badTime = (text: string | undefined, what = 'epoch seconds') => `timestamp '${text ?? ''}' is not ${what}`;
const badBytes = (column: string, text: string | undefined) => `${column} '${text ?? ''}' is not a whole number of bytes`;

function secondsMs(text: string | undefined): number {
  const seconds = num(text);
  return Number.isFinite(seconds) ? Math.round(seconds * 1_000_000) / 1000 : NaN;
}

/** FILETIME (100 ns ticks since 1601, beyond 2^53) to epoch ms without losing the ms. */
function filetimeMs(text: string | undefined): number {
  if (text === undefined || text.length < 5 || !DIGITS.test(text)) return NaN;
  return Number(text.slice(0, -4)) - FILETIME_EPOCH_MS + Number(text.slice(-4)) / 10_000;
}

/** Splits a line holding quotes per RFC 4180 (no line breaks inside fields). */
function splitQuoted(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote < 0) {
          value += line.slice(from);
          i = line.length;
          break;
        }
        value += line.slice(from, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          from = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      const comma = line.indexOf(',', i);
      fields.push(comma < 0 ? value + line.slice(i) : value + line.slice(i, comma));
      if (comma < 0) return fields;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        fields.push(line.slice(i));
        return fields;
      }
      fields.push(line.slice(i, comma));
      i = comma + 1;
    }
  }
}

function splitLine(line: string): string[] {
  return line.includes('"') ? splitQuoted(line) : line.split(',');
}

type Columns = (name: string) => number;

/** Layouts told by their header, first match wins; `needs` are required column names. */
const HEADER_LAYOUTS: { name: string; needs: string[]; make: (c: Columns, extentBytes: number) => Omit<CsvLayout, 'name' | 'header' | 'width'> }[] = [
  {
    name: 'tiercast',
    needs: ['timestamp', 'object_id', 'size'],
    make: (c) => {
      const [t, id, size, op] = [c('timestamp'), c('object_id'), c('size'), c('op')];
      return {
        decode: (f) => {
          const at = csvTimestampMs(f[t]!);
          if (Number.isNaN(at)) return badTime(f[t], 'epoch seconds or ISO-8601');
          const objectId = f[id]!;
          if (objectId === '') return 'object_id is empty';
          const sizeBytes = num(f[size]);
          if (!isByteCount(sizeBytes)) return badBytes('size', f[size]);
          const opText = op < 0 ? '' : (f[op] ?? '');
          return { at, objectId, sizeBytes, op: opText === '' ? 'read' : (WORD_OPS[opText] ?? WORD_OPS[opText.toLowerCase()] ?? 'other') };
        },
      };
    },
  },
  {
    name: 'cloudphysics',
    needs: ['time', 'op', 'size', 'lbn'],
    make: (c, extentBytes) => {
      const [t, op, size, lbn] = [c('time'), c('op'), c('size'), c('lbn')];
      return {
        decode: (f) => {
          const at = secondsMs(f[t]);
          if (Number.isNaN(at)) return badTime(f[t]);
          const sector = num(f[lbn]);
          if (!isByteCount(sector * SECTOR_BYTES)) return `lbn '${f[lbn]}' is not a sector number`;
          if (!isByteCount(num(f[size]))) return badBytes('size', f[size]);
          const command = Number.parseInt(f[op]!, 16);
          if (Number.isNaN(command)) return `op '${f[op]}' is not a SCSI command in hex`;
          return { at, objectId: String(Math.floor((sector * SECTOR_BYTES) / extentBytes)), sizeBytes: extentBytes, op: scsiOp(command) };
        },
      };
    },
  },
  {
    name: 'meta-cdn',
    needs: ['timestamp', 'cachekey', 'optype', 'objectsize'],
    make: (c) => {
      const [t, key, op, size, response, header] = [c('timestamp'), c('cachekey'), c('optype'), c('objectsize'), c('responsesize'), c('responseheadersize')];
      return {
        decode: (f) => {
          const at = secondsMs(f[t]);
          if (Number.isNaN(at)) return badTime(f[t]);
          if (f[key] === '') return 'cacheKey is empty';
          let sizeBytes = num(f[size]);
          if (sizeBytes === -1 && response >= 0) sizeBytes = Math.max(0, num(f[response]) - (header >= 0 ? num(f[header]) : 0));
          if (!isByteCount(sizeBytes)) return badBytes('objectSize', f[size]);
          return { at, objectId: f[key]!, sizeBytes, op: f[op] === '1' ? 'read' : 'other' };
        },
      };
    },
  },
  {
    name: 'meta-tectonic',
    needs: ['op_time', 'block_id', 'io_size', 'op_name'],
    make: (c) => {
      const [t, id, size, op, count] = [c('op_time'), c('block_id'), c('io_size'), c('op_name'), c('op_count')];
      return {
        repeatColumn: count < 0 ? undefined : count,
        decode: (f) => {
          const at = secondsMs(f[t]);
          if (Number.isNaN(at)) return badTime(f[t]);
          if (f[id] === '') return 'block_id is empty';
          const sizeBytes = num(f[size]);
          if (!isByteCount(sizeBytes)) return badBytes('io_size', f[size]);
          const name = f[op]!;
          return { at, objectId: f[id]!, sizeBytes, op: name.startsWith('get') ? 'read' : name.startsWith('put') ? 'write' : 'other' };
        },
      };
    },
  },
  {
    name: 'meta-kv',
    needs: ['op_time', 'key', 'op', 'size'],
    make: (c) => {
      const [t, key, op, size, count] = [c('op_time'), c('key'), c('op'), c('size'), c('op_count')];
      return {
        repeatColumn: count < 0 ? undefined : count,
        decode: (f) => {
          const at = secondsMs(f[t]);
          if (Number.isNaN(at)) return badTime(f[t]);
          if (f[key] === '') return 'key is empty';
          const sizeBytes = num(f[size]);
          if (!isByteCount(sizeBytes)) return badBytes('size', f[size]);
          return { at, objectId: f[key]!, sizeBytes, op: KV_OPS[f[op]!] ?? 'other' };
        },
      };
    },
  },
  {
    name: 'systor17',
    needs: ['timestamp', 'iotype', 'lun', 'offset', 'size'],
    make: (c, extentBytes) => {
      const [t, op, lun, offset, size] = [c('timestamp'), c('iotype'), c('lun'), c('offset'), c('size')];
      return {
        decode: (f) => {
          const at = secondsMs(f[t]);
          if (Number.isNaN(at)) return badTime(f[t]);
          const bytes = num(f[offset]);
          if (!isByteCount(bytes)) return `offset '${f[offset]}' is not a byte offset`;
          if (!isByteCount(num(f[size]))) return badBytes('size', f[size]);
          const type = f[op];
          return { at, objectId: `${f[lun]}:${Math.floor(bytes / extentBytes)}`, sizeBytes: extentBytes, op: type === 'R' ? 'read' : type === 'W' ? 'write' : 'other' };
        },
      };
    },
  },
];

/** Headerless layouts, told by the shape of their first record. */
const SHAPE_LAYOUTS: { name: string; width: number; fits: (f: string[]) => boolean; make: (extentBytes: number) => Decode }[] = [
  {
    name: 'tencent-cbs',
    width: 5,
    fits: (f) => f.length === 5 && f.every((v) => DIGITS.test(v)) && (f[3] === '0' || f[3] === '1'),
    make: (extentBytes) => (f) => {
      const at = secondsMs(f[0]);
      if (Number.isNaN(at)) return badTime(f[0]);
      const sector = num(f[1]);
      if (!isByteCount(sector * SECTOR_BYTES)) return `offset '${f[1]}' is not a sector number`;
      if (!isByteCount(num(f[2]))) return `size '${f[2]}' is not a number of sectors`;
      if (f[4] === '') return 'volume id is empty';
      return { at, objectId: `${f[4]}:${Math.floor((sector * SECTOR_BYTES) / extentBytes)}`, sizeBytes: extentBytes, op: f[3] === '0' ? 'read' : f[3] === '1' ? 'write' : 'other' };
    },
  },
  {
    name: 'msr-cambridge',
    width: 7,
    fits: (f) => f.length === 7 && DIGITS.test(f[0]!) && (f[3] === 'Read' || f[3] === 'Write'),
    make: (extentBytes) => (f) => {
      const at = filetimeMs(f[0]);
      if (Number.isNaN(at)) return badTime(f[0], 'a Windows FILETIME');
      const bytes = num(f[4]);
      if (!isByteCount(bytes)) return `offset '${f[4]}' is not a byte offset`;
      if (!isByteCount(num(f[5]))) return badBytes('size', f[5]);
      return { at, objectId: `${f[1]}:${f[2]}:${Math.floor(bytes / extentBytes)}`, sizeBytes: extentBytes, op: f[3] === 'Read' ? 'read' : f[3] === 'Write' ? 'write' : 'other' };
    },
  },
  {
    name: 'twitter',
    width: 7,
    fits: (f) => f.length >= 7 && DIGITS.test(f[0]!) && TWITTER_OPS[f[f.length - 2]!] !== undefined,
    make: () => (f) => {
      const at = secondsMs(f[0]);
      if (Number.isNaN(at)) return badTime(f[0]);
      // Keys may hold commas: every field between the timestamp and the last five is key.
      const n = f.length;
      const objectId = n === 7 ? f[1]! : f.slice(1, n - 5).join(',');
      if (objectId === '') return 'key is empty';
      const sizeBytes = num(f[n - 4]);
      if (!isByteCount(sizeBytes)) return badBytes('value_size', f[n - 4]);
      return { at, objectId, sizeBytes, op: TWITTER_OPS[f[n - 2]!] ?? 'other' };
    },
  },
];

/** The layout a CSV trace's first line announces, or undefined when it is none of them. */
function layoutOf(firstLine: string, extentBytes: number): CsvLayout | undefined {
  const fields = splitLine(firstLine.charCodeAt(0) === 0xfeff ? firstLine.slice(1) : firstLine);
  const names = fields.map((f) => f.trim().toLowerCase());
  for (const candidate of HEADER_LAYOUTS) {
    if (!candidate.needs.every((n) => names.includes(n))) continue;
    return { name: candidate.name, header: true, width: names.length, ...candidate.make((n) => names.indexOf(n), extentBytes) };
  }
  for (const candidate of SHAPE_LAYOUTS) {
    if (candidate.fits(fields)) return { name: candidate.name, header: false, width: candidate.width, decode: candidate.make(extentBytes) };
  }
  return undefined;
}

/** The name of the CSV layout `firstLine` starts, or undefined (used to detect the format). */
export function csvLayoutName(firstLine: string): string | undefined {
  return layoutOf(firstLine, SECTOR_BYTES)?.name;
}

const KNOWN = 'timestamp,object_id,size[,op]; or the headers of CloudPhysics, Meta CDN/Tectonic/KV and SYSTOR\'17 traces; or headerless Tencent CBS, MSR Cambridge and Twitter records';

/** Longest line read before a text trace is refused (a binary file read as text, say). */
const MAX_LINE_CHARS = 4 * 1024 * 1024;

/**
 * A text file's lines in file order, one array per 1 MiB read, with the 1-based number of
 * the first (a CR before the LF is dropped) and whether any holds a double quote. Splitting chunks here is several times faster
 * than node:readline, which matters at a million records a second.
 */
export async function* lineBatches(path: string): AsyncGenerator<{ lines: string[]; firstLine: number; quoted: boolean }> {
  const input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let carry = '';
  let firstLine = 1;
  try {
    for await (const chunk of input as AsyncIterable<string>) {
      const text = carry + chunk;
      const lines = text.split('\n');
      carry = lines.pop()!;
      if (carry.length > MAX_LINE_CHARS) {
        throw new TraceError(`line is longer than ${MAX_LINE_CHARS.toLocaleString('en')} characters: not a text trace`, { path, line: firstLine + lines.length });
      }
      if (lines.length === 0) continue;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        if (line.charCodeAt(line.length - 1) === 13) lines[i] = line.slice(0, -1);
      }
      yield { lines, firstLine, quoted: text.includes('"') };
      firstLine += lines.length;
    }
    if (carry !== '') yield { lines: [carry.charCodeAt(carry.length - 1) === 13 ? carry.slice(0, -1) : carry], firstLine, quoted: carry.includes('"') };
  } finally {
    input.destroy();
  }
}

/** The trace's records in file order, one array per chunk read. */
export async function* csvBatches(path: string, options: ReaderOptions = {}): AsyncGenerator<TraceRecord[]> {
  const extentBytes = extentBytesOf(options);
  let layout: CsvLayout | undefined;
  for await (const { lines, firstLine, quoted } of lineBatches(path)) {
    const batch: TraceRecord[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (layout === undefined) {
        layout = layoutOf(line, extentBytes);
        if (layout === undefined) {
          throw new TraceError(`'${line.slice(0, 120)}' is neither a known CSV header nor a known headerless record`, { path, line: firstLine + i }, `expected ${KNOWN}`);
        }
        if (layout.header) continue;
      }
      if (line === '') continue;
      const fields = quoted ? splitLine(line) : line.split(',');
      let parsed: TraceRecord | string;
      let repeats = 1;
      if (fields.length < layout.width) {
        parsed = `expected at least ${layout.width} comma-separated fields (${layout.name} layout), found ${fields.length}`;
      } else {
        parsed = layout.decode(fields);
        if (layout.repeatColumn !== undefined && typeof parsed !== 'string') {
          repeats = num(fields[layout.repeatColumn]);
          if (!Number.isSafeInteger(repeats) || repeats < 1) parsed = `op_count '${fields[layout.repeatColumn]}' is not a whole number ≥ 1`;
        }
      }
      if (typeof parsed === 'string') {
        rejectRecord(new TraceError(parsed, { path, line: firstLine + i }), options);
        continue;
      }
      batch.push(parsed);
      for (let r = 1; r < repeats; r++) batch.push({ ...parsed });
    }
    yield batch;
  }
}
