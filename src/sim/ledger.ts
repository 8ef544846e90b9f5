import type { TierProfile } from '../domain/tier.js';
import { Growable } from './growable.js';
import { LatencyStats } from './latency-stats.js';
import { emptyCostParts, totalOf, type CostParts, type PolicyResult, type SimAccess, type SimProfile, type TimelinePoint } from './model.js';
import { chargeAccess, creationCost, moveCost, storageRatePerMs } from '../domain/cost-model.js';

/**
 * One online policy's bill and placement: where every object is, what that has cost so far,
 * and how accesses were served. Storage accrues exactly: the ledger keeps the bytes held
 * per tier and settles storage at the running rate whenever a placement changes.
 */
export class PolicyLedger {
  readonly costs: CostParts = emptyCostParts();
  readonly latency = new LatencyStats();
  private readonly tierOf = new Growable(Uint8Array);
  private readonly sizes = new Growable(Float64Array);
  private readonly bytesPerTier: Float64Array;
  /** $ per ms of the bytes currently held, Σ bytes × price. */
  private storageRatePerMs = 0;
  private accruedUntil = -Infinity;
  private fastestHits = 0;
  accesses = 0;
  migrations = 0;
  bytesMoved = 0;
  readonly timeline: TimelinePoint[] = [];

  constructor(
    readonly tiers: readonly TierProfile[],
    private readonly penaltyPerSecond: number,
  ) {
    this.bytesPerTier = new Float64Array(tiers.length);
  }

  tierIndexOf(object: number): number {
    return this.tierOf.array[object]!;
  }

  sizeOf(object: number): number {
    return this.sizes.array[object]!;
  }

  /** Settles storage up to `now`; every change of placement calls this first. */
  accrue(now: number): void {
    if (now > this.accruedUntil) {
      if (this.accruedUntil !== -Infinity) this.costs.storage += this.storageRatePerMs * (now - this.accruedUntil);
      this.accruedUntil = now;
    }
  }

  /** The object's first request: written into `tier`. */
  create(access: SimAccess, tier: number): void {
    this.accrue(access.at);
    this.tierOf.ensure(access.object)[access.object] = tier;
    this.sizes.ensure(access.object)[access.object] = access.sizeBytes;
    this.costs.requests += creationCost(this.tiers[tier]!);
    this.hold(tier, access.sizeBytes, 1);
  }

  /** A later request, served from wherever the object is now. */
  serve(access: SimAccess): void {
    const tier = this.tierOf.array[access.object]!;
    const latencyMs = chargeAccess(this.costs, this.tiers[tier]!, access.sizeBytes, access.op, this.penaltyPerSecond);
    this.latency.add(latencyMs);
    this.accesses++;
    if (tier === 0) this.fastestHits++;
  }

  /** Moves the object to `tier` at `now` (no-op if it is there already). */
  move(object: number, tier: number, now: number): void {
    const from = this.tierOf.array[object]!;
    if (from === tier) return;
    const size = this.sizes.array[object]!;
    this.accrue(now);
    this.costs.migrations += moveCost(this.tiers[from]!, this.tiers[tier]!, size);
    this.migrations++;
    this.bytesMoved += size;
    this.hold(from, size, -1);
    this.hold(tier, size, 1);
    this.tierOf.array[object] = tier;
  }

  /** Appends a chart sample at `now`. */
  sample(now: number): void {
    this.accrue(now);
    this.timeline.push({ at: now, cumulativeCostUsd: totalOf(this.costs), bytesPerTier: Array.from(this.bytesPerTier) });
  }

  result(name: string, description: string, endAt: number): PolicyResult {
    this.accrue(endAt);
    return {
      name,
      description,
      costs: { ...this.costs },
      totalCostUsd: totalOf(this.costs),
      regret: null,
      accesses: this.accesses,
      meanLatencyMs: this.latency.mean(),
      p99LatencyMs: this.latency.quantile(0.99),
      fastestTierShare: this.accesses === 0 ? 0 : this.fastestHits / this.accesses,
      migrations: this.migrations,
      bytesMoved: this.bytesMoved,
      timeline: this.timeline,
    };
  }

  /** Adds (sign 1) or removes (-1) an object's bytes and storage rate in `tier`. */
  private hold(tier: number, bytes: number, sign: 1 | -1): void {
    this.bytesPerTier[tier]! += sign * bytes;
    this.storageRatePerMs += sign * storageRatePerMs(this.tiers[tier]!, bytes);
  }
}

export function profileTierIndex(profile: SimProfile, name: string): number {
  const index = profile.tiers.findIndex((t) => t.name === name);
  if (index < 0) throw new Error(`profile '${profile.name}' has no tier '${name}'`);
  return index;
}
