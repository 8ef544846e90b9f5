import { featureIndex } from './features.js';

const ACC_1H = featureIndex('accesses_1h');
const ACC_6H = featureIndex('accesses_6h');
const ACC_24H = featureIndex('accesses_24h');
const ACC_7D = featureIndex('accesses_7d');
const LAST_WEEK = featureIndex('same_24h_last_week');
const AGE = featureIndex('age_hours');
const GROUP_24H = featureIndex('group_mean_24h');
const GROUP_7D = featureIndex('group_mean_7d_per_day');

/**
 * The statistical forecaster that needs no training: accesses over the next 24 h as a blend
 * of seasonal-naive terms (the last 24 h, the same 24 h last week) and an exponentially
 * weighted recent rate (1 h, 6 h and 24 h windows, recent ones weighted most). An object
 * too young to have a day of history borrows its group's mean. Scaled linearly to other
 * horizons.
 */
export function baselineForecast(features: Float64Array, offset: number, horizonHours = 24): number {
  const f = (i: number) => features[offset + i]!;
  const age = f(AGE);
  let daily: number;
  if (age < 24) {
    // Extrapolate what little history there is, but never below what siblings show.
    const own = age >= 1 ? (f(ACC_24H) * 24) / age : 0;
    daily = Math.max(own, f(GROUP_24H), f(GROUP_7D));
  } else {
    const ewmaRate = 0.5 * f(ACC_1H) + 0.3 * (f(ACC_6H) / 6) + 0.2 * (f(ACC_24H) / 24);
    const seasonal = age >= 168 + 24 ? 0.5 * f(ACC_24H) + 0.5 * f(LAST_WEEK) : f(ACC_24H);
    const weekly = f(ACC_7D) / Math.min(7, age / 24);
    daily = 0.45 * seasonal + 0.35 * ewmaRate * 24 + 0.2 * weekly;
  }
  return (Math.max(0, daily) * horizonHours) / 24;
}
