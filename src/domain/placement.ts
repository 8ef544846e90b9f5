import { moveCost } from './cost-model.js';
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

/** Requests, retrieval and latency of `accesses` whole reads of `sizeBytes` from `tier`, $. */
function accessCosts(tier: TierProfile, sizeBytes: number, accesses: number, penaltyPerSecond: number) {
  return {
    requests: (accesses * tier.pricing.getPer1000) / 1000,
    retrieval: accesses * tier.pricing.retrievalPerGb * (sizeBytes / BYTES_PER_GB),
    latencyPenalty: (accesses * readLatencyMs(tier, sizeBytes) * penaltyPerSecond) / 1000,
  };
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
  const storage = tier.pricing.storageGbMonth * (sizeBytes / BYTES_PER_GB) * (window.windowHours / HOURS_PER_MONTH);
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

/** Where a new object should be written: the tier with the least expected cost, its first write included. */
export interface IngestPlacement {
  tier: string;
  windowHours: number;
  expectedAccesses: number;
  /** `move` holds each tier's PUT fee: the write that creates the object there. */
  costs: TierCost[];
}

/**
 * Picks the tier a new object is written to from a forecast of its accesses (for a
 * newcomer, what its group's objects get): the configured ingest tier, or a faster one
 * when that is cheaper over the same window as planPlacement, each tier's first write in
 * place of a move. Without demand (under one access expected in the window) the object
 * lands in the ingest tier, as configured.
 */
export function planIngestPlacement(
  tiers: readonly TierProfile[],
  ingestTier: string,
  sizeBytes: number,
  forecast: { accesses: number; horizonHours: number },
  settings: PlacementSettings,
): IngestPlacement {
  const ingestRank = tiers.findIndex((t) => t.name === ingestTier);
  if (ingestRank < 0) throw new Error(`unknown tier '${ingestTier}'`);
  const window = planningWindow(forecast, settings);
  const costs = tiers.slice(0, ingestRank + 1).map((tier) => tierCost(tier, sizeBytes, window, tier.pricing.putPer1000 / 1000, settings.latencyPenaltyPerSecond));
  // "Under one access": the window is the expected gap, so one access is exactly 1, give or take rounding.
  const noDemand = window.expectedAccesses < 1 - 1e-9;
  const best = noDemand ? costs[ingestRank]! : costs.reduce((a, b) => (b.total < a.total ? b : a));
  return { tier: best.tier, ...window, costs };
}
