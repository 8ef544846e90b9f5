import type { PolicyResult, SimProfile } from '../model.js';

/** Everything one `simulate` run produced: what the report, the table and `--json` render. */
export interface SimulationResult {
  /** Path or name of the trace, as the user gave it. */
  trace: string;
  /** csv | oracle-general | vscsi | clf | synthetic */
  format: string;
  /** Requests replayed. */
  requests: number;
  objects: number;
  /** First to last request, seconds, after time scaling. */
  spanSeconds: number;
  /** K of `--time-scale`: trace time was stretched K times (1 = as recorded). */
  timeScale: number;
  skippedBadRecords: number;
  /** The trace was out of time order and was sorted in memory before the replay. */
  sortedInMemory: boolean;
  profile: SimProfile;
  /** Ms of the (scaled) trace's first request: timeline points are read relative to it. */
  startedAt: number;
  /** Every policy, including `optimal` and `optimal-reactive` (whose timeline is empty). */
  policies: PolicyResult[];
  /** ISO time of the run. */
  generatedAt: string;
  replaySeconds: number;
  requestsPerSecond: number;
  peakRssBytes: number;
}

/** The offline optimum that regret is measured against. */
export const OPTIMAL_POLICY = 'optimal';

/** Policies that know the future: no timeline, drawn as references rather than lines. */
export function isOfflinePolicy(policy: PolicyResult): boolean {
  return policy.name === OPTIMAL_POLICY || policy.name.startsWith(`${OPTIMAL_POLICY}-`);
}

/** Cheapest first; ties keep the engine's order. */
export function byTotalCost(policies: readonly PolicyResult[]): PolicyResult[] {
  return [...policies].sort((a, b) => a.totalCostUsd - b.totalCostUsd);
}
