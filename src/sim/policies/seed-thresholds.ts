import { Growable } from '../growable.js';
import { PolicyLedger } from '../ledger.js';
import type { SimAccess } from '../model.js';
import type { OnlinePolicy, PolicyContext } from '../policy.js';

/**
 * The seed's rule: an object's cumulative access count since ingest promotes it to the
 * fastest tier whose threshold (the tiers' `promoteAt`) it has reached. Nothing is ever
 * demoted, so yesterday's hot objects stay in the dearest tier.
 */
export class SeedThresholdsPolicy implements OnlinePolicy {
  readonly name = 'seed-thresholds';
  readonly description = 'cumulative access count ≥ a tier\'s promoteAt promotes to it; never demotes';
  readonly ledger: PolicyLedger;
  private readonly counts = new Growable(Uint32Array);
  private readonly thresholds: number[];

  constructor(private readonly context: PolicyContext) {
    this.ledger = new PolicyLedger(context.profile.tiers, context.profile.latencyPenaltyPerSecond);
    this.thresholds = context.profile.tiers.map((t) => t.promoteAt);
  }

  ingestTier(): number {
    return this.context.ingestTier;
  }

  advance(): void {}

  onRequest(access: SimAccess): void {
    const counts = this.counts.ensure(access.object);
    if (access.created) return;
    const count = ++counts[access.object]!;
    const current = this.ledger.tierIndexOf(access.object);
    for (let t = 0; t < current; t++) {
      if (count >= this.thresholds[t]!) {
        this.ledger.move(access.object, t, access.at);
        return;
      }
    }
  }
}
