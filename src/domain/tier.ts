/**
 * A storage tier's price/performance profile. Tiers are configured as an ordered list,
 * fastest first; a tier's position in that list is its rank (0 = fastest).
 */
export interface TierPricing {
  /** $ per GB-month stored. */
  storageGbMonth: number;
  /** $ per 1,000 GET requests. */
  getPer1000: number;
  /** $ per 1,000 PUT/COPY requests. */
  putPer1000: number;
  /** $ per GB read out of the tier (retrieval or egress). */
  retrievalPerGb: number;
  /** Storage is billed for at least this many bytes per object (S3 Standard-IA, Glacier IR: 131072). Default 0. */
  minBillableBytes?: number;
}

export interface TierLatency {
  /** Time to first byte, milliseconds. */
  firstByteMs: number;
  /** Transfer time per MiB, milliseconds. */
  perMbMs: number;
}

export interface TierProfile {
  name: string;
  pricing: TierPricing;
  latency: TierLatency;
  /**
   * Reactive promotion threshold: accesses within the spike window that put an object
   * into this tier at once. The slowest tier has 0.
   */
  promoteAt: number;
}

export const BYTES_PER_GB = 1024 ** 3;

/** Rank of a tier in the fastest-first order; throws on an unknown name. */
export function tierRank(tiers: readonly TierProfile[], name: string): number {
  const rank = tiers.findIndex((t) => t.name === name);
  if (rank < 0) throw new Error(`unknown tier '${name}'`);
  return rank;
}

/** Expected latency of one whole-object read, milliseconds. */
export function readLatencyMs(tier: TierProfile, sizeBytes: number): number {
  return tier.latency.firstByteMs + (tier.latency.perMbMs * sizeBytes) / (1024 * 1024);
}
