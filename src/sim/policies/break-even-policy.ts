import { ObjectPrices } from '../../domain/cost-model.js';
import { ingestTierFor } from '../../domain/expected-cost.js';
import { NewcomerDemand } from '../../domain/newcomer-demand.js';
import { BURST_GAP_MS, emptyBurstState, leadTimeMs, nextBurstAt, recordBurstAccess, tierForBurst, type BurstState } from '../../domain/burst-forecast.js';
import { foldGap, predictedGapMs, trustThresholds } from '../../domain/gap-forecast.js';
import { breakEvenDelayMs, decide, idle, initialWork, serve } from '../../domain/work-function.js';
import type { TierProfile } from '../../domain/tier.js';
import { Growable } from '../growable.js';
import { PolicyLedger } from '../ledger.js';
import type { SimAccess } from '../model.js';
import type { OnlinePolicy, PolicyContext } from '../policy.js';
import { TimerQueue } from '../timer-queue.js';
import type { ServicePolicySettings } from './service-settings.js';

export type BreakEvenPolicyName = 'hybrid' | 'reactive';

const DESCRIPTIONS: Record<BreakEvenPolicyName, string> = {
  hybrid:
    "the service's default: new objects written where their group's demand makes cheapest; then the break-even (work-function) rule on every access and at each object's own break-even timer",
  reactive: 'the break-even (work-function) rule alone: new objects in the ingest tier, moved on accesses and at break-even timers, no forecast',
};

/** Floats per object in `bursts`: three burst starts, then the last complete and the current burst's accesses. */
const BURST_FIELDS = 5;

/** Distinct object sizes whose prices are kept (traces of fixed-size blocks need one). */
const PRICE_CACHE_SIZES = 65_536;

/**
 * The service's placement policy in virtual time, with the same pure decision code
 * (work-function.ts, expected-cost.ts, newcomer-demand.ts) the service runs: each object's
 * work function is updated at its accesses, and an idle object is looked at again only when
 * its own break-even timer fires. Nothing is swept, so a replay costs O(1) per request plus
 * O(log n) per timer.
 */
export class BreakEvenPolicy implements OnlinePolicy {
  readonly name: BreakEvenPolicyName;
  readonly description: string;
  readonly ledger: PolicyLedger;
  private readonly tiers: readonly TierProfile[];
  private readonly tierCount: number;
  private readonly work: Growable<Float64Array>;
  /** When each object's work function was last brought up to date (an access or a timer). */
  private readonly lastAt = new Growable(Float64Array);
  private readonly lastAccess = new Growable(Float64Array);
  private readonly createdAt = new Growable(Float64Array);
  private readonly stamps = new Growable(Int32Array);
  /** Each object's own gap forecast: mean of log gaps and gaps seen (hybrid only). */
  private readonly meanLogGap = new Growable(Float64Array);
  private readonly gapsSeen = new Growable(Uint32Array);
  private readonly useForecast: boolean;
  /** Burst rhythm per object: three burst starts, the last complete and the current burst's accesses. */
  private readonly bursts = new Growable(Float64Array, 1024 * BURST_FIELDS);
  private readonly burstTimers = new TimerQueue();
  /** A move made ahead of a forecast burst is not undone by the break-even timer before this time. */
  private readonly holdUntil = new Growable(Float64Array);
  private readonly burst: BurstState = emptyBurstState();
  /** Scratch: the rule's threshold per tier for the object being decided. */
  private readonly trust: Float64Array;
  private readonly groupOf: string[] = [];
  private readonly timers = new TimerQueue();
  private readonly demand: NewcomerDemand | undefined;
  private readonly prices = new Map<number, ObjectPrices>();

