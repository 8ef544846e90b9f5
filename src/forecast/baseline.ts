import { featureIndex } from './features.js';

const ACC_1H = featureIndex('accesses_1h');
const ACC_6H = featureIndex('accesses_6h');
const ACC_24H = featureIndex('accesses_24h');
const ACC_7D = featureIndex('accesses_7d');
const LAST_WEEK = featureIndex('same_24h_last_week');
const AGE = featureIndex('age_hours');
const GROUP_24H = featureIndex('group_mean_24h');
const GROUP_7D = featureIndex('group_mean_7d_per_day');

/** The weight of the group's daily figure in a young object's forecast, days of its own history. */
export const PRIOR_DAYS = 0.25;

/**
 * The statistical forecaster that needs no training: accesses over the next 24 h as a blend
 * of seasonal-naive terms (the last 24 h, the same 24 h last week) and an exponentially
 * weighted recent rate (1 h, 6 h and 24 h windows, recent ones weighted most). An object
 * with less than a day of known history (counted from its first known access, imported
 * ones included) blends its own rate with its group's mean, its own weighing more as it
 * ages. Scaled linearly to other horizons.
 */
export function baselineForecast(features: Float64Array, offset: number, horizonHours = 24): number {
  const f = (i: number) => features[offset + i]!;
  const age = f(AGE);
  let daily: number;
  if (age < 24) {
    // Its own rate so far, shrunk towards its group's with PRIOR_DAYS of weight: a newcomer
    // starts at its group's figure, and its own accesses take over as they add up.
    const group = Math.max(f(GROUP_24H), f(GROUP_7D));
    daily = (f(ACC_24H) + group * PRIOR_DAYS) / (age / 24 + PRIOR_DAYS);
  } else {
    const ewmaRate = 0.5 * f(ACC_1H) + 0.3 * (f(ACC_6H) / 6) + 0.2 * (f(ACC_24H) / 24);
    const seasonal = age >= 168 + 24 ? 0.5 * f(ACC_24H) + 0.5 * f(LAST_WEEK) : f(ACC_24H);
    const weekly = f(ACC_7D) / Math.min(7, age / 24);
    daily = 0.45 * seasonal + 0.35 * ewmaRate * 24 + 0.2 * weekly;
  }
  return (Math.max(0, daily) * horizonHours) / 24;
}
