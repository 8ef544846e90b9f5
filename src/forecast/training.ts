import { baselineForecast } from './baseline.js';
import { buildDataset, rollingOrigins, selectRows, type Dataset, type ObjectHistory } from './dataset.js';
import { FEATURE_COUNT, LOOKBACK_HOURS } from './features.js';
import { predictGbdt, serializeGbdt, trainGbdt } from './gbdt.js';
import { meanAbsoluteError, weightedMape } from './metrics.js';

export interface TrainingSettings {
  horizonHours: number;
  strideHours: number;
  /** Fewer training rows than this, or no accesses at all: not enough history. */
  minTrainingRows: number;
  /** Seed of the learner's row subsampling: the same history gives the same model. */
  seed: number;
}

export interface ModelError {
  mae: number;
  wmape: number | null;
}

export type TrainingOutcome =
  | { kind: 'insufficient'; trainRows: number; testRows: number; accesses: number }
  | { kind: 'trained'; trainRows: number; testRows: number; learned: ModelError; baseline: ModelError; model: string; featureImportance: number[] };

/**
 * Rolling-origin training and backtest, pure: origins every `strideHours` over the
 * histories' axis; the latest quarter of origins is held out, and training keeps only the
 * origins whose horizon ends before the first held-out one, so no label overlaps the test
 * period. Both the learned model and the baseline are scored on the same held-out rows.
 */
export function trainAndBacktest(histories: readonly ObjectHistory[], totalHours: number, settings: TrainingSettings): TrainingOutcome {
  const { horizonHours } = settings;
  const origins = rollingOrigins(totalHours, horizonHours, settings.strideHours);
  const dataset = buildDataset(histories, origins, horizonHours);
  const testFrom = origins[Math.floor(origins.length * 0.75)] ?? Infinity;
  const train = selectRows(dataset, (o) => o + horizonHours <= testFrom);
  const test = selectRows(dataset, (o) => o >= testFrom);
  let accesses = 0;
  for (const label of dataset.labels) accesses += label;
  if (train.rows < settings.minTrainingRows || test.rows === 0 || accesses === 0) {
    return { kind: 'insufficient', trainRows: train.rows, testRows: test.rows, accesses };
  }
  const model = trainGbdt(train.features, train.rows, FEATURE_COUNT, train.labels, { seed: settings.seed });
  return {
    kind: 'trained',
    trainRows: train.rows,
    testRows: test.rows,
    learned: errorOf(test, predictGbdt(model, test.features, test.rows, FEATURE_COUNT)),
    baseline: errorOf(test, baselinePredictions(test.features, test.rows, horizonHours)),
    model: serializeGbdt(model),
    featureImportance: model.featureImportance,
  };
}

/** Baseline forecasts for every row of a feature matrix. */
export function baselinePredictions(features: Float64Array, rows: number, horizonHours: number): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = baselineForecast(features, r * FEATURE_COUNT, horizonHours);
  return out;
}

function errorOf(test: Dataset, predicted: Float64Array): ModelError {
  return { mae: meanAbsoluteError(test.labels, predicted), wmape: weightedMape(test.labels, predicted) };
}

/** Hours on a training axis: the history window plus the lookback its first origin needs. */
export function trainingAxisHours(trainingDays: number): number {
  return trainingDays * 24 + LOOKBACK_HOURS;
}
