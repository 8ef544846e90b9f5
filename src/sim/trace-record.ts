import { TiercastError } from '../domain/errors.js';

/** One request of an access trace, whatever the file's encoding. */
export interface TraceRecord {
  /** Milliseconds on the trace's own clock (epoch for most traces, relative for some). */
  at: number;
  objectId: string;
  sizeBytes: number;
  op: 'read' | 'write' | 'other';
}

export type TraceOp = TraceRecord['op'];

export type TraceFormat = 'csv' | 'oracle-general' | 'vscsi' | 'clf';

export const TRACE_FORMATS: readonly TraceFormat[] = ['csv', 'oracle-general', 'vscsi', 'clf'];

/** Where in a trace something went wrong: a text line, a byte offset or a record number. */
export interface TracePosition {
  path?: string;
  /** 1-based line of a text trace (the header is line 1). */
  line?: number;
  /** Offset of the first byte of the bad record in a binary trace. */
  byteOffset?: number;
  /** 1-based record number in file order, when neither of the above is known. */
  record?: number;
}

/** A trace that cannot be read as it stands: names the place and what was wrong there. */
export class TraceError extends TiercastError {
  readonly path: string | undefined;
  readonly line: number | undefined;
  readonly byteOffset: number | undefined;
  readonly record: number | undefined;
  /** What was wrong, without the position. */
  readonly problem: string;

  constructor(problem: string, where: TracePosition, hint?: string) {
    super('invalid_input', `${describePosition(where)}: ${problem}`, { hint });
    this.name = 'TraceError';
    this.path = where.path;
    this.line = where.line;
    this.byteOffset = where.byteOffset;
    this.record = where.record;
    this.problem = problem;
  }
}

function describePosition(where: TracePosition): string {
  const parts: string[] = [];
  if (where.path !== undefined) parts.push(where.path);
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.byteOffset !== undefined) parts.push(`byte offset ${where.byteOffset}`);
  if (where.record !== undefined) parts.push(`record ${where.record}`);
  return parts.length > 0 ? parts.join(', ') : 'trace';
}

/** What every format reader accepts. */
export interface ReaderOptions {
  /** Skip malformed records (each reported to `onBad`) instead of stopping at the first. */
  skipBad?: boolean;
  onBad?: (error: TraceError) => void;
  /** Block traces: bytes per extent, the unit that becomes one object (default 1 MiB). */
  extentBytes?: number;
}

const SKIP_BAD_HINT = 'correct or remove that record, or pass --skip-bad to skip malformed records (the report counts them)';

/** A reader's answer to a malformed record: throws (saying how to go on), or reports it and returns when skipping. */
export function rejectRecord(error: TraceError, options: ReaderOptions): void {
  if (!options.skipBad) throw error.hint === undefined ? new TraceError(error.problem, error, SKIP_BAD_HINT) : error;
  options.onBad?.(error);
}
