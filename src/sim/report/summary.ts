import type { PolicyResult } from '../model.js';
import { formatBytes, formatCount, formatDuration, formatRegret, formatShare, formatSignificant, formatTick, formatUsd } from './format.js';
import type { SimulationResult } from './simulation-result.js';

/** Sentences about a run that the terminal table and the HTML page both state. */

/** "1,234 requests, 56 objects, span 3.25 days". */
export function describeVolume(result: SimulationResult): string {
  return `${formatCount(result.requests)} requests, ${formatCount(result.objects)} objects, span ${formatDuration(result.spanSeconds)}`;
}

/** Why stretched time, or null when the trace plays as recorded. */
export function describeTimeScale(result: SimulationResult): string | null {
  if (result.timeScale === 1) return null;
  const k = formatTick(result.timeScale);
  return (
    `Trace time is stretched ×${k}: every gap between requests is ${k} times as long as recorded, ` +
    `so the ${formatDuration(result.spanSeconds / result.timeScale)} recorded play as ${formatDuration(result.spanSeconds)}. ` +
    'Storage is charged over the stretched time, which gives a short trace the idle periods that day-scale tiering decisions need.'
  );
}

/** Skipped records and sorting, or null when neither happened. */
export function describeTraceRepairs(result: SimulationResult): string | null {
  const parts: string[] = [];
  if (result.skippedBadRecords > 0) {
    const n = result.skippedBadRecords;
    parts.push(`${formatCount(n)} malformed record${n === 1 ? ' was' : 's were'} skipped (--skip-bad)`);
  }
  if (result.sortedInMemory) parts.push('the trace was not in time order and was sorted in memory before the replay');
  if (parts.length === 0) return null;
  const sentence = parts.join('; ');
  return `${sentence[0]!.toUpperCase()}${sentence.slice(1)}.`;
}

export const REGRET_DEFINITION =
  'Regret = a policy’s total cost ÷ the total cost of optimal, the offline optimum that knows every future request. ' +
  '1.000× is the least any policy can pay; optimal-reactive knows the future too but moves objects only when they are accessed, ' +
  'so the gap between the two optima is the most that forecasting can earn.';

/**
 * One policy's figures as display strings, in the column order the table and the page share
 * (after the name): total, regret, the five cost parts, mean and p99 latency, fastest-tier
 * share, migrations, bytes moved. `latencyUnit` is appended to the two latencies.
 */
export function policyFigureCells(p: PolicyResult, latencyUnit = ''): string[] {
  return [
    formatUsd(p.totalCostUsd),
    formatRegret(p.regret),
    formatUsd(p.costs.storage),
    formatUsd(p.costs.requests),
    formatUsd(p.costs.retrieval),
    formatUsd(p.costs.migrations),
    formatUsd(p.costs.latencyPenalty),
    `${formatSignificant(p.meanLatencyMs)}${latencyUnit}`,
    `${formatSignificant(p.p99LatencyMs)}${latencyUnit}`,
    formatShare(p.fastestTierShare),
    formatCount(p.migrations),
    formatBytes(p.bytesMoved),
  ];
}