  constructor(
    name: BreakEvenPolicyName,
    private readonly context: PolicyContext,
    settings: ServicePolicySettings,
    private readonly objectId: (object: number) => string,
  ) {
    this.name = name;
    this.description = DESCRIPTIONS[name];
    this.tiers = context.profile.tiers;
    this.tierCount = this.tiers.length;
    this.ledger = new PolicyLedger(this.tiers, context.profile.latencyPenaltyPerSecond);
    this.work = new Growable(Float64Array, 1024 * this.tierCount);
    this.trust = new Float64Array(this.tierCount);
    this.useForecast = name === 'hybrid';
    this.demand = name === 'hybrid' ? new NewcomerDemand(settings.horizonHours * 3_600_000) : undefined;
  }

  ingestTier(access: SimAccess): number {
    const object = access.object;
    this.work.ensure((object + 1) * this.tierCount);
    this.lastAt.ensure(object)[object] = access.at;
    this.lastAccess.ensure(object)[object] = access.at;
    this.createdAt.ensure(object)[object] = access.at;
    this.stamps.ensure(object);
    this.meanLogGap.ensure(object);
    this.gapsSeen.ensure(object)[object] = 0;
    this.holdUntil.ensure(object);
    this.bursts.ensure((object + 1) * BURST_FIELDS).fill(NaN, object * BURST_FIELDS, object * BURST_FIELDS + 3);
    const prices = this.pricesFor(access.sizeBytes);
    const w = this.workOf(object);
    const demand = this.demand;
    if (!demand) {
      initialWork(w, prices, this.context.ingestTier);
      return this.context.ingestTier;
    }
    const group = simGroupOf(this.objectId(object));
    this.groupOf[object] = group;
    initialWork(w, prices, -1);
    const expected = demand.expected(group, access.at);
    demand.created(group, access.at);
    return ingestTierFor(prices, expected, demand.horizonMs);
  }

  advance(now: number): void {
    for (;;) {
      const next = Math.min(this.timers.peekTime(), this.burstTimers.peekTime());
      if (next > now) return;
      if (this.burstTimers.peekTime() === next) this.burstTimers.pop((at, object, stamp) => this.beforeBurst(at, object, stamp));
      else this.timers.pop((at, object, stamp) => this.onTimer(at, object, stamp));
    }
  }

  onRequest(access: SimAccess): void {
    const object = access.object;
    const prices = this.pricesFor(access.sizeBytes);
    const w = this.workOf(object);
    if (!access.created) {
      const gap = access.at - this.lastAt.array[object]!;
      if (this.useForecast) {
        // The creating request starts the first gap: in a trace it is a read of an older object.
        const sinceAccess = access.at - this.lastAccess.array[object]!;
        this.meanLogGap.array[object] = foldGap(this.meanLogGap.array[object]!, this.gapsSeen.array[object]!, sinceAccess);
        this.gapsSeen.array[object]!++;
      }
      if (this.useForecast) this.recordBurst(object, access.at, this.lastAccess.array[object]!);
      this.lastAccess.array[object] = access.at;
      idle(w, prices, gap);
      serve(w, prices, access.op === 'write' ? 'write' : 'read');
      this.lastAt.array[object] = access.at;
      // A newcomer's demand is what objects got after their creation (the creating request is not one).
      this.demand?.accessed(this.groupOf[object]!, this.createdAt.array[object]!, access.at);
    }
    this.decideAndSchedule(object, prices, access.at);
  }

  /** The proactive step: shortly before a forecast burst, move the object where the burst is cheapest. */
  private beforeBurst(at: number, object: number, stamp: number): void {
    if (this.stamps.array[object] !== stamp) return;
    const prices = this.pricesFor(this.ledger.sizeOf(object));
    const current = this.ledger.tierIndexOf(object);
    this.loadBurst(object);
    const target = tierForBurst(prices, current, this.burst);
    if (target === current) return;
    const w = this.workOf(object);
    idle(w, prices, at - this.lastAt.array[object]!);
    this.lastAt.array[object] = at;
    this.ledger.move(object, target, at);
    this.holdUntil.array[object] = at + leadTimeMs(this.burst) + BURST_GAP_MS;
    // The break-even timer waits out the burst: if it does not come, the rule brings the object back.
    const stamp2 = ++this.stamps.array[object]!;
    const delay = breakEvenDelayMs(w, prices, target);
    if (delay < Infinity) this.timers.push(Math.max(at + delay, this.holdUntil.array[object]!), object, stamp2);
  }

