import { BYTES_PER_GB, readLatencyMs, type TierProfile } from './tier.js';

/**
 * The one cost model: every price the service decides by, the simulator charges and the
 * offline optimum minimises comes from these functions. Times are milliseconds, money $.
 */

export const HOURS_PER_MONTH = 730;
export const MS_PER_MONTH = HOURS_PER_MONTH * 3_600_000;

/** 'other' (a trace's metadata request) is charged as a read. */
export type AccessOp = 'read' | 'write' | 'other';

/** The parts a bill is split into, $. */
export interface CostParts {
  storage: number;
  requests: number;
  retrieval: number;
  migrations: number;
  latencyPenalty: number;
}

export function emptyCostParts(): CostParts {
  return { storage: 0, requests: 0, retrieval: 0, migrations: 0, latencyPenalty: 0 };
}

export function totalOf(parts: CostParts): number {
  return parts.storage + parts.requests + parts.retrieval + parts.migrations + parts.latencyPenalty;
}

/** Bytes a tier bills storage for: small objects are billed as its minimum size (S3 Standard-IA, Glacier IR: 128 KiB). */
export function billableBytes(tier: TierProfile, sizeBytes: number): number {
  return Math.max(sizeBytes, tier.pricing.minBillableBytes ?? 0);
}

/** $ per millisecond that an object of `sizeBytes` costs to keep in `tier`. */
export function storageRatePerMs(tier: TierProfile, sizeBytes: number): number {
  return (tier.pricing.storageGbMonth * billableBytes(tier, sizeBytes)) / (BYTES_PER_GB * MS_PER_MONTH);
}

/** Storage of `sizeBytes` in `tier` for `ms` milliseconds, $. */
export function storageCost(tier: TierProfile, sizeBytes: number, ms: number): number {
  return storageRatePerMs(tier, sizeBytes) * ms;
}

/** Storage cost of `bytes` in `tier` for one month, $ (the dashboard's figure: no minimum size per object). */
export function monthlyStorageCost(tier: TierProfile, bytes: number): number {
  return (bytes / BYTES_PER_GB) * tier.pricing.storageGbMonth;
}

/**
 * Adds one access served by `tier` to `into`: a read pays a GET, the bytes read out
 * (retrieval or egress) and the latency penalty; a write pays a PUT and the penalty of its
 * first byte. Returns the access's latency in ms.
 */
export function chargeAccess(into: Pick<CostParts, 'requests' | 'retrieval' | 'latencyPenalty'>, tier: TierProfile, sizeBytes: number, op: AccessOp, penaltyPerSecond: number): number {
  const latencyMs = op === 'write' ? tier.latency.firstByteMs : readLatencyMs(tier, sizeBytes);
  if (op === 'write') into.requests += tier.pricing.putPer1000 / 1000;
  else {
    into.requests += tier.pricing.getPer1000 / 1000;
    into.retrieval += (tier.pricing.retrievalPerGb * sizeBytes) / BYTES_PER_GB;
  }
  into.latencyPenalty += (latencyMs * penaltyPerSecond) / 1000;
  return latencyMs;
}

/** Everything one access served by `tier` costs, $. */
export function accessCost(tier: TierProfile, sizeBytes: number, op: AccessOp, penaltyPerSecond: number): number {
  const parts = { requests: 0, retrieval: 0, latencyPenalty: 0 };
  chargeAccess(parts, tier, sizeBytes, op, penaltyPerSecond);
  return parts.requests + parts.retrieval + parts.latencyPenalty;
}

/** Writing a new object into `tier`: one PUT. */
export function creationCost(tier: TierProfile): number {
  return tier.pricing.putPer1000 / 1000;
}

/** A migration: reading the object out of `from` once and writing it into `to`, $. */
export function moveCost(from: TierProfile, to: TierProfile, sizeBytes: number): number {
  if (from === to) return 0;
  return from.pricing.getPer1000 / 1000 + (from.pricing.retrievalPerGb * sizeBytes) / BYTES_PER_GB + to.pricing.putPer1000 / 1000;
}

/**
 * All of one object's prices at its size, for deciding many times without re-deriving
 * them: storage per ms, an access per op, and every move (real and symmetrised).
 */
export class ObjectPrices {
  readonly tierCount: number;
  readonly storagePerMs: Float64Array;
  readonly read: Float64Array;
  readonly write: Float64Array;
  readonly create: Float64Array;
  /** move[a*T+c], $; 0 on the diagonal. */
  readonly move: Float64Array;
  /**
   * Half a round trip, (move a→c + move c→a) / 2. Any schedule that ends where it began
   * pays the same in either, so a policy that reasons on this symmetric metric (as the
   * work-function rule needs) prices every cycle of moves exactly.
   */
  readonly roundTripHalf: Float64Array;
  /**
   * What the online rule charges for switching between a and c: half a round trip, plus
   * half the difference of one read. An online policy moves after an access, never just
   * before one, so leaving a tier also stakes the next read being served by the other;
   * without this term, tiers that move for free would look interchangeable.
   */
  readonly switchCost: Float64Array;

  constructor(
    readonly tiers: readonly TierProfile[],
    readonly sizeBytes: number,
    penaltyPerSecond: number,
  ) {
    const t = tiers.length;
    this.tierCount = t;
    this.storagePerMs = new Float64Array(t);
    this.read = new Float64Array(t);
    this.write = new Float64Array(t);
    this.create = new Float64Array(t);
    this.move = new Float64Array(t * t);
    this.roundTripHalf = new Float64Array(t * t);
    this.switchCost = new Float64Array(t * t);
    for (let a = 0; a < t; a++) {
      const tier = tiers[a]!;
      this.storagePerMs[a] = storageRatePerMs(tier, sizeBytes);
      this.read[a] = accessCost(tier, sizeBytes, 'read', penaltyPerSecond);
      this.write[a] = accessCost(tier, sizeBytes, 'write', penaltyPerSecond);
      this.create[a] = creationCost(tier);
      for (let c = 0; c < t; c++) this.move[a * t + c] = moveCost(tier, tiers[c]!, sizeBytes);
    }
    for (let a = 0; a < t; a++) {
      for (let c = 0; c < t; c++) {
        this.roundTripHalf[a * t + c] = (this.move[a * t + c]! + this.move[c * t + a]!) / 2;
        this.switchCost[a * t + c] = this.roundTripHalf[a * t + c]! + Math.abs(this.read[a]! - this.read[c]!) / 2;
      }
    }
  }
}
