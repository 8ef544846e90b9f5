import { PolicyLedger } from '../ledger.js';
import type { SimAccess } from '../model.js';
import type { OnlinePolicy, PolicyContext } from '../policy.js';

/** Everything written to one tier and left there: the reference each rule must beat. */
export class StaticPolicy implements OnlinePolicy {
  readonly name: string;
  readonly description: string;
  readonly ledger: PolicyLedger;

  constructor(context: PolicyContext, private readonly tier: number) {
    const tierName = context.profile.tiers[tier]!.name;
    this.name = `static-${tierName}`;
    this.description = `every object in ${tierName}, never moved`;
    this.ledger = new PolicyLedger(context.profile.tiers, context.profile.latencyPenaltyPerSecond);
  }

  ingestTier(): number {
    return this.tier;
  }

  advance(): void {}

  onRequest(_access: SimAccess): void {}
}
