import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import { isHeld, type ObjectRecord } from '../domain/object.js';
import { decideReactive, type ReactiveSettings } from '../domain/reactive-policy.js';
import type { Logger } from '../log.js';
import type { MigrationPlanner } from './migration-planner.js';
import { NotifiedObjects } from './notified-objects.js';
import type { TierSet } from './tier-set.js';

/** Objects per catalog round trip. */
const BATCH = 500;

/**
 * Applies the reactive policy: to objects whose history just changed (promotions happen at
 * once) and, on a timer, to every object in id-ordered pages (demotions after cooling).
 * Evaluations run one at a time so that a burst of flushes cannot pile up work.
 */
export class ReactiveTrigger {
  private readonly notified: NotifiedObjects;

  constructor(
    private readonly catalog: Catalog,
    private readonly tiers: TierSet,
    private readonly planner: MigrationPlanner,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: ReactiveSettings,
  ) {
    this.notified = new NotifiedObjects(catalog, log, (objects) => this.evaluateBatch(objects), 'the periodic sweep will catch up');
  }

  /** Marks objects for evaluation soon (called after each access flush). */
  notify(objectIds: readonly string[]): void {
    this.notified.notify(objectIds);
  }

  /** Resolves when every notified object has been evaluated. */
  settled(): Promise<void> {
    return this.notified.settled();
  }

  /** One pass over the whole catalog, page by page; returns how many moves it planned. */
  async sweep(): Promise<number> {
    let after: string | null = null;
    let planned = 0;
    for (;;) {
      const page = await this.catalog.objectsAfter(after, BATCH);
      planned += await this.evaluateBatch(page);
      if (page.length < BATCH) return planned;
      after = page[page.length - 1]!.objectId;
    }
  }

  /**
   * Decides for a batch of objects with three catalog reads in all (access sums, objects
   * already moving), then plans each move; returns how many it planned.
   */
  async evaluateBatch(objects: readonly ObjectRecord[]): Promise<number> {
    if (objects.length === 0) return 0;
    const now = this.clock.now();
    const ids = objects.map((o) => o.objectId);
    const [sums, moving] = await Promise.all([
      this.catalog.accessSums(ids, [now - this.settings.spikeWindowMs, now - this.settings.coolingPeriodMs]),
      this.catalog.objectsWithActiveMigration(ids),
    ]);
    let planned = 0;
    for (const object of objects) {
      if (moving.has(object.objectId) || isHeld(object, now) || !this.tiers.has(object.tier)) continue;
      const [inWindow, inCooling] = sums.get(object.objectId) ?? [0, 0];
      const decision = decideReactive(
        this.tiers.profiles,
        { currentTier: object.tier, accessesInSpikeWindow: inWindow!, accessesInCoolingPeriod: inCooling!, tierSince: object.tierSince, now },
        this.settings,
      );
      if (decision.action === 'stay') continue;
      if (decision.action === 'promote') {
        this.log.info(
          { object: object.objectId, accesses: inWindow, window_s: this.settings.spikeWindowMs / 1000 },
          `spike: ${object.objectId} had ${inWindow} accesses in ${this.settings.spikeWindowMs / 1000} s`,
        );
      }
      try {
        const migration = await this.planner.plan({ object, destinationTier: decision.targetTier, reason: decision.reason, explanation: decision.explanation });
        if (migration) planned++;
      } catch (error) {
        this.log.error({ err: error, object: object.objectId }, 'could not plan a reactive migration');
      }
    }
    return planned;
  }
}

/** What the app needs of a reactive rule: decide on flushed objects, and a periodic step. */
export interface PlacementTrigger {
  notify(objectIds: readonly string[]): void;
  settled(): Promise<void>;
  sweep(): Promise<number>;
  evaluateBatch(objects: readonly ObjectRecord[]): Promise<number>;
}
