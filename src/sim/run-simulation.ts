import { invalidInput } from '../domain/errors.js';
import { loadProfile } from './profiles.js';
import { resolvePolicies } from './policy-set.js';
import { inTimeOrderBatches, readTraceBatches } from './readers/index.js';
import { replay } from './replay.js';
import type { SimulationResult } from './report/simulation-result.js';
import { TRACE_FORMATS, type TraceFormat, type TraceError } from './trace-record.js';

export interface SimulateCommand {
  trace: string;
  format?: string;
  policies: string;
  profile: string;
  timeScale: number;
  skipBad: boolean;
  /** Block traces: bytes per extent (one object). */
  extentBytes?: number;
  /** Out-of-order traces up to this many records are sorted in memory; longer ones are refused. */
  maxSortRecords: number;
  onProgress?: (progress: { requests: number; objects: number }) => void;
}

/** `tiercast simulate`: reads, orders and replays one trace file through the chosen policies. */
export async function runSimulation(command: SimulateCommand): Promise<SimulationResult> {
  if (command.format !== undefined && !(TRACE_FORMATS as readonly string[]).includes(command.format)) {
    throw invalidInput(`unknown trace format '${command.format}'`, `use one of ${TRACE_FORMATS.join(', ')}, or leave --format out to detect it`);
  }
  if (!(command.timeScale > 0) || !Number.isFinite(command.timeScale)) {
    throw invalidInput(`--time-scale must be a positive number, not '${command.timeScale}'`, 'for example --time-scale 24 stretches one hour of trace into a day');
  }
  const profile = loadProfile(command.profile);
  const policies = resolvePolicies(command.policies, profile.tiers.map((t) => t.name));
  let skipped = 0;
  let sorted = false;
  let format = command.format;
  const records = readTraceBatches(command.trace, {
    format: command.format as TraceFormat | undefined,
    skipBad: command.skipBad,
    onBad: (_error: TraceError) => void skipped++,
    extentBytes: command.extentBytes,
    onFormat: (detected: TraceFormat) => void (format = detected),
  });
  const ordered = inTimeOrderBatches(records, { maxBuffered: command.maxSortRecords, path: command.trace, onSorted: () => void (sorted = true) });
  const result = await replay(
    ordered,
    { trace: command.trace, format: format ?? 'unknown', skippedBadRecords: () => skipped, sortedInMemory: () => sorted },
    { profile, policies, timeScale: command.timeScale, onProgress: command.onProgress },
  );
  result.format = format ?? 'unknown';
  return result;
}

