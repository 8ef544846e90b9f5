import { BYTES_PER_GB, type TierProfile } from './tier.js';
import type { TierUsage } from '../catalog/catalog.js';
import { monthlyStorageCost } from './cost-model.js';

export { monthlyStorageCost };

export interface CostEstimate {
  /** Σ storage cost per month over every tier, $. */
  totalUsd: number;
  perTierUsd: Record<string, number>;
  /** What the same bytes would cost per month all in the fastest and all in the cheapest tier. */
  allInFastestUsd: number;
  allInCheapestUsd: number;
}

/** Monthly storage cost of what each tier holds now. */
export function estimateMonthlyCost(tiers: readonly TierProfile[], usage: readonly TierUsage[]): CostEstimate {
  const perTierUsd: Record<string, number> = {};
  let totalBytes = 0;
  for (const tier of tiers) {
    const bytes = usage.find((u) => u.tier === tier.name)?.bytes ?? 0;
    totalBytes += bytes;
    perTierUsd[tier.name] = monthlyStorageCost(tier, bytes);
  }
  const prices = tiers.map((t) => t.pricing.storageGbMonth);
  return {
    totalUsd: Object.values(perTierUsd).reduce((a, b) => a + b, 0),
    perTierUsd,
    allInFastestUsd: monthlyStorageCost(tiers[0]!, totalBytes),
    allInCheapestUsd: (totalBytes / BYTES_PER_GB) * Math.min(...prices),
  };
}
