/**
 * VMware vscsi v1 block traces (the CloudPhysics encoding libCacheSim reads): 32-byte
 * little-endian records `u32 sn, u32 len (bytes), u32 nSG, u16 cmd, u16 ver, u64 lbn
 * (512-byte sector), u64 ts (µs)`. `ver >> 8` is 1 in every v1 record.
 *
 * Block traces have no objects, so the disk is cut into extents of `extentBytes` (1 MiB by
 * default) and the extent holding a request's first byte is its object (a request that runs
 * over an extent boundary counts for the first extent only). The record's size is the
 * extent's size, not the request's byte count: the extent is what a tier stores and a
 * migration moves, and it keeps one size per object for the whole trace.
 */
import { invalidInput } from '../../domain/errors.js';
import { recordChunks } from './oracle-general.js';
import { rejectRecord, TraceError, type ReaderOptions, type TraceOp, type TraceRecord } from '../trace-record.js';

export const VSCSI_RECORD_BYTES = 32;
export const SECTOR_BYTES = 512;
export const DEFAULT_EXTENT_BYTES = 1024 * 1024;
const TWO_32 = 4294967296;

/** The extent size to use, checked: a whole number of bytes, at least one sector. */
export function extentBytesOf(options: ReaderOptions): number {
  const bytes = options.extentBytes ?? DEFAULT_EXTENT_BYTES;
  if (!Number.isSafeInteger(bytes) || bytes < SECTOR_BYTES) {
    throw invalidInput(`extent size ${bytes} is not a whole number of bytes ≥ ${SECTOR_BYTES}`, 'pass an extent size such as 1048576 (1 MiB)');
  }
  return bytes;
}

/** READ(6/10/12/16) → read, WRITE(6/10/12/16) → write, any other SCSI command → other. */
export function scsiOp(command: number): TraceOp {
  switch (command) {
    case 0x08:
    case 0x28:
    case 0xa8:
    case 0x88:
      return 'read';
    case 0x0a:
    case 0x2a:
    case 0xaa:
    case 0x8a:
      return 'write';
    default:
      return 'other';
  }
}

/** True when every whole 32-byte record in `bytes` carries the v1 version byte. */
export function looksLikeVscsi(bytes: Uint8Array): boolean {
  const records = Math.min(Math.floor(bytes.length / VSCSI_RECORD_BYTES), 1024);
  if (records === 0) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < records; i++) {
    const p = i * VSCSI_RECORD_BYTES;
    if (view.getUint16(p + 14, true) >> 8 !== 1 || view.getUint16(p + 12, true) > 0xff) return false;
  }
  return true;
}

/** The trace's records in file order, one array per chunk read. */
export async function* vscsiBatches(path: string, options: ReaderOptions = {}): AsyncGenerator<TraceRecord[]> {
  const extentBytes = extentBytesOf(options);
  const maxLbn = Math.floor(Number.MAX_SAFE_INTEGER / SECTOR_BYTES);
  for await (const { chunk, end, fileOffset } of recordChunks(path, VSCSI_RECORD_BYTES, 'vscsi', options)) {
    const batch: TraceRecord[] = [];
    for (let p = 0; p < end; p += VSCSI_RECORD_BYTES) {
      const version = chunk.readUInt16LE(p + 14) >> 8;
      const lbn = chunk.readUInt32LE(p + 20) * TWO_32 + chunk.readUInt32LE(p + 16);
      if (version !== 1 || lbn > maxLbn) {
        const problem = version !== 1 ? `version byte is ${version}, not 1: not a vscsi v1 record` : `sector number ${lbn} lies beyond any disk`;
        rejectRecord(new TraceError(problem, { path, byteOffset: fileOffset + p }), options);
        continue;
      }
      batch.push({
        at: (chunk.readUInt32LE(p + 28) * TWO_32 + chunk.readUInt32LE(p + 24)) / 1000,
        objectId: String(Math.floor((lbn * SECTOR_BYTES) / extentBytes)),
        sizeBytes: extentBytes,
        op: scsiOp(chunk.readUInt16LE(p + 12)),
      });
    }
    yield batch;
  }
}
