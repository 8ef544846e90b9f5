import { Growable } from '../growable.js';
import { PolicyLedger } from '../ledger.js';
import type { SimAccess } from '../model.js';
import type { OnlinePolicy, PolicyContext } from '../policy.js';
import { TimerQueue } from '../timer-queue.js';

const DAY_MS = 86_400_000;

/** The shape shared by the cloud vendors' rules: hot on access, colder after fixed idle days. */
export interface IdleDemotionRule {
  name: string;
  description: string;
  /** Tier indexes an object steps down through, fastest first; [0] is where it is written and promoted to. */
  ladder: number[];
  /** Idle days (since the last access) at which the object enters ladder[i + 1]. */
  idleDays: number[];
  /** Objects smaller than this never move (S3 Intelligent-Tiering's 128 KiB rule). */
  minMovableBytes: number;
  /** Which accesses promote back to ladder[0]. */
  promoteOn: 'any' | 'read';
}

/** S3 Intelligent-Tiering: frequent → infrequent after 30 idle days → archive instant after 90. */
export function s3IntelligentTieringRule(tierCount: number): IdleDemotionRule {
  const ladder = Array.from({ length: Math.min(3, tierCount) }, (_, i) => i);
  return {
    name: 's3-intelligent-tiering',
    description: 'written to the fastest tier, one tier down after 30 and 90 idle days, back up on any access; objects under 128 KiB never move',
    ladder,
    idleDays: [30, 90].slice(0, ladder.length - 1),
    minMovableBytes: 128 * 1024,
    promoteOn: 'any',
  };
}

/** NetApp FabricPool "auto": performance tier, to the cloud tier after 31 cooling days, back on (random) reads. */
export function fabricPoolAutoRule(tierCount: number): IdleDemotionRule {
  return {
    name: 'fabricpool-auto',
    description: 'written to the fastest tier, to the slowest after 31 cooling days, back on reads (all reads taken as random)',
    ladder: tierCount > 1 ? [0, tierCount - 1] : [0],
    idleDays: tierCount > 1 ? [31] : [],
    minMovableBytes: 0,
    promoteOn: 'read',
  };
}

export class IdleDemotionPolicy implements OnlinePolicy {
  readonly name: string;
  readonly description: string;
  readonly ledger: PolicyLedger;
  private readonly timers = new TimerQueue();
  /** Each access restarts the idle clock; a wake-up with an older stamp is stale. */
  private readonly stamps = new Growable(Int32Array);
  private readonly lastAccess = new Growable(Float64Array);
  private readonly step = new Growable(Uint8Array);

  constructor(context: PolicyContext, private readonly rule: IdleDemotionRule) {
    this.name = rule.name;
    this.description = rule.description;
    this.ledger = new PolicyLedger(context.profile.tiers, context.profile.latencyPenaltyPerSecond);
  }

  ingestTier(): number {
    return this.rule.ladder[0]!;
  }

  advance(now: number): void {
    while (this.timers.peekTime() <= now) {
      this.timers.pop((at, object, stamp) => {
        if (this.stamps.array[object] !== stamp) return;
        const step = this.step.array[object]! + 1;
        this.step.array[object] = step;
        this.ledger.move(object, this.rule.ladder[step]!, at);
        this.schedule(object);
      });
    }
  }

  onRequest(access: SimAccess): void {
    const object = access.object;
    this.stamps.ensure(object);
    this.lastAccess.ensure(object)[object] = access.at;
    this.step.ensure(object);
    if (access.sizeBytes < this.rule.minMovableBytes) return;
    this.stamps.array[object]!++;
    if (!access.created && this.step.array[object]! > 0 && (this.rule.promoteOn === 'any' || access.op === 'read')) {
      this.step.array[object] = 0;
      this.ledger.move(object, this.rule.ladder[0]!, access.at);
    }
    this.schedule(object);
  }

  private schedule(object: number): void {
    const step = this.step.array[object]!;
    const days = this.rule.idleDays[step];
    if (days === undefined) return;
    this.timers.push(this.lastAccess.array[object]! + days * DAY_MS, object, this.stamps.array[object]!);
  }
}
