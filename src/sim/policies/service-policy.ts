import { planIngestPlacement, planPlacement, type PlacementSettings } from '../../domain/placement.js';
import { decideReactive, type ReactiveSettings } from '../../domain/reactive-policy.js';
import type { TierProfile } from '../../domain/tier.js';
import { PolicyLedger } from '../ledger.js';
import type { SimAccess } from '../model.js';
import type { OnlinePolicy, PolicyContext } from '../policy.js';
import { TimerQueue } from '../timer-queue.js';
import { Growable } from '../growable.js';
import { AccessWindows } from './access-windows.js';
import { OnlineForecaster } from './online-forecaster.js';
import type { ServicePolicySettings } from './service-settings.js';

const HOUR_MS = 3_600_000;
/** The service's proactive sweep runs every minute by default; accessed objects are re-planned at the next one. */
const TICK_MS = 60_000;
/**
 * The service forecasts every object every minute; replaying that for millions of quiet
 * objects would be the whole cost of a replay. An object quiet this long in the cheapest
 * tier leaves the hourly sweep, because its features no longer change until either its
 * next access or the day in which its last accesses reach the "same 24 h last week"
 * window (hours 144–168 back): it rejoins the sweep for that day, so weekly returns are
 * anticipated as the service anticipates them.
 */
const SWEEP_QUIET_HOURS = 48;
const LAST_WEEK_FROM_HOURS = 144;
const LAST_WEEK_TO_HOURS = 168;

export type ServicePolicyName = 'reactive' | 'proactive' | 'hybrid' | 'hybrid-placing';

const DESCRIPTIONS: Record<ServicePolicyName, string> = {
  reactive: "the service's reactive rule alone: spike-window promotion, demotion after the cooling period",
  proactive: "the service's forecaster and placement optimiser alone, learning online from the replayed history",
  hybrid: 'both, as the service runs by default: reactive promotion on spikes, forecast-driven promotion and demotion',
  'hybrid-placing': "hybrid with proactive.placeNewObjects on: a new object is written to the tier its group's forecast makes cheapest",
};

/**
 * The policies the service runs, replayed with the service's own pure rules
 * (decideReactive, planPlacement, the forecaster's features and models) in virtual time.
 * `reactive` decides on every access and at cooling checkpoints; `proactive` sweeps hourly
 * (the forecaster's resolution) over the objects it could still move; `hybrid` is both,
 * with demotions left to the forecast as in the service.
 */
export class ServicePolicy implements OnlinePolicy {
  readonly name: ServicePolicyName;
  readonly description: string;
  readonly ledger: PolicyLedger;
  private readonly tiers: readonly TierProfile[];
  private readonly reactive: ReactiveSettings | undefined;
  /** The same settings with demotion off: what an access can trigger. */
  private readonly promoteOnly: ReactiveSettings | undefined;
  private readonly windows: AccessWindows;
  private readonly forecaster: OnlineForecaster | undefined;
  private readonly coolingChecks = new TimerQueue();
  private readonly stamps = new Growable(Int32Array);
  private readonly tierSince = new Growable(Float64Array);
  private readonly countAtCheckpoint = new Growable(Float64Array);
  private readonly inSweep = new Growable(Uint8Array);
  private sweepList: number[] = [];
  /** Quiet objects waiting for the day their last accesses enter last week's window. */
  private readonly weeklyWakeUps = new TimerQueue();
  /** A woken object stays in the sweep until this time even if quiet. */
  private readonly sweepUntil = new Growable(Float64Array);
  private nextSweepAt: number;
  /** Objects accessed since the last tick, re-planned at the next one (the service's sweep sees them then). */
  private pending: number[] = [];
  private readonly isPending = new Growable(Uint8Array);
  private pendingTick = Infinity;
  private readonly slowest: number;
  private readonly placement: PlacementSettings;
  private readonly reactiveIn: ReactiveInputScratch = { currentTier: '', accessesInSpikeWindow: 0, accessesInCoolingPeriod: 0, tierSince: 0, now: 0 };

