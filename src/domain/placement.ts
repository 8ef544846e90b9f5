import { BYTES_PER_GB, readLatencyMs, type TierProfile } from './tier.js';

const HOURS_PER_MONTH = 730;

/** Economic settings of cost-based placement. */
export interface PlacementSettings {
  /** $ charged per second of latency an access waits (what slowness is worth to the user). */
  latencyPenaltyPerSecond: number;
  /** A move must save at least its own cost × (1 + moveMargin) over the window. */
  moveMargin: number;
  /** Longest window a quiet object is planned over, hours (its expected gap to the next access). */
  maxPlanningHours: number;
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

/** Requests, retrieval and latency of `accesses` whole reads of `sizeBytes` from `tier`, $. */
function accessCosts(tier: TierProfile, sizeBytes: number, accesses: number, penaltyPerSecond: number) {
  return {
    requests: (accesses * tier.pricing.getPer1000) / 1000,
    retrieval: accesses * tier.pricing.retrievalPerGb * (sizeBytes / BYTES_PER_GB),
    latencyPenalty: (accesses * readLatencyMs(tier, sizeBytes) * penaltyPerSecond) / 1000,
  };
}

/** Reading the object out of `from` once and writing it into `to`, $. */
export function moveCost(from: TierProfile, to: TierProfile, sizeBytes: number): number {
  return from.pricing.getPer1000 / 1000 + from.pricing.retrievalPerGb * (sizeBytes / BYTES_PER_GB) + to.pricing.putPer1000 / 1000;
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
  object: { currentTier: string; sizeBytes: number },
  forecast: { accesses: number; horizonHours: number },
  settings: PlacementSettings,
): PlacementDecision {
  const current = tiers.find((t) => t.name === object.currentTier);
  if (!current) throw new Error(`unknown tier '${object.currentTier}'`);
  const rate = Math.max(0, forecast.accesses) / forecast.horizonHours;
  const gapHours = rate > 0 ? 1 / rate : Infinity;
  const windowHours = Math.max(forecast.horizonHours, Math.min(settings.maxPlanningHours, gapHours));
  const expectedAccesses = rate * windowHours;
  const gb = object.sizeBytes / BYTES_PER_GB;
  const costs = tiers.map((tier): TierCost => {
    const access = accessCosts(tier, object.sizeBytes, expectedAccesses, settings.latencyPenaltyPerSecond);
    const storage = tier.pricing.storageGbMonth * gb * (windowHours / HOURS_PER_MONTH);
    const move = tier.name === current.name ? 0 : moveCost(current, tier, object.sizeBytes);
    return { tier: tier.name, storage, ...access, move, total: storage + access.requests + access.retrieval + access.latencyPenalty + move };
  });
  const stay = costs.find((c) => c.tier === current.name)!;
  const best = costs.reduce((a, b) => (b.total < a.total ? b : a));
  const saving = stay.total - best.total;
  const worthIt = best.tier !== current.name && saving > best.move * settings.moveMargin;
  return { currentTier: current.name, bestTier: worthIt ? best.tier : current.name, move: worthIt, windowHours, expectedAccesses, costs, saving: worthIt ? saving : 0 };
}
