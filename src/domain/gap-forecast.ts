import type { ObjectPrices } from './cost-model.js';

/**
 * An object's own forecast of its next idle gap, and how much the placement rule may trust
 * it. The forecast is the geometric mean of its recent gaps between accesses (an
 * exponentially weighted mean of their logarithms), so one long pause or one burst moves it
 * without taking it over.
 *
 * Learning-augmented rent-or-buy (Purohit, Svitkina, Kumar, NeurIPS 2018): when the forecast
 * says the move will pay (the next access is due before holding the faster tier stops paying
 * for a promotion; after it, for a demotion), the rule moves once it has paid TRUSTED_SHARE of
 * the break-even instead of all of it; otherwise it waits for the full break-even. A wrong
 * forecast therefore costs at most a bounded multiple of the plain rule, and a right one
 * saves most of the waiting.
 */

/** Weight of the newest gap in the running mean of log gaps. */
export const GAP_SMOOTHING = 0.3;
/** Gaps seen before the forecast is used: one gap is an anecdote. */
export const MIN_GAPS = 2;
/**
 * The work-function threshold a trusted forecast sets, on the rule's scale from −1 (move at
 * once) to 1 (the full break-even): 0 is halfway, λ = 1/2 in the learning-augmented bound.
 */
export const TRUSTED_THRESHOLD = 0;

/** Folds one observed gap into the running state; returns the new mean of log gaps. */
export function foldGap(meanLogGap: number, gapsSeen: number, gapMs: number): number {
  const x = Math.log(Math.max(gapMs, 1));
  return gapsSeen === 0 ? x : meanLogGap + GAP_SMOOTHING * (x - meanLogGap);
}

/** The forecast next gap, ms, or undefined while there is too little own history. */
export function predictedGapMs(meanLogGap: number, gapsSeen: number): number | undefined {
  return gapsSeen >= MIN_GAPS ? Math.exp(meanLogGap) : undefined;
}

/**
 * Idle time after which holding the faster of tiers a and c stops paying: the storage it
 * costs more equals a switch there and back (which includes the read the slower tier
 * would serve late). Infinity when the two store at the same price.
 */
export function holdBreakEvenMs(prices: ObjectPrices, a: number, c: number): number {
  const t = prices.tierCount;
  const storageDiff = Math.abs(prices.storagePerMs[a]! - prices.storagePerMs[c]!);
  return storageDiff > 0 ? (2 * prices.switchCost[a * t + c]!) / storageDiff : Infinity;
}

/** The threshold `decide` uses for a move from `current` to `target` given the forecast gap (1 without one). */
export function trustedThreshold(prices: ObjectPrices, current: number, target: number, gapMs: number | undefined): number {
  if (gapMs === undefined) return 1;
  const warmFor = holdBreakEvenMs(prices, current, target);
  const promotion = prices.storagePerMs[target]! > prices.storagePerMs[current]!;
  const forecastAgrees = promotion ? gapMs < warmFor : gapMs > warmFor;
  return forecastAgrees ? TRUSTED_THRESHOLD : 1;
}

/** Fills `into` with the threshold for a move from `current` to each tier (what `decide` and `breakEvenDelayMs` take). */
export function trustThresholds(into: Float64Array, prices: ObjectPrices, current: number, gapMs: number | undefined): Float64Array {
  for (let s = 0; s < prices.tierCount; s++) into[s] = s === current ? 1 : trustedThreshold(prices, current, s, gapMs);
  return into;
}
