import type { TierProfile } from '../domain/tier.js';
import { emptyCostParts } from './model.js';
import { chargeAccess, moveCost, storageCost } from '../domain/cost-model.js';

/** A size and a duration that are powers of two, so scaling the sampled fees back is exact. */
const PROBE_BYTES = 2 ** 40;
const PROBE_MS = 2 ** 30;

/**
 * The cost model's fees as fixed + per-byte parts, for pricing millions of steps of the
 * offline optimum without calling the cost-model functions (and their divisions) for every
 * object size. The parts are read once from those functions, and the constructor checks
 * that they really are affine in the size (and storage linear in time), so a change of the
 * cost model that breaks this fails loudly instead of skewing the optimum.
 */
export class SizePrices {
  readonly tierCount: number;
  /** move a → c = moveFixed[a*T+c] + movePerByte[a*T+c] × size ($); 0 on the diagonal. */
  readonly moveFixed: Float64Array;
  readonly movePerByte: Float64Array;
  /** Storage in tier c = storagePerByteMs[c] × size × ms ($). */
  readonly storagePerByteMs: Float64Array;
  /** Storage is billed for at least this many bytes (a tier's minimum billable size). */
  readonly minBillableBytes: Float64Array;
  /** A read (or any op other than a write) served by tier b = readFixed[b] + readPerByte[b] × size ($). */
  readonly readFixed: Float64Array;
  readonly readPerByte: Float64Array;
  /** A write served by tier b ($): a PUT and its first byte, whatever the size. */
  readonly writeFixed: Float64Array;
  readonly writePerByte: Float64Array;

  constructor(tiers: readonly TierProfile[], penaltyPerSecond: number) {
    const t = tiers.length;
    this.tierCount = t;
    this.moveFixed = new Float64Array(t * t);
    this.movePerByte = new Float64Array(t * t);
    this.storagePerByteMs = new Float64Array(t);
    this.minBillableBytes = new Float64Array(t);
    this.readFixed = new Float64Array(t);
    this.readPerByte = new Float64Array(t);
    this.writeFixed = new Float64Array(t);
    this.writePerByte = new Float64Array(t);
    const access = (tier: TierProfile, op: 'read' | 'write', size: number) => {
      const parts = emptyCostParts();
      chargeAccess(parts, tier, size, op, penaltyPerSecond);
      return parts.requests + parts.retrieval + parts.latencyPenalty;
    };
    for (let a = 0; a < t; a++) {
      const tier = tiers[a]!;
      for (let c = 0; c < t; c++) {
        if (a === c) continue;
        const to = tiers[c]!;
        [this.moveFixed[a * t + c], this.movePerByte[a * t + c]] = affine(`migration ${tier.name} → ${to.name}`, (size) => moveCost(tier, to, size));
      }
      [this.readFixed[a], this.readPerByte[a]] = affine(`read from ${tier.name}`, (size) => access(tier, 'read', size));
      [this.writeFixed[a], this.writePerByte[a]] = affine(`write to ${tier.name}`, (size) => access(tier, 'write', size));
      const perByteMs = storageCost(tier, PROBE_BYTES, PROBE_MS) / (PROBE_BYTES * PROBE_MS);
      expectClose(`storage in ${tier.name}`, storageCost(tier, 3e9, 7e7), perByteMs * 3e9 * 7e7);
      this.storagePerByteMs[a] = perByteMs;
      this.minBillableBytes[a] = tier.pricing.minBillableBytes ?? 0;
    }
  }
}

/** [fixed, perByte] of a fee that must be affine in the size. */
function affine(what: string, fee: (size: number) => number): [number, number] {
  const fixed = fee(0);
  const perByte = (fee(PROBE_BYTES) - fixed) / PROBE_BYTES;
  expectClose(what, fee(123_456_789), fixed + perByte * 123_456_789);
  return [fixed, perByte];
}

function expectClose(what: string, actual: number, affine: number): void {
  if (!(Math.abs(actual - affine) <= 1e-9 * Math.max(Math.abs(actual), 1e-300))) {
    throw new Error(`the offline optimum needs fees affine in the object's size; ${what} is not (${actual} vs ${affine})`);
  }
}
