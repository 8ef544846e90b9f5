/**
 * Trace input for the simulator and the benchmarks: finds a file's format, streams its
 * records in file order, and puts them in time order where a trace needs it. Pure of policy.
 */
import { open, stat } from 'node:fs/promises';
import { invalidInput, notFound } from '../../domain/errors.js';
import { TRACE_FORMATS, TraceError, type ReaderOptions, type TraceFormat, type TraceRecord } from '../trace-record.js';
import { clfBatches, isClfLine } from './clf.js';
import { csvBatches, csvLayoutName } from './csv.js';
import { looksLikeOracleGeneral, oracleGeneralBatches } from './oracle-general.js';
import { looksLikeVscsi, vscsiBatches } from './vscsi.js';

export { TraceError, TRACE_FORMATS, type TraceFormat, type TraceRecord } from '../trace-record.js';

/** Bytes read from the start of a file to tell its format. */
export const DETECT_BYTES = 64 * 1024;

export interface ReadTraceOptions extends ReaderOptions {
  /** Skip detection and read the file as this format. */
  format?: TraceFormat;
  /** Told the format that will be read (forced or detected) before the first record. */
  onFormat?: (format: TraceFormat) => void;
}

const READERS: Record<TraceFormat, (path: string, options: ReaderOptions) => AsyncGenerator<TraceRecord[]>> = {
  csv: csvBatches,
  'oracle-general': oracleGeneralBatches,
  vscsi: vscsiBatches,
  clf: clfBatches,
};

function isText(bytes: Uint8Array): boolean {
  return !bytes.subarray(0, 4096).includes(0);
}

function firstLine(bytes: Uint8Array): string {
  let end = bytes.indexOf(10);
  if (end < 0) end = bytes.length;
  if (end > 0 && bytes[end - 1] === 13) end--;
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8');
}

/**
 * The format of a trace from its first bytes: text whose first line is a CLF log line or a
 * CSV header/record Tiercast reads; binary whose records carry the vscsi v1 version byte or
 * oracleGeneral's next-access field. When the content is binary but fits both or neither,
 * the extension decides (`.vscsi`, `.oracleGeneral[.bin]`). Undefined when nothing fits.
 */
export function detectFormat(path: string, firstBytes: Uint8Array): TraceFormat | undefined {
  if (firstBytes.length === 0) return undefined;
  if (isText(firstBytes)) {
    const line = firstLine(firstBytes);
    if (isClfLine(line)) return 'clf';
    if (csvLayoutName(line) !== undefined) return 'csv';
    return undefined;
  }
  const vscsi = looksLikeVscsi(firstBytes);
  const oracle = looksLikeOracleGeneral(firstBytes);
  if (vscsi !== oracle) return vscsi ? 'vscsi' : 'oracle-general';
  const name = path.toLowerCase();
  if (name.endsWith('.vscsi')) return 'vscsi';
  if (/\.oraclegeneral(\.bin)?$/.test(name)) return 'oracle-general';
  return undefined;
}

