import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import { isHeld, type ObjectRecord } from '../domain/object.js';
import { ObjectPrices } from '../domain/cost-model.js';
import { cheapestTier, expectedCosts } from '../domain/expected-cost.js';
import { planPlacement, type PlacementSettings } from '../domain/placement.js';
import { tierRank } from '../domain/tier.js';
import type { Logger } from '../log.js';
import type { Forecaster, ObjectForecast } from './forecaster.js';
import type { MigrationPlanner } from './migration-planner.js';
import type { TierSet } from './tier-set.js';

const BATCH = 500;
const HOUR_MS = 3_600_000;

export interface ProactiveSettings extends PlacementSettings {
  /** No proactive move before an object has lived this long in its tier, ms. */
  minResidencyMs: number;
  /**
   * With the break-even rule deciding every object with a history of its own (on its
   * accesses, its timers and its burst rhythm), the sweep only places newcomers: objects
   * not read since their upload, within their first horizon, moved up when what their
   * group's newcomers get makes a faster tier cheaper (the same expected-cost decision as
   * placement at ingest). It never demotes.
   */
  newcomersOnly: boolean;
}

/** What one sweep did, for the API and the log. */
export interface SweepReport {
  objects: number;
  forecasts: number;
  planned: Array<{ object_id: string; from: string; to: string; reason: string; predicted_accesses: number; saving_usd: number; migration_id: string }>;
  model: { version: number; family: string };
  duration_ms: number;
}

/**
 * The proactive policy: forecasts every object's accesses, records the forecast, and moves
 * an object when the cheapest tier for its forecast differs from its tier by more than the
 * move costs. Pages through the catalog in batches and yields between them, so a sweep over
 * many objects never holds the API up.
 */
