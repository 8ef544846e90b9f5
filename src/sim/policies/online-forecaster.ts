import { baselineForecast } from '../../forecast/baseline.js';
import type { ObjectHistory } from '../../forecast/dataset.js';
import { FEATURE_COUNT, groupOf, LOOKBACK_HOURS, writeFeatures, type ObjectFacts } from '../../forecast/features.js';
import { parseGbdt, predictOne, type GbdtModel } from '../../forecast/gbdt.js';
import { HOUR_MS, type HourlySeries } from '../../forecast/hourly-series.js';
import { trainAndBacktest } from '../../forecast/training.js';
import { Growable } from '../growable.js';
import type { SimAccess } from '../model.js';
import { HourlyHistory } from './hourly-history.js';
import type { ServicePolicySettings } from './service-settings.js';

/**
 * The service's forecaster in virtual time: the baseline serves until a model trained on
 * the replayed history so far beats it on held-out hours (the service's serving rule);
 * it retrains every `retrainHours`. Nothing here sees a request before it happened.
 */
export class OnlineForecaster {
  private readonly history: HourlyHistory;
  private readonly created = new Growable(Float64Array);
  private readonly sizes = new Growable(Float64Array);
  private readonly lastAccess = new Growable(Float64Array);
  private objects = 0;
  private model: GbdtModel | undefined;
  private nextTrainAt = -Infinity;
  private firstHourMs = Infinity;
  private readonly row = new Float64Array(FEATURE_COUNT);
  private readonly series: HourlySeries = { startMs: 0, counts: new Float64Array(LOOKBACK_HOURS) };
  private readonly facts: ObjectFacts = { createdAt: 0, sizeBytes: 0, lastAccessedAt: null };
  /** Trainings run and which model served after each. */
  readonly trainings: Array<{ at: number; rows: number; served: 'gbdt' | 'baseline'; learnedMae: number; baselineMae: number }> = [];

  constructor(
    private readonly settings: ServicePolicySettings,
    private readonly objectId: (object: number) => string,
  ) {
    this.history = new HourlyHistory(settings.trainingDays * 24 + LOOKBACK_HOURS + settings.horizonHours);
  }

  addObject(object: number, access: SimAccess): void {
    this.created.ensure(object)[object] = access.at;
    this.sizes.ensure(object)[object] = access.sizeBytes;
    this.lastAccess.ensure(object)[object] = access.at;
    this.history.addObject(object, this.objectId(object));
    this.objects = Math.max(this.objects, object + 1);
    if (this.firstHourMs === Infinity) {
      this.firstHourMs = Math.floor(access.at / HOUR_MS) * HOUR_MS;
      this.nextTrainAt = this.firstHourMs + this.minimumHistoryHours() * HOUR_MS;
    }
  }

  record(object: number, at: number): void {
    this.history.record(object, at);
    this.lastAccess.array[object] = at;
  }

  createdAt(object: number): number {
    return this.created.array[object]!;
  }

  sizeOf(object: number): number {
    return this.sizes.array[object]!;
  }

  lastAccessAt(object: number): number {
    return this.lastAccess.array[object]!;
  }

  lastAccessHour(object: number): number {
    return this.history.lastHour(object);
  }

  /** Called at each sweep hour `t`: retrains when due. */
  beforeSweep(t: number): void {
    if (this.settings.retrainHours <= 0 || t < this.nextTrainAt) return;
    this.nextTrainAt = t + this.settings.retrainHours * HOUR_MS;
    this.train(t);
  }

  /**
   * Accesses expected in the horizon, scored as the service scores at `now`: from the end
   * of the hour in progress, so the accesses of that hour so far count.
   */
  predict(object: number, now: number): number {
    const t = Math.ceil(now / HOUR_MS) * HOUR_MS;
    this.series.startMs = t - LOOKBACK_HOURS * HOUR_MS;
    this.history.fill(object, this.series);
    this.facts.createdAt = this.created.array[object]!;
    this.facts.sizeBytes = this.sizes.array[object]!;
    const last = this.lastAccess.array[object]!;
    this.facts.lastAccessedAt = last < t ? last : null;
    writeFeatures(this.row, 0, this.series, LOOKBACK_HOURS, t, this.facts, this.history.groupStats(object, t));
    const value = this.model ? predictOne(this.model, this.row) : baselineForecast(this.row, 0, this.settings.horizonHours);
    return Math.max(0, value);
  }

  /** Hours of history before a first training can have a held-out origin. */
  private minimumHistoryHours(): number {
    return LOOKBACK_HOURS + 2 * this.settings.horizonHours + 4 * this.settings.strideHours;
  }

  private train(t: number): void {
    const hours = Math.min(this.settings.trainingDays * 24 + LOOKBACK_HOURS, Math.floor((t - this.firstHourMs) / HOUR_MS));
    const startMs = t - hours * HOUR_MS;
    const step = Math.max(1, Math.ceil(this.objects / this.settings.maxTrainingObjects));
    const histories: ObjectHistory[] = [];
    for (let object = 0; object < this.objects; object += step) {
      if (this.created.array[object]! >= t) continue;
      const series: HourlySeries = { startMs, counts: new Float64Array(hours) };
      this.history.fill(object, series);
      const objectId = this.objectId(object);
      histories.push({
        objectId,
        group: groupOf({ objectId, name: null, contentType: 'application/octet-stream' }),
        facts: { createdAt: this.created.array[object]!, sizeBytes: this.sizes.array[object]!, lastAccessedAt: null },
        series,
      });
    }
    const outcome = trainAndBacktest(histories, hours, {
      horizonHours: this.settings.horizonHours,
      strideHours: this.settings.strideHours,
      minTrainingRows: this.settings.minTrainingRows,
      seed: 1,
    });
    if (outcome.kind !== 'trained') return;
    const learnedWins = outcome.learned.mae < outcome.baseline.mae;
    this.model = learnedWins ? parseGbdt(outcome.model) : undefined;
    this.trainings.push({ at: t, rows: outcome.trainRows, served: learnedWins ? 'gbdt' : 'baseline', learnedMae: outcome.learned.mae, baselineMae: outcome.baseline.mae });
  }
}
