import { moveCost } from '../domain/placement.js';
import { BYTES_PER_GB, readLatencyMs, type TierProfile } from '../domain/tier.js';
import type { CostParts } from './model.js';
import type { TraceOp } from './trace-record.js';

/** The cost model every simulated policy and the offline optima are charged by. */
export const MS_PER_MONTH = 730 * 3_600_000;

/** Storage of `sizeBytes` in `tier` for `ms` milliseconds, $. */
export function storageCost(tier: TierProfile, sizeBytes: number, ms: number): number {
  return (tier.pricing.storageGbMonth * sizeBytes * ms) / (BYTES_PER_GB * MS_PER_MONTH);
}

/** $ per millisecond that `sizeBytes` costs to keep in `tier` (for linear cost over gaps). */
export function storageRatePerMs(tier: TierProfile, sizeBytes: number): number {
  return (tier.pricing.storageGbMonth * sizeBytes) / (BYTES_PER_GB * MS_PER_MONTH);
}

/**
 * Adds one access served by `tier` to `into`: a read pays a GET, the bytes read out
 * (retrieval or egress) and the latency penalty; a write pays a PUT and the penalty of its
 * first byte. Returns the access's latency in ms.
 */
export function chargeAccess(into: CostParts, tier: TierProfile, sizeBytes: number, op: TraceOp, penaltyPerSecond: number): number {
  const latencyMs = op === 'write' ? tier.latency.firstByteMs : readLatencyMs(tier, sizeBytes);
  if (op === 'write') into.requests += tier.pricing.putPer1000 / 1000;
  else {
    into.requests += tier.pricing.getPer1000 / 1000;
    into.retrieval += (tier.pricing.retrievalPerGb * sizeBytes) / BYTES_PER_GB;
  }
  into.latencyPenalty += (latencyMs * penaltyPerSecond) / 1000;
  return latencyMs;
}

/** The object's creation: one PUT into the ingest tier (the same for every policy). */
export function creationCost(tier: TierProfile): number {
  return tier.pricing.putPer1000 / 1000;
}

/** A migration: read out of `from` once and write into `to` (the service's placement figure). */
export function migrationCost(from: TierProfile, to: TierProfile, sizeBytes: number): number {
  return moveCost(from, to, sizeBytes);
}