export class ProactiveSweep {
  private running: Promise<SweepReport> | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly tiers: TierSet,
    private readonly forecaster: Forecaster,
    private readonly planner: MigrationPlanner,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly settings: ProactiveSettings,
  ) {}

  /** Runs a sweep; a call while one runs waits for that one. */
  sweep(): Promise<SweepReport> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<SweepReport> {
    const started = Date.now();
    const report: SweepReport = { objects: 0, forecasts: 0, planned: [], model: this.forecaster.servedModel, duration_ms: 0 };
    const groups = await this.forecaster.groupStats();
    let after: string | null = null;
    for (;;) {
      const page = await this.catalog.objectsAfter(after, BATCH);
      report.objects += page.length;
      const forecasts = await this.forecaster.forecast(page, groups);
      report.forecasts += forecasts.length;
      const now = this.clock.now();
      await this.catalog.savePredictions(
        forecasts.map((f) => ({ objectId: f.objectId, accesses: f.accesses, horizonHours: this.forecaster.settings.horizonHours, modelVersion: report.model.version, at: now })),
      );
      await this.placeBatch(page, forecasts, report, now);
      if (page.length < BATCH) break;
      after = page[page.length - 1]!.objectId;
      await new Promise((resolve) => setImmediate(resolve));
    }
    report.duration_ms = Date.now() - started;
    if (report.planned.length > 0) this.log.info(`proactive sweep: ${report.objects} objects forecast, ${report.planned.length} moves planned (${report.model.family} v${report.model.version})`);
    return report;
  }

  private async placeNewcomer(object: ObjectRecord, forecast: ObjectForecast, report: SweepReport, now: number): Promise<void> {
    const horizonHours = this.forecaster.settings.horizonHours;
    if (object.accessCount > 0 || now - object.createdAt > horizonHours * HOUR_MS) return;
    const profiles = this.tiers.profiles;
    const current = tierRank(profiles, object.tier);
    const prices = new ObjectPrices(profiles, object.sizeBytes, this.settings.latencyPenaltyPerSecond);
    const costs = expectedCosts(prices, current, forecast.accesses, horizonHours * HOUR_MS);
    const best = cheapestTier(costs);
    const saving = costs[current]!.total - costs[best]!.total;
    if (best >= current || !(saving > costs[best]!.entry * this.settings.moveMargin)) return;
    const destination = profiles[best]!.name;
    const explanation = {
      policy: 'newcomer placement',
      rule: "not read since its upload: placed where what its group's newcomers get costs least over the horizon, the move included",
      predicted_accesses: round(forecast.accesses),
      horizon_hours: horizonHours,
      model: report.model,
      expected_cost_usd: Object.fromEntries(costs.map((c) => [profiles[c.tier]!.name, roundUsd(c.total)])),
      cost_parts_usd: Object.fromEntries(costs.map((c) => [profiles[c.tier]!.name, { storage: roundUsd(c.storage), reads: roundUsd(c.accesses), move: roundUsd(c.entry) }])),
      saving_usd: roundUsd(saving),
      top_features: topFeatures(forecast.features),
    };
    const migration = await this.planner.plan({ object, destinationTier: destination, reason: 'proactive_prediction', explanation });
    if (migration) {
      report.planned.push({ object_id: object.objectId, from: object.tier, to: destination, reason: 'proactive_prediction', predicted_accesses: round(forecast.accesses), saving_usd: roundUsd(saving), migration_id: migration.id });
    }
  }

  private async placeBatch(objects: readonly ObjectRecord[], forecasts: readonly ObjectForecast[], report: SweepReport, now: number): Promise<void> {
    const moving = await this.catalog.objectsWithActiveMigration(objects.map((o) => o.objectId));
    const byId = new Map(forecasts.map((f) => [f.objectId, f]));
    for (const object of objects) {
      const forecast = byId.get(object.objectId);
      if (!forecast || moving.has(object.objectId) || isHeld(object, now) || !this.tiers.has(object.tier)) continue;
      // Residency protects an object a migration just moved; a fresh upload has not been moved.
      if (object.tierSince > object.createdAt && now - object.tierSince < this.settings.minResidencyMs) continue;
      const horizonHours = this.forecaster.settings.horizonHours;
      if (this.settings.newcomersOnly) {
        await this.placeNewcomer(object, forecast, report, now);
        continue;
      }
      const idleMs = object.lastAccessedAt === null ? undefined : now - object.lastAccessedAt;
      const decision = planPlacement(this.tiers.profiles, { currentTier: object.tier, sizeBytes: object.sizeBytes, idleMs }, { accesses: forecast.accesses, horizonHours }, this.settings);
      if (!decision.move) continue;
      const promotion = tierRank(this.tiers.profiles, decision.bestTier) < tierRank(this.tiers.profiles, object.tier);
      const reason = promotion ? 'proactive_prediction' : 'proactive_cooling';
      const explanation = {
        policy: 'proactive',
        predicted_accesses: round(forecast.accesses),
        horizon_hours: horizonHours,
        model: report.model,
        planning_window_hours: round(decision.windowHours),
        expected_accesses_in_window: round(decision.expectedAccesses),
        expected_cost_usd: Object.fromEntries(decision.costs.map((c) => [c.tier, roundUsd(c.total)])),
        cost_parts_usd: Object.fromEntries(decision.costs.map((c) => [c.tier, { storage: roundUsd(c.storage), requests: roundUsd(c.requests), retrieval: roundUsd(c.retrieval), latency_penalty: roundUsd(c.latencyPenalty), move: roundUsd(c.move) }])),
        saving_usd: roundUsd(decision.saving),
        top_features: topFeatures(forecast.features),
      };
      const migration = await this.planner.plan({ object, destinationTier: decision.bestTier, reason, explanation });
      if (migration) {
        report.planned.push({ object_id: object.objectId, from: object.tier, to: decision.bestTier, reason, predicted_accesses: round(forecast.accesses), saving_usd: roundUsd(decision.saving), migration_id: migration.id });
      }
    }
  }
}

/** The history figures a reader looks at first to see why (non-zero ones, largest first). */
function topFeatures(features: Record<string, number>): Record<string, number> {
  const keys = ['accesses_1h', 'accesses_24h', 'accesses_7d', 'same_24h_last_week', 'next_6h_yesterday', 'group_mean_24h', 'hours_since_last_access', 'age_hours'];
  return Object.fromEntries(keys.filter((k) => features[k] !== undefined).map((k) => [k, features[k]!]));
}

const round = (v: number) => Math.round(v * 100) / 100;
const roundUsd = (v: number) => Number(v.toPrecision(4));