  constructor(
    name: ServicePolicyName,
    private readonly context: PolicyContext,
    private readonly settings: ServicePolicySettings,
    objectIds: (object: number) => string,
  ) {
    this.name = name;
    this.description = DESCRIPTIONS[name];
    this.tiers = context.profile.tiers;
    this.slowest = this.tiers.length - 1;
    this.ledger = new PolicyLedger(this.tiers, context.profile.latencyPenaltyPerSecond);
    const useReactive = name !== 'proactive';
    const useProactive = name !== 'reactive';
    this.reactive = useReactive ? { ...settings.reactive, demote: !useProactive } : undefined;
    this.promoteOnly = useReactive ? { ...settings.reactive, demote: false } : undefined;
    this.windows = new AccessWindows(settings.reactive.spikeWindowMs);
    this.forecaster = useProactive ? new OnlineForecaster(settings, objectIds) : undefined;
    this.nextSweepAt = Math.ceil(context.startAt / HOUR_MS) * HOUR_MS;
    this.placement = { ...settings.placement, latencyPenaltyPerSecond: context.profile.latencyPenaltyPerSecond };
  }

  /** Registers the new object; with placeNewObjects, writes it where its group's forecast says (as the service does). */
  ingestTier(access: SimAccess): number {
    const object = access.object;
    this.stamps.ensure(object);
    this.countAtCheckpoint.ensure(object);
    this.inSweep.ensure(object);
    this.sweepUntil.ensure(object);
    this.tierSince.ensure(object)[object] = access.at;
    this.windows.add(object);
    const forecaster = this.forecaster;
    if (!forecaster) return this.context.ingestTier;
    forecaster.addObject(object, access);
    if (!this.settings.placeNewObjects) return this.context.ingestTier;
    const placement = planIngestPlacement(this.tiers, this.tiers[this.context.ingestTier]!.name, access.sizeBytes, { accesses: forecaster.predict(object, access.at), horizonHours: this.settings.horizonHours }, this.placement);
    return this.tierIndex(placement.tier);
  }

  advance(now: number): void {
    if (this.reactive?.demote) {
      while (this.coolingChecks.peekTime() <= now) this.coolingChecks.pop((at, object, stamp) => this.coolingCheck(at, object, stamp));
    }
    if (this.forecaster) {
      while (this.weeklyWakeUps.peekTime() <= now) this.weeklyWakeUps.pop((at, object) => this.rejoinSweep(object, at));
      for (;;) {
        const next = Math.min(this.pendingTick, this.nextSweepAt);
        if (next > now) break;
        if (this.nextSweepAt <= this.pendingTick) {
          this.sweep(this.nextSweepAt);
          this.nextSweepAt += HOUR_MS;
        } else this.replanPending(this.pendingTick);
      }
    }
  }

  onRequest(access: SimAccess): void {
    const object = access.object;
    if (access.created) this.enteredTier(object, access.at);
    // The first request counts as an access too: in a trace it is almost always a read of an
    // object written before the trace began (the ledger charges it as the creating PUT for
    // every policy alike). The service, which sees the upload itself, does not count an upload.
    this.windows.record(object, access.at);
    this.forecaster?.record(object, access.at);
    if (this.forecaster) {
      if (!this.inSweep.array[object]) {
        this.inSweep.array[object] = 1;
        this.sweepList.push(object);
      }
      if (!this.isPending.ensure(object)[object]) {
        this.isPending.array[object] = 1;
        this.pending.push(object);
        if (this.pendingTick === Infinity) this.pendingTick = Math.floor(access.at / TICK_MS) * TICK_MS + TICK_MS;
      }
    }
    if (this.reactive && !access.created) {
      const input = this.reactiveInput(object, access.at, 0);
      const decision = decideReactive(this.tiers, input, this.promoteOnly!);
      if (decision.action === 'promote') this.moveTo(object, this.tierIndex(decision.targetTier), access.at);
    }
  }

  private coolingCheck(at: number, object: number, stamp: number): void {
    if (this.stamps.array[object] !== stamp) return;
    const count = this.windows.total(object);
    const input = this.reactiveInput(object, at, count - this.countAtCheckpoint.array[object]!);
    const decision = decideReactive(this.tiers, input, this.reactive!);
    if (decision.action !== 'stay') {
      this.moveTo(object, this.tierIndex(decision.targetTier), at);
      return;
    }
    // From here on each check sees exactly the last cooling period.
    this.countAtCheckpoint.array[object] = count;
    this.coolingChecks.push(at + this.reactive!.coolingPeriodMs, object, stamp);
  }

