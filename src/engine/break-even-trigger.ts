import type { Catalog, ObjectAccessBucket } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import { ObjectPrices } from '../domain/cost-model.js';
import { isHeld, type ObjectRecord } from '../domain/object.js';
import { tierRank } from '../domain/tier.js';
import { emptyBurstState, leadTimeMs, nextBurstAt, recordBurstAccess, tierForBurst, type BurstState } from '../domain/burst-forecast.js';
import { foldGap, holdBreakEvenMs, predictedGapMs, trustThresholds } from '../domain/gap-forecast.js';
import { breakEvenDelayMs, decide, workFromHistory } from '../domain/work-function.js';
import type { Logger } from '../log.js';
import type { MigrationPlanner } from './migration-planner.js';
import type { TierSet } from './tier-set.js';
import { DueTimes } from './due-times.js';
import { NotifiedObjects } from './notified-objects.js';

/** Objects per catalog round trip. */
const BATCH = 500;

/** Where the rule stands on one object (see inspect). */
export interface RuleState {
  extra_paid_by_staying_usd: Record<string, number>;
  break_even_usd: Record<string, number>;
  forecast_gap_seconds: number | null;
  p_next_access_within_break_even: number | null;
  next_burst_at: string | null;
  decision_due_at: string | null;
}

export interface BreakEvenSettings {
  /** $ per second an access waits (part of what a slow tier costs per access). */
  latencyPenaltyPerSecond: number;
  /** How far back an object's history is replayed at most (its work function saturates long before). */
  maxHistoryMs: number;
}

/**
 * The service's placement rule (work-function.ts, the same code the simulator replays):
 * an object is decided on when its accesses are flushed and when its own break-even timer
 * fires, never by a sweep over every object. Its work function is rebuilt from the
 * catalog's access buckets since it entered its tier, so no extra state is stored.
 * Timers live in memory; after a restart one paged pass over the catalog (yielding between
 * pages) sets them again.
 */
