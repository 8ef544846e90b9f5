/** Forecasting records shared by the forecaster, the catalog and the API. Times are ms. */

/** A forecast of one object's accesses over the next `horizonHours`. */
export interface Prediction {
  objectId: string;
  /** Expected number of accesses in the horizon. */
  accesses: number;
  horizonHours: number;
  /** Model version that made it (0 = the statistical baseline, never trained). */
  modelVersion: number;
  at: number;
}

export type ModelFamily = 'baseline' | 'gbdt';

/** Backtest error of a model and of the baseline on the same held-out origins. */
export interface BacktestMetrics {
  /** Mean absolute error, accesses per horizon. */
  mae: number;
  /** Σ|error| / Σ actual; null when the held-out accesses sum to 0. */
  wmape: number | null;
  baselineMae: number;
  baselineWmape: number | null;
  trainRows: number;
  testRows: number;
  objects: number;
}

/** One entry of the model registry. */
export interface ModelRecord {
  version: number;
  family: ModelFamily;
  createdAt: number;
  /** The history window the model learned from. */
  trainedFrom: number;
  trainedTo: number;
  horizonHours: number;
  featureNames: string[];
  metrics: BacktestMetrics;
  /** The registry serves the newest model marked served. */
  served: boolean;
  /** The serialised model; null for the baseline, which needs none. */
  payload: string | null;
}