/** Checks that `path` is a file to read (or a pipe), naming the problem if not. */
async function checkFile(path: string): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound('trace file', path, `check the path; a relative path is read from ${process.cwd()}`);
    throw error;
  }
  if (info.isDirectory()) throw invalidInput(`trace '${path}' is a directory, not a file`, 'give the path of one trace file');
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(DETECT_BYTES);
    const { bytesRead } = await handle.read(head, 0, DETECT_BYTES, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/**
 * A trace's records in file order, streamed as arrays of up to a chunk's worth (about 1 MiB
 * of input): the fast path for replay, with no per-record await. Errors as for readTrace.
 */
export async function* readTraceBatches(path: string, options: ReadTraceOptions = {}): AsyncGenerator<TraceRecord[]> {
  if (options.format !== undefined && !TRACE_FORMATS.includes(options.format)) {
    throw new TraceError(`unknown trace format '${String(options.format)}'`, { path }, `use one of ${TRACE_FORMATS.join(', ')}`);
  }
  await checkFile(path);
  let format = options.format;
  if (format === undefined) {
    // The reader opens the file afresh after this, so reading from a pipe needs a forced format.
    const head = await readHead(path);
    format = detectFormat(path, head);
    if (format === undefined) {
      const problem = head.length === 0 ? 'the trace is empty' : 'cannot tell the trace format from its content';
      throw new TraceError(problem, { path }, `force one with --format ${TRACE_FORMATS.join('|')}`);
    }
  }
  options.onFormat?.(format);
  yield* READERS[format](path, options);
}

/**
 * Every record of a trace in file order, streamed. A malformed record throws a TraceError
 * naming its line or byte offset, unless `skipBad`: then it goes to `onBad` and is skipped.
 */
export async function* readTrace(path: string, options: ReadTraceOptions = {}): AsyncGenerator<TraceRecord> {
  for await (const batch of readTraceBatches(path, options)) {
    for (const record of batch) yield record;
  }
}

const seconds = (ms: number) => `${(ms / 1000).toLocaleString('en', { maximumFractionDigits: 3 })} s`;

/**
 * Batches in time order. An in-order trace streams through (after its first `maxBuffered`
 * records, held while the order is unknown). A trace with records that go back in time is
 * sorted (stable, by `at`) when it has at most `maxBuffered` records; a longer one is refused
 * with a TraceError naming the first record that went back and by how much.
 */
export async function* inTimeOrderBatches(
  batches: AsyncIterable<TraceRecord[]> | Iterable<TraceRecord[]>,
  options: { maxBuffered: number; path?: string; onSorted?: (records: number) => void },
): AsyncGenerator<TraceRecord[]> {
  const { maxBuffered, path } = options;
  let buffer: TraceRecord[] | undefined = [];
  let latest = -Infinity;
  let latestIndex = 0;
  let index = 0;
  let firstBack: { index: number; at: number; latest: number; latestIndex: number } | undefined;
  const refuse = (back: NonNullable<typeof firstBack>) =>
    new TraceError(
      `the trace is not in time order: this record (at ${seconds(back.at)}) goes back ${seconds(back.latest - back.at)} behind record ${back.latestIndex} (at ${seconds(back.latest)}) before it, and the trace has more than ${maxBuffered.toLocaleString('en')} records, too many to sort in memory`,
      { path, record: back.index },
      'sort the trace by time first (e.g. sort -t, -k1,1g for CSV), or allow more records in memory',
    );
  for await (const batch of batches) {
    for (const record of batch) {
      index++;
      if (record.at >= latest) {
        latest = record.at;
        latestIndex = index;
      } else if (buffer === undefined) {
        throw refuse({ index, at: record.at, latest, latestIndex });
      } else {
        firstBack ??= { index, at: record.at, latest, latestIndex };
      }
    }
    if (buffer === undefined) {
      yield batch;
      continue;
    }
    for (const record of batch) buffer.push(record);
    if (buffer.length > maxBuffered) {
      if (firstBack !== undefined) throw refuse(firstBack);
      const inOrder = buffer;
      buffer = undefined;
      yield inOrder;
    }
  }
  if (buffer === undefined || buffer.length === 0) return;
  if (firstBack !== undefined) {
    buffer.sort((a, b) => a.at - b.at);
    options.onSorted?.(buffer.length);
  }
  yield buffer;
}

async function* batchesOf(records: AsyncIterable<TraceRecord> | Iterable<TraceRecord>): AsyncGenerator<TraceRecord[]> {
  let batch: TraceRecord[] = [];
  for await (const record of records) {
    batch.push(record);
    if (batch.length === 4096) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** `records` in time order: inTimeOrderBatches one record at a time. */
export async function* inTimeOrder(
  records: AsyncIterable<TraceRecord> | Iterable<TraceRecord>,
  options: { maxBuffered: number; path?: string },
): AsyncGenerator<TraceRecord> {
  for await (const batch of inTimeOrderBatches(batchesOf(records), options)) {
    for (const record of batch) yield record;
  }
}
