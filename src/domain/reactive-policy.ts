import type { TierProfile } from './tier.js';
import { tierRank } from './tier.js';

/** Reactive policy settings; all durations in milliseconds. */
export interface ReactiveSettings {
  /** Width of the sliding window in which a spike is counted. */
  spikeWindowMs: number;
  /** How long an object's accesses must stay low before it is demoted. */
  coolingPeriodMs: number;
  /**
   * Hysteresis: an object stays in its tier while it gets at least
   * `promoteAt × demoteRatio` accesses per cooling period.
   */
  demoteRatio: number;
  /** No demotion before an object has lived this long in its current tier. */
  minResidencyMs: number;
  /** False when the proactive policy decides demotions (from forecasts, not idle time). */
  demote: boolean;
}

/** What the policy needs to know about one object; counts come from the access history. */
export interface ReactiveInput {
  currentTier: string;
  /** Accesses within the last spike window. */
  accessesInSpikeWindow: number;
  /** Accesses within the last cooling period. */
  accessesInCoolingPeriod: number;
  /** When the object arrived in its current tier, ms. */
  tierSince: number;
  now: number;
}

export type ReactiveDecision =
  | { action: 'stay'; why: string }
  | {
      action: 'promote' | 'demote';
      targetTier: string;
      reason: 'reactive_access_spike' | 'reactive_cooling';
      explanation: Record<string, unknown>;
    };

/**
 * The reactive rule, pure so that the service and the simulator share it:
 * - promote at once to the fastest tier whose `promoteAt` the spike-window count reaches;
 * - demote one tier when, after both the minimum residency and a full cooling period in
 *   the tier, the cooling-period count fell below `promoteAt × demoteRatio`.
 * Promotion needs a burst; staying needs only a trickle: that gap is the hysteresis.
 */
export function decideReactive(tiers: readonly TierProfile[], input: ReactiveInput, settings: ReactiveSettings): ReactiveDecision {
  const currentRank = tierRank(tiers, input.currentTier);
  const hotRank = tiers.findIndex((t) => input.accessesInSpikeWindow >= t.promoteAt);
  if (hotRank >= 0 && hotRank < currentRank) {
    const target = tiers[hotRank]!;
    return {
      action: 'promote',
      targetTier: target.name,
      reason: 'reactive_access_spike',
      explanation: {
        policy: 'reactive',
        accesses_in_window: input.accessesInSpikeWindow,
        window_seconds: settings.spikeWindowMs / 1000,
        threshold: target.promoteAt,
      },
    };
  }

  if (!settings.demote) return { action: 'stay', why: 'demotions are left to the proactive policy' };
  const current = tiers[currentRank]!;
  const slower = tiers[currentRank + 1];
  if (!slower) return { action: 'stay', why: 'already in the slowest tier' };
  const residencyMs = input.now - input.tierSince;
  const observeMs = Math.max(settings.minResidencyMs, settings.coolingPeriodMs);
  if (residencyMs < observeMs) {
    return { action: 'stay', why: `in ${current.name} for ${Math.round(residencyMs / 1000)} s, less than ${observeMs / 1000} s` };
  }
  const keepAbove = current.promoteAt * settings.demoteRatio;
  if (input.accessesInCoolingPeriod >= keepAbove && input.accessesInCoolingPeriod > 0) {
    return { action: 'stay', why: `${input.accessesInCoolingPeriod} accesses in the cooling period keep it in ${current.name}` };
  }
  return {
    action: 'demote',
    targetTier: slower.name,
    reason: 'reactive_cooling',
    explanation: {
      policy: 'reactive',
      accesses_in_cooling_period: input.accessesInCoolingPeriod,
      cooling_period_seconds: settings.coolingPeriodMs / 1000,
      keep_threshold: keepAbove,
      residency_seconds: Math.round(residencyMs / 1000),
    },
  };
}