  /** The hourly sweep: every object active lately or not yet in the cheapest tier (forecasts move with the hour). */
  private sweep(t: number): void {
    this.forecaster!.beforeSweep(t);
    this.clearPending();
    const keep: number[] = [];
    for (const object of this.sweepList) {
      const lastHour = this.forecaster!.lastAccessHour(object);
      if (this.ledger.tierIndexOf(object) === this.slowest && lastHour < t / HOUR_MS - SWEEP_QUIET_HOURS && t > this.sweepUntil.array[object]!) {
        this.inSweep.array[object] = 0;
        const wakeAt = (lastHour + LAST_WEEK_FROM_HOURS) * HOUR_MS;
        if (wakeAt > t) this.weeklyWakeUps.push(wakeAt, object, 0);
        continue;
      }
      keep.push(object);
      this.replan(object, t);
    }
    this.sweepList = keep;
  }

  private rejoinSweep(object: number, at: number): void {
    this.sweepUntil.array[object] = at + (LAST_WEEK_TO_HOURS - LAST_WEEK_FROM_HOURS + 1) * HOUR_MS;
    if (this.inSweep.array[object]) return;
    this.inSweep.array[object] = 1;
    this.sweepList.push(object);
  }

  private replanPending(t: number): void {
    const objects = this.pending;
    this.clearPending();
    for (const object of objects) this.replan(object, t);
  }

  private clearPending(): void {
    for (const object of this.pending) this.isPending.array[object] = 0;
    this.pending = [];
    this.pendingTick = Infinity;
  }

  /** The service's proactive step for one object at `t`: forecast, cheapest placement, move if it pays. */
  private replan(object: number, t: number): void {
    const forecaster = this.forecaster!;
    const since = this.tierSince.array[object]!;
    if (since > forecaster.createdAt(object) && t - since < this.settings.minResidencyMs) return;
    const tier = this.ledger.tierIndexOf(object);
    const accesses = forecaster.predict(object, t);
    const idleMs = t - forecaster.lastAccessAt(object);
    const decision = planPlacement(this.tiers, { currentTier: this.tiers[tier]!.name, sizeBytes: forecaster.sizeOf(object), idleMs }, { accesses, horizonHours: this.settings.horizonHours }, this.placement);
    if (decision.move) this.moveTo(object, this.tierIndex(decision.bestTier), t);
  }

  private reactiveInput(object: number, now: number, coolingCount: number) {
    const input = this.reactiveIn;
    input.currentTier = this.tiers[this.ledger.tierIndexOf(object)]!.name;
    input.accessesInSpikeWindow = this.windows.inWindow(object, now);
    input.accessesInCoolingPeriod = coolingCount;
    input.tierSince = this.tierSince.array[object]!;
    input.now = now;
    return input;
  }

  private moveTo(object: number, tier: number, at: number): void {
    this.ledger.move(object, tier, at);
    this.tierSince.array[object] = at;
    this.enteredTier(object, at);
  }

  /** Starts the object's cooling clock in its new tier (reactive demotion only). */
  private enteredTier(object: number, at: number): void {
    if (!this.reactive?.demote) return;
    const stamp = ++this.stamps.array[object]!;
    if (this.ledger.tierIndexOf(object) === this.slowest) return;
    this.countAtCheckpoint.array[object] = this.windows.total(object);
    const observe = Math.max(this.reactive.minResidencyMs, this.reactive.coolingPeriodMs);
    this.coolingChecks.push(at + observe, object, stamp);
  }

  private tierIndex(name: string): number {
    for (let i = 0; i < this.tiers.length; i++) if (this.tiers[i]!.name === name) return i;
    throw new Error(`unknown tier '${name}'`);
  }
}

interface ReactiveInputScratch {
  currentTier: string;
  accessesInSpikeWindow: number;
  accessesInCoolingPeriod: number;
  tierSince: number;
  now: number;
}
