import type { ObjectPrices } from './cost-model.js';

/**
 * The rent-or-buy core of every placement decision, for any number of tiers.
 *
 * An object's work function w[s] is the least it could have cost so far (storage, every
 * access, every move) had it been placed with hindsight and ended in tier s; only the
 * differences between tiers matter, so the vector is kept with its minimum at 0. Staying in
 * tier c while some other tier s would have been cheaper is renting: w[c] − w[s] grows by
 * what c's accesses or storage cost more. A move is buying. The work-function rule
 * (Borodin, Linial, Saks; Chrobak and Larmore) moves to s once w[c] = w[s] + d(s, c): the
 * extra already paid by staying equals the move, the break-even point of ski rental. It
 * needs no forecast and is competitive against the offline optimum whatever the future
 * brings; a forecast only lets it move earlier (see `decide`'s trust).
 *
 * Moves are measured with `roundTripHalf` (half a round trip), which prices every cycle of
 * moves exactly and keeps the rule symmetric; real, one-way prices are what the bill pays.
 *
 * Pure: state in, state out; times are passed in. The service keeps w per object in its
 * catalog, the simulator in flat arrays, and both call these functions.
 */

/** Relative tolerance for "has reached break-even", so rounding never delays or flips a decision. */
const EPS = 1e-9;

/** Closes `w` under moves: w[s] = min over c of w[c] + d(c, s), then shifts it to a minimum of 0. */
export function closeUnderMoves(w: Float64Array, prices: ObjectPrices): void {
  const t = prices.tierCount;
  const d = prices.switchCost;
  // Switch costs obey the triangle inequality (a move is a read out of one tier and a write
  // into another; going through a third adds both), so one pass reaches the closure.
  for (let s = 0; s < t; s++) {
    let best = w[s]!;
    for (let c = 0; c < t; c++) {
      const via = w[c]! + d[c * t + s]!;
      if (via < best) best = via;
    }
    w[s] = best;
  }
  normalise(w, t);
}

/** The work function of a new object: written into `tier` (a fixed ingest tier), or wherever it is cheapest to create (`tier` = -1). */
export function initialWork(w: Float64Array, prices: ObjectPrices, tier: number): void {
  const t = prices.tierCount;
  for (let s = 0; s < t; s++) w[s] = tier < 0 ? prices.create[s]! : s === tier ? 0 : Infinity;
  closeUnderMoves(w, prices);
}

/** Time passes with no access: each tier's storage accrues, and the path may have moved meanwhile. */
export function idle(w: Float64Array, prices: ObjectPrices, gapMs: number): void {
  if (!(gapMs > 0)) return;
  const t = prices.tierCount;
  for (let s = 0; s < t; s++) w[s]! += prices.storagePerMs[s]! * gapMs;
  closeUnderMoves(w, prices);
}

/** `count` accesses at one instant, each served by whichever tier the path is in. */
export function serve(w: Float64Array, prices: ObjectPrices, op: 'read' | 'write', count = 1): void {
  const t = prices.tierCount;
  const fee = op === 'write' ? prices.write : prices.read;
  // After a few accesses the vector stops changing (every difference sits at a move's cost).
  const steps = Math.min(count, 64);
  for (let k = 0; k < steps; k++) {
    for (let s = 0; s < t; s++) w[s]! += fee[s]!;
    closeUnderMoves(w, prices);
  }
}

/**
 * Where the rule moves an object now in `current`: the tier s ≠ current for which
 * w[current] − w[s] has reached `trust[s]` × d(current, s), preferring the one history
 * favours most (least w[s] + d); `current` if none has. `trust` (per tier; all 1 when
 * omitted) is 1 for the plain, forecast-free rule; a confident forecast for s lowers it
 * (down to −1, "move at once"), so the object moves before it has paid the whole
 * break-even, and Infinity rules s out.
 */
export function decide(w: Float64Array, prices: ObjectPrices, current: number, trust?: Float64Array): number {
  const t = prices.tierCount;
  const d = prices.switchCost;
  let best = current;
  let bestScore = Infinity;
  for (let s = 0; s < t; s++) {
    if (s === current) continue;
    const move = d[current * t + s]!;
    const paid = w[current]! - w[s]!;
    if (paid + EPS * move < (trust ? trust[s]! : 1) * move) continue;
    // Least w[s] + d first; on a tie (within rounding), the tier history favours most (least w[s]).
    const score = w[s]! + move;
    const tie = bestScore < Infinity && Math.abs(score - bestScore) <= EPS * Math.max(score, bestScore);
    if ((score < bestScore && !tie) || (tie && w[s]! < w[best]!)) {
      bestScore = score;
      best = s;
    }
  }
  return best;
}