export class BreakEvenTrigger {
  private readonly notified: NotifiedObjects;
  private readonly due = new DueTimes();
  /** Objects with a forecast burst, due a little before it starts. */
  private readonly burstsDue = new DueTimes();
  private timersSeeded = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly tiers: TierSet,
    private readonly planner: MigrationPlanner,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: BreakEvenSettings,
  ) {
    this.notified = new NotifiedObjects(catalog, log, (objects) => this.evaluateBatch(objects), 'the object is decided again at its next access or timer');
  }

  /** Marks objects for evaluation soon (called after each access flush). */
  notify(objectIds: readonly string[]): void {
    this.notified.notify(objectIds);
  }

  /** Resolves when every notified object has been evaluated. */
  settled(): Promise<void> {
    return this.notified.settled();
  }

  /** Objects whose break-even timer is set (for metrics and tests). */
  get timersSet(): number {
    return this.due.size;
  }

  /**
   * The periodic step: decides the objects whose timers are due. The first call after a
   * start pages once through the catalog to set every object's timer. Returns the moves planned.
   */
  async sweep(): Promise<number> {
    if (!this.timersSeeded) {
      this.timersSeeded = true;
      return this.seedTimers();
    }
    let planned = 0;
    for (;;) {
      const ids = this.burstsDue.takeDue(this.clock.now(), BATCH);
      if (ids.length === 0) break;
      planned += await this.evaluateBatch(await this.catalog.getObjects(ids), true);
    }
    for (;;) {
      const ids = this.due.takeDue(this.clock.now(), BATCH);
      if (ids.length === 0) return planned;
      planned += await this.evaluateBatch(await this.catalog.getObjects(ids));
    }
  }

  private async seedTimers(): Promise<number> {
    let after: string | null = null;
    let planned = 0;
    for (;;) {
      const page = await this.catalog.objectsAfter(after, BATCH);
      planned += await this.evaluateBatch(page);
      if (page.length < BATCH) return planned;
      after = page[page.length - 1]!.objectId;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Decides for a batch with two catalog reads (history, objects already moving); returns
   * the moves planned. `beforeBurst`: the objects' forecast bursts are about to start.
   */
  async evaluateBatch(objects: readonly ObjectRecord[], beforeBurst = false): Promise<number> {
    if (objects.length === 0) return 0;
    const now = this.clock.now();
    const ids = objects.map((o) => o.objectId);
    // The whole window: the forecasts read the object's rhythm from before it entered its tier too.
    const from = now - this.settings.maxHistoryMs;
    const [buckets, moving] = await Promise.all([this.catalog.accessBucketsFor(ids, from, now + 1), this.catalog.objectsWithActiveMigration(ids)]);
    const history = groupByObject(buckets);
    let planned = 0;
    for (const object of objects) {
      if (!this.tiers.has(object.tier)) continue;
      if (moving.has(object.objectId) || isHeld(object, now)) {
        this.due.delete(object.objectId);
        this.burstsDue.delete(object.objectId);
        continue;
      }
      const decision = this.decideOne(object, history.get(object.objectId) ?? [], now, beforeBurst);
      if (decision.nextAt < Infinity) this.due.set(object.objectId, decision.nextAt);
      else this.due.delete(object.objectId);
      if (decision.burstAt !== undefined) this.burstsDue.set(object.objectId, decision.burstAt);
      if (decision.target === object.tier) continue;
      const promotion = tierRank(this.tiers.profiles, decision.target) < tierRank(this.tiers.profiles, object.tier);
      if (promotion && !decision.proactive) {
        const why = decision.explanation as { accesses_since_entering_tier?: number; extra_paid_by_staying_usd?: number; break_even_usd?: number };
        this.log.info(
          { object: object.objectId, accesses: why.accesses_since_entering_tier, extra_paid_usd: why.extra_paid_by_staying_usd, break_even_usd: why.break_even_usd },
          `spike: ${object.objectId} had ${why.accesses_since_entering_tier} accesses in ${object.tier}; staying has cost $${why.extra_paid_by_staying_usd} more than ${decision.target}, past the break-even of $${why.break_even_usd}`,
        );
      }
      try {
        const migration = await this.planner.plan({
          object,
          destinationTier: decision.target,
          reason: decision.proactive ? 'proactive_prediction' : promotion ? 'reactive_access_spike' : 'reactive_cooling',
          explanation: decision.explanation,
        });
        if (migration) {
          planned++;
          this.due.delete(object.objectId);
        }
      } catch (error) {
        this.log.error({ err: error, object: object.objectId }, 'could not plan a placement migration');
      }
    }
    return planned;
  }

  /**
   * Where the rule stands on one object now, for `predict-access` and the object page: what
   * staying has cost more than each other tier, the break-even it must reach, the
   * forecasts it trusts, and when it will look again if nothing happens.
   */
  async inspect(object: ObjectRecord): Promise<RuleState> {
    const now = this.clock.now();
    const buckets = await this.catalog.accessBucketsFor([object.objectId], now - this.settings.maxHistoryMs, now + 1);
    const { w, prices, current, gapMs, burst } = this.assess(object, buckets, now);
    const profiles = this.tiers.profiles;
    const t = profiles.length;
    const trust = trustThresholds(new Float64Array(t), prices, current, gapMs);
    const delay = breakEvenDelayMs(w, prices, current, trust);
    const cheaper = profiles.findIndex((_, s) => s > current);
    const burstStart = nextBurstAt(burst);
    const others = profiles.map((p, s) => ({ p, s })).filter(({ s }) => s !== current);
    return {
      extra_paid_by_staying_usd: Object.fromEntries(others.map(({ p, s }) => [p.name, roundUsd(w[current]! - w[s]!)])),
      break_even_usd: Object.fromEntries(others.map(({ p, s }) => [p.name, roundUsd(trust[s]! * prices.switchCost[current * t + s]!)])),
      forecast_gap_seconds: gapMs === undefined ? null : round(gapMs / 1000),
      p_next_access_within_break_even: cheaper < 0 || gapMs === undefined ? null : round(1 - Math.exp(-holdBreakEvenMs(prices, current, cheaper) / gapMs)),
      next_burst_at: burstStart === undefined ? null : new Date(burstStart).toISOString(),
      decision_due_at: delay < Infinity && now + delay < 8.64e15 ? new Date(now + delay).toISOString() : null,
    };
  }

  /** The object's work function since it entered its tier, and its own forecasts. */
  private assess(object: ObjectRecord, buckets: readonly ObjectAccessBucket[], now: number) {
    const profiles = this.tiers.profiles;
    const prices = new ObjectPrices(profiles, object.sizeBytes, this.settings.latencyPenaltyPerSecond);
    const current = tierRank(profiles, object.tier);
    const since = Math.max(object.tierSince, now - this.settings.maxHistoryMs);
    const w = new Float64Array(profiles.length);
    workFromHistory(w, prices, current, since, buckets, now);
    return { w, prices, current, since, ...rhythmOf(buckets) };
  }

  private decideOne(object: ObjectRecord, buckets: readonly ObjectAccessBucket[], now: number, beforeBurst: boolean) {
    const profiles = this.tiers.profiles;
    const { w, prices, current, since, gapMs, burst } = this.assess(object, buckets, now);
    const t = profiles.length;
    const burstTarget = beforeBurst ? tierForBurst(prices, current, burst) : current;
    if (burstTarget !== current) {
      const reads = burst.lastBurstAccesses;
      return {
        target: profiles[burstTarget]!.name,
        proactive: true,
        nextAt: Infinity,
        burstAt: undefined,
        explanation: {
          policy: 'burst forecast',
          rule: 'a steady rhythm of bursts: moved ahead of the next one to the tier where it costs least',
          forecast_burst_start: new Date(nextBurstAt(burst) ?? now).toISOString(),
          period_hours: round((burst.starts[2] - burst.starts[1]) / 3_600_000),
          reads_in_last_burst: reads,
          expected_cost_usd: Object.fromEntries(
            profiles.map((p, s) => [p.name, roundUsd(reads * prices.read[s]! + (s === current ? 0 : prices.move[current * t + s]! + prices.move[s * t + current]!))]),
          ),
        },
      };
    }
    const trust = trustThresholds(new Float64Array(t), prices, current, gapMs);
    const target = decide(w, prices, current, trust);
    const explanation = {
      policy: 'break-even',
      forecast_gap_seconds: gapMs === undefined ? null : round(gapMs / 1000),
      rule: 'move once the extra cost of staying has reached the cost of the move',
      accesses_since_entering_tier: buckets.reduce((sum, b) => (b.bucketStart + b.resolutionSeconds * 1000 > since ? sum + b.count : sum), 0),
      in_tier_since: new Date(object.tierSince).toISOString(),
      extra_paid_by_staying_usd: roundUsd(w[current]! - w[target]!),
      move_cost_usd: roundUsd(prices.move[current * t + target]!),
      break_even_usd: roundUsd(trust[target]! * prices.switchCost[current * t + target]!),
      cost_per_read_usd: Object.fromEntries(profiles.map((p, i) => [p.name, roundUsd(prices.read[i]!)])),
    };
    const delay = target === current ? breakEvenDelayMs(w, prices, current, trust) : Infinity;
    const burstStart = nextBurstAt(burst);
    const burstAt = burstStart !== undefined && burstStart - leadTimeMs(burst) > now ? burstStart - leadTimeMs(burst) : undefined;
    return { target: profiles[target]!.name, proactive: false, nextAt: now + delay, burstAt, explanation };
  }
}

/**
 * The object's own forecasts from its bucketed history (the simulator folds exact access
 * times into the same functions): its gap forecast, where a bucket of k accesses counts as
 * k − 1 gaps of its width / k, and its burst rhythm.
 */
function rhythmOf(buckets: readonly ObjectAccessBucket[]): { gapMs: number | undefined; burst: BurstState } {
  const burst = emptyBurstState();
  let meanLogGap = 0;
  let gaps = 0;
  let previous = NaN;
  for (const bucket of buckets) {
    if (bucket.count <= 0) continue;
    if (!Number.isNaN(previous)) meanLogGap = foldGap(meanLogGap, gaps++, bucket.bucketStart - previous);
    const inside = Math.min(bucket.count - 1, MAX_GAPS_PER_BUCKET);
    for (let i = 0; i < inside; i++) meanLogGap = foldGap(meanLogGap, gaps++, (bucket.resolutionSeconds * 1000) / bucket.count);
    recordBurstAccess(burst, bucket.bucketStart, previous, bucket.count);
    previous = bucket.bucketStart;
  }
  return { gapMs: predictedGapMs(meanLogGap, gaps), burst };
}

/** Past a few, more gaps of the same width only pull the running mean further to that width. */
const MAX_GAPS_PER_BUCKET = 8;
const round = (v: number) => Math.round(v * 100) / 100;

function groupByObject(buckets: readonly ObjectAccessBucket[]): Map<string, ObjectAccessBucket[]> {
  const byObject = new Map<string, ObjectAccessBucket[]>();
  for (const bucket of buckets) {
    let list = byObject.get(bucket.objectId);
    if (!list) byObject.set(bucket.objectId, (list = []));
    list.push(bucket);
  }
  for (const list of byObject.values()) list.sort((a, b) => a.bucketStart - b.bucketStart);
  return byObject;
}

const roundUsd = (v: number) => Number(v.toPrecision(4));
