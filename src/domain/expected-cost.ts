import type { ObjectPrices } from './cost-model.js';

/** One tier's expected cost over a window for a forecast of accesses, $. */
export interface ExpectedTierCost {
  tier: number;
  storage: number;
  /** Requests, retrieval or egress and latency penalty of the expected reads. */
  accesses: number;
  /** Getting there: a move from the current tier, or the first write of a new object. */
  entry: number;
  total: number;
}

/**
 * Expected cost of holding the object in each tier for `windowMs` while it gets
 * `expectedReads` reads, entered from tier `from` (-1: a new object, written there). Reads
 * cost is linear in their number, so the mean of a forecast is all this needs.
 */
export function expectedCosts(prices: ObjectPrices, from: number, expectedReads: number, windowMs: number): ExpectedTierCost[] {
  const t = prices.tierCount;
  const costs: ExpectedTierCost[] = [];
  for (let s = 0; s < t; s++) {
    const storage = prices.storagePerMs[s]! * windowMs;
    const accesses = expectedReads * prices.read[s]!;
    const entry = from < 0 ? prices.create[s]! : prices.move[from * t + s]!;
    costs.push({ tier: s, storage, accesses, entry, total: storage + accesses + entry });
  }
  return costs;
}

/** The tier of least expected cost (the faster one on a tie). */
export function cheapestTier(costs: readonly ExpectedTierCost[]): number {
  let best = costs[0]!;
  for (const c of costs) if (c.total < best.total * (1 - 1e-12)) best = c;
  return best.tier;
}

/**
 * Where a new object is written: the tier of least expected cost over the window, its first
 * write included, for the `expectedReads` a newcomer of its group gets. With no evidence at
 * all (undefined), the choice whose worst regret is least between the two cases that
 * matter, never read in the window or read once (Savage's minimax regret: a decision
 * without a prior).
 */
export function ingestTierFor(prices: ObjectPrices, expectedReads: number | undefined, windowMs: number): number {
  if (expectedReads !== undefined) return cheapestTier(expectedCosts(prices, -1, expectedReads, windowMs));
  const unread = expectedCosts(prices, -1, 0, windowMs);
  const readOnce = expectedCosts(prices, -1, 1, windowMs);
  const best = (costs: ExpectedTierCost[]) => Math.min(...costs.map((c) => c.total));
  const [bestUnread, bestReadOnce] = [best(unread), best(readOnce)];
  let choice = 0;
  let choiceRegret = Infinity;
  for (let s = 0; s < prices.tierCount; s++) {
    const regret = Math.max(unread[s]!.total - bestUnread, readOnce[s]!.total - bestReadOnce);
    if (regret < choiceRegret * (1 - 1e-12)) {
      choice = s;
      choiceRegret = regret;
    }
  }
  return choice;
}
