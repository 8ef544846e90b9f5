import { ObjectPrices } from '../domain/cost-model.js';
import { expectedCosts, ingestTierFor } from '../domain/expected-cost.js';
import type { Logger } from '../log.js';
import type { Forecaster } from './forecaster.js';
import type { TierSet } from './tier-set.js';

/** What an upload is known by before its bytes arrive. */
export interface NewObjectDraft {
  objectId: string;
  name: string | null;
  contentType: string;
}

/**
 * Size assumed when choosing a tier before the bytes arrive: storage and transfer costs both
 * grow with size, so the choice hardly depends on it; only per-request fees do.
 */
const NOMINAL_SIZE_BYTES = 1024 * 1024;

/**
 * Chooses the tier a new object is written to (placeNewObjects) with the decision the
 * simulator replays (expected-cost.ts ingestTierFor): the tier of least expected cost over
 * the horizon for what its group's newcomers get, first write included; with nothing in
 * the catalog to learn from, the tier that is never far from the best whether the object
 * is read or not.
 */
export class IngestPlacement {
  constructor(
    private readonly forecaster: Forecaster,
    private readonly tiers: TierSet,
    private readonly log: Logger,
    private readonly settings: { ingestTier: string; horizonHours: number; latencyPenaltyPerSecond: number },
  ) {}

  async tierFor(draft: NewObjectDraft): Promise<string> {
    const accesses = await this.forecaster.forecastNewcomer({ ...draft, sizeBytes: NOMINAL_SIZE_BYTES });
    const profiles = this.tiers.profiles;
    const prices = new ObjectPrices(profiles, NOMINAL_SIZE_BYTES, this.settings.latencyPenaltyPerSecond);
    const windowMs = this.settings.horizonHours * 3_600_000;
    const tier = profiles[ingestTierFor(prices, accesses, windowMs)]!.name;
    if (tier !== this.settings.ingestTier && accesses !== undefined) {
      const costs = expectedCosts(prices, -1, accesses, windowMs);
      this.log.info(
        { object: draft.objectId, tier, predicted_accesses: Math.round(accesses * 1000) / 1000, expected_cost_usd: Object.fromEntries(costs.map((c) => [profiles[c.tier]!.name, Number(c.total.toPrecision(4))])) },
        `placing new object ${draft.objectId} in ${tier}: its group's forecast (${accesses.toFixed(2)} accesses in ${this.settings.horizonHours} h) makes it cheaper than ${this.settings.ingestTier}`,
      );
    }
    return tier;
  }
}