  private recordBurst(object: number, at: number, previousAccessAt: number): void {
    this.loadBurst(object);
    recordBurstAccess(this.burst, at, previousAccessAt);
    const base = object * BURST_FIELDS;
    const b = this.bursts.array;
    b[base] = this.burst.starts[0];
    b[base + 1] = this.burst.starts[1];
    b[base + 2] = this.burst.starts[2];
    b[base + 3] = this.burst.lastBurstAccesses;
    b[base + 4] = this.burst.currentBurstAccesses;
  }

  private loadBurst(object: number): void {
    const base = object * BURST_FIELDS;
    const b = this.bursts.array;
    this.burst.starts[0] = b[base]!;
    this.burst.starts[1] = b[base + 1]!;
    this.burst.starts[2] = b[base + 2]!;
    this.burst.lastBurstAccesses = b[base + 3]!;
    this.burst.currentBurstAccesses = b[base + 4]!;
  }

  private onTimer(at: number, object: number, stamp: number): void {
    if (this.stamps.array[object] !== stamp) return;
    const prices = this.pricesFor(this.ledger.sizeOf(object));
    idle(this.workOf(object), prices, at - this.lastAt.array[object]!);
    this.lastAt.array[object] = at;
    this.decideAndSchedule(object, prices, at);
  }

  private decideAndSchedule(object: number, prices: ObjectPrices, at: number): void {
    const w = this.workOf(object);
    let current = this.ledger.tierIndexOf(object);
    const gapMs = this.useForecast ? predictedGapMs(this.meanLogGap.array[object]!, this.gapsSeen.array[object]!) : undefined;
    const trust = trustThresholds(this.trust, prices, current, gapMs);
    if (at < this.holdUntil.array[object]!) {
      // While it waits for a forecast burst, the object is not sent down.
      for (let s = 0; s < this.tierCount; s++) if (prices.storagePerMs[s]! < prices.storagePerMs[current]!) trust[s] = Infinity;
    }
    const target = decide(w, prices, current, trust);
    if (target !== current) {
      this.ledger.move(object, target, at);
      current = target;
    }
    const stamp = ++this.stamps.array[object]!;
    // The timer itself waits out any hold (below), so it is timed without it.
    const delay = breakEvenDelayMs(w, prices, current, trustThresholds(trust, prices, current, gapMs));
    if (delay < Infinity) this.timers.push(Math.max(at + Math.max(delay, 1), this.holdUntil.array[object]!), object, stamp);
    if (this.useForecast) {
      this.loadBurst(object);
      const burstAt = nextBurstAt(this.burst);
      if (burstAt !== undefined && burstAt - leadTimeMs(this.burst) > at) this.burstTimers.push(burstAt - leadTimeMs(this.burst), object, stamp);
    }
  }

  private workOf(object: number): Float64Array {
    const t = this.tierCount;
    return this.work.array.subarray(object * t, object * t + t);
  }

  private pricesFor(sizeBytes: number): ObjectPrices {
    let prices = this.prices.get(sizeBytes);
    if (!prices) {
      if (this.prices.size >= PRICE_CACHE_SIZES) this.prices.clear();
      prices = new ObjectPrices(this.tiers, sizeBytes, this.context.profile.latencyPenaltyPerSecond);
      this.prices.set(sizeBytes, prices);
    }
    return prices;
  }
}

/** A trace object's group: the key prefix up to its last '/', as the service groups names; otherwise one group. */
export function simGroupOf(objectId: string): string {
  const slash = objectId.lastIndexOf('/');
  return slash > 0 ? objectId.slice(0, slash) : '';
}