/**
 * Milliseconds of idleness after which `decide` (with the same trust) would move the object
 * out of `current`, or Infinity: the object's break-even timer. Within an idle gap each w[x]
 * is min over c of (w[c] + d(c, x) + storage(c) × g), piecewise linear in g, so the first
 * crossing is found exactly between the breakpoints.
 */
export function breakEvenDelayMs(w: Float64Array, prices: ObjectPrices, current: number, trust?: Float64Array): number {
  const t = prices.tierCount;
  const d = prices.switchCost;
  const rate = prices.storagePerMs;
  let earliest = Infinity;
  for (let s = 0; s < t; s++) {
    if (s === current || !(rate[s]! < rate[current]!)) continue; // only a cheaper tier to hold can catch up while idle
    const move = d[current * t + s]!;
    const threshold = trust ? trust[s]! : 1;
    if (threshold === Infinity) continue;
    const target = threshold * move - EPS * move;
    const f0 = gapAt(w, d, rate, current, s, 0, t) - target;
    if (f0 >= 0) return 0;
    // Breakpoints of either envelope (where two of its lines cross), in a reused buffer.
    let n = 0;
    for (let a = 0; a < t; a++) {
      for (let b = a + 1; b < t; b++) {
        const slope = rate[a]! - rate[b]!;
        if (slope === 0) continue;
        const g1 = (w[b]! + d[b * t + current]! - w[a]! - d[a * t + current]!) / slope;
        const g2 = (w[b]! + d[b * t + s]! - w[a]! - d[a * t + s]!) / slope;
        if (g1 > 0 && g1 < Infinity) points[n++] = g1;
        if (g2 > 0 && g2 < Infinity) points[n++] = g2;
      }
    }
    const sorted = points.subarray(0, n).sort();
    let lo = 0;
    let fLo = f0;
    let found = Infinity;
    for (let i = 0; i < n; i++) {
      const hi = sorted[i]!;
      const fHi = gapAt(w, d, rate, current, s, hi, t) - target;
      if (fHi >= 0) {
        found = lo + ((hi - lo) * -fLo) / (fHi - fLo);
        break;
      }
      lo = hi;
      fLo = fHi;
    }
    if (found === Infinity) {
      // Past the last breakpoint both envelopes are straight lines.
      const run = lo + 3_600_000;
      const slope = (gapAt(w, d, rate, current, s, lo + run, t) - target - fLo) / run;
      if (slope > 0) found = lo + -fLo / slope;
    }
    if (found < earliest) earliest = found;
  }
  return earliest;
}

/** Scratch for breakEvenDelayMs: at most two breakpoints per pair of tiers (255 tiers at most). */
const points = new Float64Array(255 * 254);

/** How much more staying in `current` has cost than being in `s`, after g idle ms. */
function gapAt(w: Float64Array, d: Float64Array, rate: Float64Array, current: number, s: number, g: number, t: number): number {
  return envelope(w, d, rate, current, g, t) - envelope(w, d, rate, s, g, t);
}

/** w[x] after g idle ms, before normalising: the cheapest way to have spent the gap and end in x. */
function envelope(w: Float64Array, d: Float64Array, rate: Float64Array, x: number, g: number, t: number): number {
  let best = Infinity;
  for (let c = 0; c < t; c++) {
    const v = w[c]! + rate[c]! * g + d[c * t + x]!;
    if (v < best) best = v;
  }
  return best;
}

function normalise(w: Float64Array, t: number): void {
  let min = Infinity;
  for (let s = 0; s < t; s++) if (w[s]! < min) min = w[s]!;
  if (min !== 0 && Number.isFinite(min)) for (let s = 0; s < t; s++) w[s]! -= min;
}

/** Accesses counted in one time bucket of an object's history. */
export interface HistoryBucket {
  bucketStart: number;
  count: number;
  /** Bucket width; a bucket that began before `since` but ends after it counts from `since`. */
  resolutionSeconds?: number;
}

/**
 * Rebuilds an object's work function from what the catalog keeps: it entered `tier` at
 * `since` (a move happens at break-even, where the tier it came from sits exactly one move
 * above, which is what a fresh start in `tier` gives), then got the bucketed accesses
 * (each taken at its bucket's start, or at `since` for the bucket it fell in), then idled
 * until `now`. Buckets must be in time order; those that ended before `since` are skipped.
 */
export function workFromHistory(w: Float64Array, prices: ObjectPrices, tier: number, since: number, buckets: readonly HistoryBucket[], now: number): void {
  initialWork(w, prices, tier);
  let at = since;
  for (const bucket of buckets) {
    if (bucket.count <= 0 || bucket.bucketStart + (bucket.resolutionSeconds ?? 0) * 1000 <= since) continue;
    const start = Math.max(bucket.bucketStart, since);
    idle(w, prices, start - at);
    serve(w, prices, 'read', bucket.count);
    at = Math.max(at, start);
  }
  idle(w, prices, now - at);
}
