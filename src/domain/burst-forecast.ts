import type { ObjectPrices } from './cost-model.js';

/**
 * The proactive half: an object whose bursts of accesses start at a steady period (a daily
 * report, a weekly batch) is forecast to start its next burst one period after the last,
 * and is moved to the tier that burst is cheapest in shortly before it begins, instead of
 * serving its first reads from a slow tier and paying the break-even again every time.
 *
 * A burst starts with an access after at least BURST_GAP_MS of quiet. The period is
 * trusted only when the last two periods agree within PERIOD_TOLERANCE, so a forecast needs
 * three bursts and is dropped as soon as the rhythm breaks.
 */

export const BURST_GAP_MS = 3_600_000;
/** Relative disagreement allowed between the last two periods. */
export const PERIOD_TOLERANCE = 0.05;
/** How long before the forecast start the object is moved (a share of the period, at most an hour). */
export const LEAD_SHARE = 0.02;

/** Burst starts of one object, newest last (NaN: none yet), and accesses in its last complete and current burst. */
export interface BurstState {
  starts: [number, number, number];
  lastBurstAccesses: number;
  currentBurstAccesses: number;
}

export function emptyBurstState(): BurstState {
  return { starts: [NaN, NaN, NaN], lastBurstAccesses: 0, currentBurstAccesses: 0 };
}

/** Records `count` accesses at `at` of an object last accessed at `previousAccessAt` (NaN: never). */
export function recordBurstAccess(state: BurstState, at: number, previousAccessAt: number, count = 1): void {
  if (!(at - previousAccessAt < BURST_GAP_MS)) {
    state.starts[0] = state.starts[1];
    state.starts[1] = state.starts[2];
    state.starts[2] = at;
    if (state.currentBurstAccesses > 0) state.lastBurstAccesses = state.currentBurstAccesses;
    state.currentBurstAccesses = 0;
  }
  state.currentBurstAccesses += count;
}

/** When the next burst is forecast to start, or undefined when the object has no steady rhythm. */
export function nextBurstAt(state: BurstState): number | undefined {
  const [b0, b1, b2] = state.starts;
  const p1 = b1 - b0;
  const p2 = b2 - b1;
  if (!(p1 > 0 && p2 > 0)) return undefined;
  if (Math.abs(p2 - p1) > PERIOD_TOLERANCE * Math.max(p1, p2)) return undefined;
  return b2 + (p1 + p2) / 2;
}

/** When to act on a forecast burst: a little before it. */
export function leadTimeMs(state: BurstState): number {
  const [, b1, b2] = state.starts;
  return Math.min(BURST_GAP_MS, LEAD_SHARE * (b2 - b1));
}

/**
 * The tier to hold the object in for its forecast burst: the one where the burst (as many
 * reads as the last complete one) plus getting there and back costs least, compared with
 * serving it where the object is. Returns `current` when no move pays.
 */
export function tierForBurst(prices: ObjectPrices, current: number, state: BurstState): number {
  const t = prices.tierCount;
  const reads = state.lastBurstAccesses;
  if (reads <= 0) return current;
  let best = current;
  let bestCost = reads * prices.read[current]!;
  for (let s = 0; s < t; s++) {
    if (s === current) continue;
    // There for the burst, and back after it (the break-even rule brings it back if it stays quiet).
    const cost = reads * prices.read[s]! + prices.move[current * t + s]! + prices.move[s * t + current]!;
    if (cost < bestCost) {
      best = s;
      bestCost = cost;
    }
  }
  return best;
}
