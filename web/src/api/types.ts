import type { Static } from 'typebox';
import type {
  AccessHistoryBody,
  AccessRateBody,
  MetricsBody,
  MigrationEventBody,
  ObjectTierEventBody,
  PredictionBody,
  SimulationSummaryBody,
  SweepBody,
  TierBody,
  TrainingBody,
} from '../../../src/api/schemas.js';

/** The API's JSON shapes, taken from the server's own schemas so both sides agree. */
export type { MigrationJson, ObjectJson } from '../../../src/api/schemas.js';
export type Metrics = Static<typeof MetricsBody>;
export type Tier = Static<typeof TierBody>;
export type AccessHistory = Static<typeof AccessHistoryBody>;
export type AccessRate = Static<typeof AccessRateBody>;
export type Prediction = Static<typeof PredictionBody>;
export type Training = Static<typeof TrainingBody>;
export type Sweep = Static<typeof SweepBody>;
export type SimulationSummary = Static<typeof SimulationSummaryBody>;
export type MigrationEvent = Static<typeof MigrationEventBody>;
export type ObjectTierEvent = Static<typeof ObjectTierEventBody>;

export interface Page {
  total: number;
  limit: number;
  offset: number;
}
