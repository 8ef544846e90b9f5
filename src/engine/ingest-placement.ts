import { planIngestPlacement, type PlacementSettings } from '../domain/placement.js';
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
 * Chooses the tier a new object is written to (placeNewObjects): the configured ingest tier,
 * unless its group's forecast makes a faster tier cheaper over the planning window, first
 * write included. A group with no history forecasts nothing, so its objects land in the
 * ingest tier as before; a busy group's newcomers skip the slow tier and the move out of it.
 */
export class IngestPlacement {
  constructor(
    private readonly forecaster: Forecaster,
    private readonly tiers: TierSet,
    private readonly log: Logger,
    private readonly settings: { ingestTier: string; horizonHours: number; placement: PlacementSettings },
  ) {}

  async tierFor(draft: NewObjectDraft): Promise<string> {
    const accesses = await this.forecaster.forecastNewcomer({ ...draft, sizeBytes: NOMINAL_SIZE_BYTES });
    const decision = planIngestPlacement(this.tiers.profiles, this.settings.ingestTier, NOMINAL_SIZE_BYTES, { accesses, horizonHours: this.settings.horizonHours }, this.settings.placement);
    if (decision.tier !== this.settings.ingestTier) {
      this.log.info(
        { object: draft.objectId, tier: decision.tier, predicted_accesses: Math.round(accesses * 1000) / 1000 },
        `placing new object ${draft.objectId} in ${decision.tier}: its group's forecast (${accesses.toFixed(2)} accesses in ${this.settings.horizonHours} h) makes it cheaper than ${this.settings.ingestTier}`,
      );
    }
    return decision.tier;
  }
}
