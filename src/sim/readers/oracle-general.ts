/**
 * libCacheSim's oracleGeneral binary traces: 24-byte little-endian records `u32 timestamp
 * (s), u64 obj_id, u32 obj_size, i64 next_access_vtime`. The id becomes the object id in
 * decimal; the next-access field (libCacheSim's 1-based request number of the object's next
 * request, -1 for none) is the future, and readers stay pure of it. The format has no
 * operation, so every record is a read.
 */
import { open } from 'node:fs/promises';
import { rejectRecord, TraceError, type ReaderOptions, type TraceRecord } from '../trace-record.js';

export const ORACLE_GENERAL_RECORD_BYTES = 24;
const TWO_32 = 4294967296;
/** Below this high word a u64 is a safe integer. */
const SAFE_HIGH = 0x200000;
/** Bytes per read, rounded down to whole records. */
const CHUNK_BYTES = 1024 * 1024;

/** A u64 from its two 32-bit halves, in decimal, exact at any size. */
export function u64String(low: number, high: number): string {
  if (high === 0) return String(low);
  if (high < SAFE_HIGH) return String(high * TWO_32 + low);
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/**
 * True when the whole records in `bytes` look like oracleGeneral: each next-access field is
 * -1 or a request number after the record's own.
 */
export function looksLikeOracleGeneral(bytes: Uint8Array): boolean {
  const records = Math.min(Math.floor(bytes.length / ORACLE_GENERAL_RECORD_BYTES), 1024);
  if (records === 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < records; i++) {
    const p = i * ORACLE_GENERAL_RECORD_BYTES;
    const low = view.getUint32(p + 16, true);
    const high = view.getInt32(p + 20, true);
    if (high === -1 && low === 0xffffffff) continue;
    if (high < 0 || high >= SAFE_HIGH || high * TWO_32 + low <= i) return false;
  }
  return true;
}

/**
 * The whole fixed-size records of a binary file, a large chunk at a time, in file order:
 * `chunk[0, end)` holds whole records only, the first at file offset `fileOffset`. A record
 * split between two reads is carried into the next chunk; a partial record at the end of the
 * file is rejected with its offset. The chunk buffer is reused once the consumer asks for
 * the next one.
 */
export async function* recordChunks(
  path: string,
  recordBytes: number,
  formatName: string,
  options: ReaderOptions,
): AsyncGenerator<{ chunk: Buffer; end: number; fileOffset: number }> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(CHUNK_BYTES - (CHUNK_BYTES % recordBytes));
    let fileOffset = 0;
    let carried = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, carried, chunk.length - carried, null);
      if (bytesRead === 0) {
        if (carried > 0) {
          const problem = `truncated record: the file ends ${carried} bytes into a ${recordBytes}-byte ${formatName} record`;
          rejectRecord(new TraceError(problem, { path, byteOffset: fileOffset }), options);
        }
        return;
      }
      const filled = carried + bytesRead;
      const end = filled - (filled % recordBytes);
      if (end > 0) yield { chunk, end, fileOffset };
      fileOffset += end;
      carried = filled - end;
      chunk.copy(chunk, 0, end, filled);
    }
  } finally {
    await handle.close();
  }
}

/** The trace's records in file order, one array per chunk read. */
export async function* oracleGeneralBatches(path: string, options: ReaderOptions = {}): AsyncGenerator<TraceRecord[]> {
  for await (const { chunk, end } of recordChunks(path, ORACLE_GENERAL_RECORD_BYTES, 'oracleGeneral', options)) {
    const batch: TraceRecord[] = new Array(end / ORACLE_GENERAL_RECORD_BYTES);
    for (let p = 0, i = 0; p < end; p += ORACLE_GENERAL_RECORD_BYTES, i++) {
      batch[i] = {
        at: chunk.readUInt32LE(p) * 1000,
        objectId: u64String(chunk.readUInt32LE(p + 4), chunk.readUInt32LE(p + 8)),
        sizeBytes: chunk.readUInt32LE(p + 12),
        op: 'read',
      };
    }
    yield batch;
  }
}
