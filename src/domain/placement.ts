import { chargeAccess, moveCost, storageCost } from './cost-model.js';
import type { TierProfile } from './tier.js';

/** Economic settings of cost-based placement. */
export interface PlacementSettings {
  /** $ charged per second of latency an access waits (what slowness is worth to the user). */
  latencyPenaltyPerSecond: number;
  /** A move must save at least its own cost × (1 + moveMargin) over the window. */
  moveMargin: number;
  /** Longest window a quiet object is planned over, hours (its expected gap to the next access). */
  maxPlanningHours: number;
  /**
   * No demotion of an object accessed more recently than this, ms: an object in use right
   * now is hot whatever an hour-grained forecast says (at the first minutes of a daily
   * peak, the 24 h window has just lost yesterday's peak hour). Default 0.
   */
  minIdleMsBeforeDemotion?: number;
}

/** Expected cost of keeping the object in one tier over the planning window, $. */
export interface TierCost {
  tier: string;
  storage: number;
  requests: number;
  retrieval: number;
  latencyPenalty: number;
  /** One-off cost of moving there from the current tier (0 for the current tier). */
  move: number;
  total: number;
}

export interface PlacementDecision {
  currentTier: string;
  bestTier: string;
  /** Whether moving to bestTier pays for itself with the margin. */
  move: boolean;
  /** Hours the costs cover. */
  windowHours: number;
  /** Accesses expected within the window. */
  expectedAccesses: number;
  costs: TierCost[];
  /** Cost of staying minus cost of the best tier (move included), $. */
  saving: number;
}

/** Requests, retrieval and latency of `accesses` whole reads of `sizeBytes` from `tier`, $ (the cost model's read, times the count). */
function accessCosts(tier: TierProfile, sizeBytes: number, accesses: number, penaltyPerSecond: number) {
  const one = { requests: 0, retrieval: 0, latencyPenalty: 0 };
  chargeAccess(one, tier, sizeBytes, 'read', penaltyPerSecond);
  return { requests: accesses * one.requests, retrieval: accesses * one.retrieval, latencyPenalty: accesses * one.latencyPenalty };
}

export { moveCost };

/** The hours a forecast is costed over and the accesses expected within them (see planPlacement). */
function planningWindow(forecast: { accesses: number; horizonHours: number }, settings: PlacementSettings): { windowHours: number; expectedAccesses: number } {
  const rate = Math.max(0, forecast.accesses) / forecast.horizonHours;
  const gapHours = rate > 0 ? 1 / rate : Infinity;
  const windowHours = Math.max(forecast.horizonHours, Math.min(settings.maxPlanningHours, gapHours));
  return { windowHours, expectedAccesses: rate * windowHours };
}

/** One tier's expected cost over the window, plus a one-off `move` (a migration, or the first write). */
function tierCost(tier: TierProfile, sizeBytes: number, window: { windowHours: number; expectedAccesses: number }, move: number, penaltyPerSecond: number): TierCost {
  const access = accessCosts(tier, sizeBytes, window.expectedAccesses, penaltyPerSecond);
  const storage = storageCost(tier, sizeBytes, window.windowHours * 3_600_000);
  return { tier: tier.name, storage, ...access, move, total: storage + access.requests + access.retrieval + access.latencyPenalty + move };
}

/**
 * Picks the tier with the least expected cost for an object forecast to get
 * `predictedAccesses` in the next `horizonHours`: storage over the window, requests,
 * retrieval or egress and the latency penalty per expected access, plus the one-off move.
 * A busy object is planned over the horizon; a quiet one (under one access per horizon)
 * over its expected gap to the next access, up to maxPlanningHours, so that a cold object
 * is demoted as soon as the forecast puts its next access beyond the break-even time of
 * the move, instead of after a fixed idle period.
 */
export function planPlacement(
  tiers: readonly TierProfile[],
  object: { currentTier: string; sizeBytes: number; /** ms since its last access, if known */ idleMs?: number },
  forecast: { accesses: number; horizonHours: number },
  settings: PlacementSettings,
): PlacementDecision {
  const current = tiers.find((t) => t.name === object.currentTier);
  if (!current) throw new Error(`unknown tier '${object.currentTier}'`);
  const window = planningWindow(forecast, settings);
  const costs = tiers.map((tier) =>
    tierCost(tier, object.sizeBytes, window, tier.name === current.name ? 0 : moveCost(current, tier, object.sizeBytes), settings.latencyPenaltyPerSecond),
  );
  const stay = costs.find((c) => c.tier === current.name)!;
  const best = costs.reduce((a, b) => (b.total < a.total ? b : a));
  const saving = stay.total - best.total;
  // costs are in tier order, so an index in one is the rank in the other.
  const demotion = costs.indexOf(best) > tiers.indexOf(current);
  const inUse = demotion && object.idleMs !== undefined && object.idleMs < (settings.minIdleMsBeforeDemotion ?? 0);
  const worthIt = best.tier !== current.name && saving > best.move * settings.moveMargin && !inUse;
  return { currentTier: current.name, bestTier: worthIt ? best.tier : current.name, move: worthIt, ...window, costs, saving: worthIt ? saving : 0 };
}
