import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import type { BacktestMetrics, ModelFamily, ModelRecord } from '../domain/forecast.js';
import type { ObjectRecord } from '../domain/object.js';
import { FEATURE_COUNT, FEATURE_NAMES, groupOf, LOOKBACK_HOURS, siblingStats, writeFeatures } from '../forecast/features.js';
import { parseGbdt, predictGbdt, type GbdtModel } from '../forecast/gbdt.js';
import { HOUR_MS } from '../forecast/hourly-series.js';
import { baselinePredictions, trainingAxisHours } from '../forecast/training.js';
import { trainInWorker } from '../forecast/training-worker.js';
import type { Logger } from '../log.js';
import { groupStatsNow, loadHistories } from './history-loader.js';

/** How old the group statistics behind a single forecast may be: about one sweep interval. */
const GROUP_STATS_MAX_AGE_MS = 60_000;

export interface ForecasterSettings {
  horizonHours: number;
  /** How much history a training run learns from, days. */
  trainingDays: number;
  /** Hours between two rolling origins. */
  strideHours: number;
  /** Training reads at most this many objects (the first ones by id: a stable sample). */
  maxTrainingObjects: number;
  /** Fewer training rows than this keep the baseline. */
  minTrainingRows: number;
}

/** One object's forecast with the features that made it. */
export interface ObjectForecast {
  objectId: string;
  accesses: number;
  features: Record<string, number>;
}

export interface TrainingReport {
  status: 'trained' | 'not_enough_history';
  message: string;
  /** The model now served. */
  served: { version: number; family: ModelFamily };
  trained_from: string | null;
  trained_to: string | null;
  objects: number;
  train_rows: number;
  test_rows: number;
  /** Backtest table: each model family's error on the same held-out origins. */
  backtest: Array<{ family: ModelFamily; mae: number; wmape: number | null }>;
  duration_ms: number;
}

/** Version number that stands for the untrained baseline. */
export const BASELINE_VERSION = 0;

/**
 * Forecasts accesses per object: the statistical baseline always, a learned model once a
 * training run showed it beats the baseline on held-out history. Training reads only the
 * catalog's history (rolling origins, no peeking past an origin), and the registry keeps
 * every model with its backtest error.
 */
