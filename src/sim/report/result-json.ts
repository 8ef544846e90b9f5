import type { PolicyResult, SimProfile } from '../model.js';
import type { SimulationResult } from './simulation-result.js';

/**
 * The machine-readable result: what `simulate --json` prints and the report's result.json
 * holds. The issue fixes trace, requests, objects, span_seconds and, per policy, name,
 * total_cost_usd, regret, mean_latency_ms, p99_latency_ms, migrations and bytes_moved;
 * the dashboard also reads profile. Everything else is added, never renamed.
 */
export interface ResultJson {
  trace: string;
  format: string;
  requests: number;
  objects: number;
  span_seconds: number;
  time_scale: number;
  skipped_bad_records: number;
  sorted_in_memory: boolean;
  started_at_ms: number;
  generated_at: string;
  profile: ProfileJson;
  replay: { seconds: number; requests_per_second: number; peak_rss_bytes: number };
  /** In the engine's order (the order policies were asked for). */
  policies: PolicyJson[];
}

export interface ProfileJson {
  name: string;
  description: string;
  ingest_tier: string;
  latency_penalty_per_second: number;
  tiers: Array<{
    name: string;
    storage_gb_month: number;
    get_per_1000: number;
    put_per_1000: number;
    retrieval_per_gb: number;
    first_byte_ms: number;
    per_mb_ms: number;
  }>;
  sources: string[];
}

export interface PolicyJson {
  name: string;
  description: string;
  total_cost_usd: number;
  /** total_cost_usd / optimal's total_cost_usd; null without an optimum to compare with. */
  regret: number | null;
  mean_latency_ms: number;
  p99_latency_ms: number;
  migrations: number;
  bytes_moved: number;
  accesses: number;
  /** Share of accesses served by the fastest tier, 0..1. */
  fastest_tier_share: number;
  costs: { storage: number; requests: number; retrieval: number; migrations: number; latency_penalty: number };
  /** Only with `timeline: true`: columns sampled over the replay (empty for the optima). */
  timeline?: TimelineJson;
}

export interface TimelineJson {
  at_ms: number[];
  cumulative_cost_usd: number[];
  /** Bytes held per tier, by tier name. */
  bytes_per_tier: Record<string, number[]>;
}

export interface ResultJsonOptions {
  /** Add each policy's sampled timeline (for charts; result.json has it, --json does not). */
  timeline?: boolean;
}

export function toResultJson(result: SimulationResult, options: ResultJsonOptions = {}): ResultJson {
  return {
    trace: result.trace,
    format: result.format,
    requests: result.requests,
    objects: result.objects,
    span_seconds: result.spanSeconds,
    time_scale: result.timeScale,
    skipped_bad_records: result.skippedBadRecords,
    sorted_in_memory: result.sortedInMemory,
    started_at_ms: result.startedAt,
    generated_at: result.generatedAt,
    profile: profileJson(result.profile),
    replay: {
      seconds: result.replaySeconds,
      requests_per_second: result.requestsPerSecond,
      peak_rss_bytes: result.peakRssBytes,
    },
    policies: result.policies.map((p) => policyJson(p, result.profile, options.timeline === true)),
  };
}

/** The JSON text, indented, with a final newline. */
export function toResultJsonText(result: SimulationResult, options: ResultJsonOptions = {}): string {
  return `${JSON.stringify(toResultJson(result, options), null, 2)}\n`;
}

function profileJson(profile: SimProfile): ProfileJson {
  return {
    name: profile.name,
    description: profile.description,
    ingest_tier: profile.ingestTier,
    latency_penalty_per_second: profile.latencyPenaltyPerSecond,
    tiers: profile.tiers.map((t) => ({
      name: t.name,
      storage_gb_month: t.pricing.storageGbMonth,
      get_per_1000: t.pricing.getPer1000,
      put_per_1000: t.pricing.putPer1000,
      retrieval_per_gb: t.pricing.retrievalPerGb,
      first_byte_ms: t.latency.firstByteMs,
      per_mb_ms: t.latency.perMbMs,
    })),
    sources: profile.sources ?? [],
  };
}

function policyJson(p: PolicyResult, profile: SimProfile, withTimeline: boolean): PolicyJson {
  const json: PolicyJson = {
    name: p.name,
    description: p.description,
    total_cost_usd: p.totalCostUsd,
    regret: p.regret,
    mean_latency_ms: p.meanLatencyMs,
    p99_latency_ms: p.p99LatencyMs,
    migrations: p.migrations,
    bytes_moved: p.bytesMoved,
    accesses: p.accesses,
    fastest_tier_share: p.fastestTierShare,
    costs: {
      storage: p.costs.storage,
      requests: p.costs.requests,
      retrieval: p.costs.retrieval,
      migrations: p.costs.migrations,
      latency_penalty: p.costs.latencyPenalty,
    },
  };
  if (withTimeline) {
    json.timeline = {
      at_ms: p.timeline.map((t) => t.at),
      cumulative_cost_usd: p.timeline.map((t) => t.cumulativeCostUsd),
      bytes_per_tier: Object.fromEntries(profile.tiers.map((tier, rank) => [tier.name, p.timeline.map((t) => t.bytesPerTier[rank] ?? 0)])),
    };
  }
  return json;
}
