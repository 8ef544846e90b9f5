import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import type { ObjectRecord } from '../domain/object.js';
import { decideReactive, type ReactiveSettings } from '../domain/reactive-policy.js';
import type { Logger } from '../log.js';
import type { MigrationPlanner } from './migration-planner.js';
import type { TierSet } from './tier-set.js';

const SWEEP_PAGE = 500;

/**
 * Applies the reactive policy: to objects whose history just changed (promotions happen at
 * once) and, on a timer, to every object in id-ordered pages (demotions after cooling).
 * Evaluations run one at a time so that a burst of flushes cannot pile up work.
 */
export class ReactiveTrigger {
  private readonly dirty = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly tiers: TierSet,
    private readonly planner: MigrationPlanner,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: ReactiveSettings,
  ) {}

  /** Marks objects for evaluation soon (called after each access flush). */
  notify(objectIds: readonly string[]): void {
    for (const id of objectIds) this.dirty.add(id);
    this.running ??= this.drainDirty().finally(() => {
      this.running = undefined;
    });
  }

  /** Resolves when every notified object has been evaluated. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drainDirty(): Promise<void> {
    while (this.dirty.size > 0) {
      const ids = [...this.dirty];
      this.dirty.clear();
      for (const id of ids) {
        const object = await this.catalog.getObject(id);
        if (object) await this.evaluate(object);
      }
    }
  }

  /** One pass over the whole catalog, page by page; returns how many moves it planned. */
  async sweep(): Promise<number> {
    let after: string | null = null;
    let planned = 0;
    for (;;) {
      const page = await this.catalog.objectsAfter(after, SWEEP_PAGE);
      for (const object of page) if (await this.evaluate(object)) planned++;
      if (page.length < SWEEP_PAGE) return planned;
      after = page[page.length - 1]!.objectId;
    }
  }

  /** Decides for one object and plans the move if any; returns whether it planned one. */
  async evaluate(object: ObjectRecord): Promise<boolean> {
    try {
      if (!this.tiers.has(object.tier)) return false;
      const now = this.clock.now();
      const [inWindow, inCooling] = await Promise.all([
        this.catalog.accessesSince(object.objectId, now - this.settings.spikeWindowMs),
        this.catalog.accessesSince(object.objectId, now - this.settings.coolingPeriodMs),
      ]);
      const decision = decideReactive(
        this.tiers.profiles,
        { currentTier: object.tier, accessesInSpikeWindow: inWindow, accessesInCoolingPeriod: inCooling, tierSince: object.tierSince, now },
        this.settings,
      );
      if (decision.action === 'stay') return false;
      if (await this.catalog.activeMigrationFor(object.objectId)) return false;
      if (decision.action === 'promote') {
        this.log.info(
          { object: object.objectId, accesses: inWindow, window_s: this.settings.spikeWindowMs / 1000 },
          `spike: ${object.objectId} had ${inWindow} accesses in ${this.settings.spikeWindowMs / 1000} s`,
        );
      }
      const migration = await this.planner.plan({
        object,
        destinationTier: decision.targetTier,
        reason: decision.reason,
        explanation: decision.explanation,
      });
      return migration !== undefined;
    } catch (error) {
      this.log.error({ err: error, object: object.objectId }, 'reactive evaluation failed');
      return false;
    }
  }
}