export class Forecaster {
  private served: { record: ModelRecord | undefined; gbdt: GbdtModel | undefined } = { record: undefined, gbdt: undefined };
  private training: Promise<TrainingReport> | undefined;
  /**
   * The last group statistics read (they page through the whole catalog): single-object
   * forecasts and newcomers reuse them for at most GROUP_STATS_MAX_AGE_MS, and every sweep
   * refreshes them.
   */
  private groupCache: { t: number; readAt: number; stats: ReturnType<typeof groupStatsNow> } | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly log: Logger,
    readonly settings: ForecasterSettings,
  ) {}

  /** Loads the served model from the registry (at start-up and after training). */
  async load(): Promise<void> {
    const record = await this.catalog.servedModel();
    this.served = { record, gbdt: record?.family === 'gbdt' && record.payload ? parseGbdt(record.payload) : undefined };
  }

  get servedModel(): { version: number; family: ModelFamily } {
    const record = this.served.record;
    return record ? { version: record.version, family: record.family } : { version: BASELINE_VERSION, family: 'baseline' };
  }

  /** Forecasts `objects` at the current hour from their history. */
  async forecast(objects: readonly ObjectRecord[], groups?: Awaited<ReturnType<typeof groupStatsNow>>): Promise<ObjectForecast[]> {
    if (objects.length === 0) return [];
    const t = scoringOrigin(this.clock.now());
    const start = t - LOOKBACK_HOURS * HOUR_MS;
    const [histories, groupStats] = await Promise.all([loadHistories(this.catalog, objects, start, LOOKBACK_HOURS), groups ?? this.recentGroupStats(t)]);
    const rows = histories.length;
    const features = new Float64Array(rows * FEATURE_COUNT);
    histories.forEach((h, r) => writeFeatures(features, r * FEATURE_COUNT, h.series, LOOKBACK_HOURS, t, h.facts, siblingStats(groupStats, h.group)));
    const predictions = this.predict(features, rows);
    return histories.map((h, r) => ({
      objectId: h.objectId,
      accesses: predictions[r]!,
      features: Object.fromEntries(FEATURE_NAMES.map((name, i) => [name, round(features[r * FEATURE_COUNT + i]!)])),
    }));
  }

  /**
   * Accesses expected over the horizon for an object that does not exist yet: it has no
   * history, so the model sees an object of age zero whose only evidence is what its
   * group's objects got (the same features a newcomer gets at its first sweep).
   */
  async forecastNewcomer(draft: { objectId: string; name: string | null; contentType: string; sizeBytes: number }): Promise<number | undefined> {
    const t = scoringOrigin(this.clock.now());
    // Not in the catalog yet, so not in the totals: its group or, if empty, every object.
    const stats = siblingStats(await this.recentGroupStats(t), groupOf(draft), false);
    // No object at all to learn from: no forecast, rather than a forecast of nothing.
    if (stats.objects === 0) return undefined;
    const features = new Float64Array(FEATURE_COUNT);
    const series = { startMs: t - LOOKBACK_HOURS * HOUR_MS, counts: new Float64Array(LOOKBACK_HOURS) };
    // The group's figures leave one member out; the newcomer is not in them yet, so count it in.
    const withNewcomer = { ...stats, objects: stats.objects + 1 };
    writeFeatures(features, 0, series, LOOKBACK_HOURS, t, { createdAt: this.clock.now(), sizeBytes: draft.sizeBytes, lastAccessedAt: null }, withNewcomer);
    return Math.max(0, this.predict(features, 1)[0]!);
  }

  /** The group statistics a sweep computes once and passes to every batch. */
  groupStats(): ReturnType<typeof groupStatsNow> {
    const t = scoringOrigin(this.clock.now());
    const stats = groupStatsNow(this.catalog, t);
    this.groupCache = { t, readAt: this.clock.now(), stats };
    // A failed read is not kept: the next forecast reads again.
    stats.catch(() => {
      if (this.groupCache?.stats === stats) this.groupCache = undefined;
    });
    return stats;
  }

  private recentGroupStats(t: number): ReturnType<typeof groupStatsNow> {
    const cached = this.groupCache;
    if (cached && cached.t === t && this.clock.now() - cached.readAt <= GROUP_STATS_MAX_AGE_MS) return cached.stats;
    return this.groupStats();
  }

  private predict(features: Float64Array, rows: number): Float64Array {
    if (this.served.gbdt) return predictGbdt(this.served.gbdt, features, rows, FEATURE_COUNT);
    return baselinePredictions(features, rows, this.settings.horizonHours);
  }

  /** Trains on the catalog's history; concurrent calls share one run. */
  train(): Promise<TrainingReport> {
    this.training ??= this.runTraining().finally(() => {
      this.training = undefined;
    });
    return this.training;
  }

  private async runTraining(): Promise<TrainingReport> {
    const started = Date.now();
    const { horizonHours, trainingDays, strideHours, minTrainingRows } = this.settings;
    const end = Math.floor(this.clock.now() / HOUR_MS) * HOUR_MS;
    const totalHours = trainingAxisHours(trainingDays);
    const start = end - totalHours * HOUR_MS;
    const trainedFrom = start + LOOKBACK_HOURS * HOUR_MS;
    const histories = await loadHistories(this.catalog, await this.trainingObjects(end), start, totalHours);
    const outcome = await trainInWorker(histories, start, totalHours, { horizonHours, strideHours, minTrainingRows, seed: 1 });
    const base = {
      objects: histories.length,
      train_rows: outcome.trainRows,
      test_rows: outcome.testRows,
      trained_from: new Date(trainedFrom).toISOString(),
      trained_to: new Date(end).toISOString(),
    };

    if (outcome.kind === 'insufficient') {
      const message =
        `not enough history to train: ${outcome.trainRows} training rows and ${outcome.testRows} held-out rows from ${histories.length} objects ` +
        `with ${Math.round(outcome.accesses)} accesses in the last ${trainingDays} days (need ${minTrainingRows} training rows with accesses); ` +
        `keeping the ${this.servedModel.family} model`;
      this.log.warn(message);
      return { status: 'not_enough_history', message, served: this.servedModel, ...base, backtest: [], duration_ms: Date.now() - started };
    }

    const { learned, baseline } = outcome;
    const learnedWins = learned.mae < baseline.mae;
    const metrics: BacktestMetrics = {
      mae: learned.mae,
      wmape: learned.wmape,
      baselineMae: baseline.mae,
      baselineWmape: baseline.wmape,
      trainRows: outcome.trainRows,
      testRows: outcome.testRows,
      objects: histories.length,
    };
    const common = { createdAt: this.clock.now(), trainedFrom, trainedTo: end, horizonHours, featureNames: [...FEATURE_NAMES] };
    await this.catalog.saveModel({ ...common, family: 'gbdt', metrics, served: learnedWins, payload: outcome.model });
    if (!learnedWins) {
      // The baseline's own registry entry records that it won this backtest.
      await this.catalog.saveModel({ ...common, family: 'baseline', metrics: { ...metrics, mae: baseline.mae, wmape: baseline.wmape }, served: true, payload: null });
    }
    await this.load();
    const message = `trained on ${outcome.trainRows} rows from ${histories.length} objects; serving the ${this.servedModel.family} model (v${this.servedModel.version}): held-out MAE ${fmt(learned.mae)} learned vs ${fmt(baseline.mae)} baseline`;
    this.log.info(message);
    return {
      status: 'trained',
      message,
      served: this.servedModel,
      ...base,
      backtest: [
        { family: 'baseline', ...baseline },
        { family: 'gbdt', ...learned },
      ],
      duration_ms: Date.now() - started,
    };
  }

  private async trainingObjects(createdBefore: number): Promise<ObjectRecord[]> {
    const objects: ObjectRecord[] = [];
    let after: string | null = null;
    while (objects.length < this.settings.maxTrainingObjects) {
      const page = await this.catalog.objectsAfter(after, 500);
      objects.push(...page.filter((o) => o.createdAt < createdBefore));
      if (page.length < 500) break;
      after = page[page.length - 1]!.objectId;
    }
    return objects.slice(0, this.settings.maxTrainingObjects);
  }
}

/**
 * Scoring looks from the end of the current hour, so the accesses of the hour in progress
 * count (a spike a few minutes ago must show); training origins are whole hours.
 */
function scoringOrigin(now: number): number {
  return Math.ceil(now / HOUR_MS) * HOUR_MS;
}

const round = (v: number) => Math.round(v * 1000) / 1000;
const fmt = (v: number) => v.toFixed(2);
