import type { TierProfile } from '../domain/tier.js';
import type { TraceOp } from './trace-record.js';
import type { CostParts } from '../domain/cost-model.js';

/**
 * A price/performance profile for a simulation: the same tier shape as the service's
 * configuration, plus what an access's waiting is worth and where new objects land.
 */
export interface SimProfile {
  name: string;
  description: string;
  /** Tier every object is written to when it first appears. */
  ingestTier: string;
  /** $ charged per second an access waits (the placement optimiser's latency penalty). */
  latencyPenaltyPerSecond: number;
  /** Fastest first, as in the service's configuration. */
  tiers: TierProfile[];
  /** Where the figures come from and when they were read. */
  sources?: string[];
}

export { emptyCostParts, totalOf, type CostParts } from '../domain/cost-model.js';

/** One request as the replay hands it to policies: objects are dense indexes, times in ms of (scaled) trace time. */
export interface SimAccess {
  object: number;
  at: number;
  sizeBytes: number;
  op: TraceOp;
  /** True on the object's first request: it is written into the ingest tier, not read. */
  created: boolean;
}

/** A sample of a policy's running state, for the report's charts. */
export interface TimelinePoint {
  at: number;
  cumulativeCostUsd: number;
  /** Bytes held per tier (in profile order). */
  bytesPerTier: number[];
}

/** What one policy did over the whole trace. */
export interface PolicyResult {
  name: string;
  /** One line on what the policy is. */
  description: string;
  costs: CostParts;
  totalCostUsd: number;
  /** totalCostUsd / the `optimal` policy's cost (filled in once every policy is done). */
  regret: number | null;
  /** Reads and writes after creation. */
  accesses: number;
  meanLatencyMs: number;
  p99LatencyMs: number;
  /** Share of accesses served by the fastest tier, 0..1. */
  fastestTierShare: number;
  migrations: number;
  bytesMoved: number;
  /** Empty for the offline optima, whose path is only known at the end. */
  timeline: TimelinePoint[];
}
