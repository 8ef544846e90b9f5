import { HOUR_MS, sumHours, type HourlySeries } from './hourly-series.js';

/**
 * The forecaster's features of one object at an origin time t (hour-aligned). Everything
 * comes from the access history before t and the object's own metadata — never from the
 * wall clock — so training on past origins and scoring now see the same quantities.
 */
export const FEATURE_NAMES = [
  'accesses_1h',
  'accesses_6h',
  'accesses_24h',
  'accesses_7d',
  'same_24h_last_week',
  'next_1h_yesterday',
  'next_6h_yesterday',
  'trend_24h',
  'hours_since_last_access',
  'age_hours',
  'log2_size_bytes',
  'hour_of_day',
  'day_of_week',
  'group_mean_24h',
  'group_mean_7d_per_day',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export const FEATURE_COUNT = FEATURE_NAMES.length;

/** Hours of history the features look back over (7 days plus one for the trend and lags). */
export const LOOKBACK_HOURS = 8 * 24;
/** Caps that keep "never" and "very old" finite and comparable. */
const MAX_HOURS_SINCE = 24 * 90;
const MAX_AGE_HOURS = 24 * 365;

export interface ObjectFacts {
  createdAt: number;
  sizeBytes: number;
  /** Last access before any history window, ms, if known. */
  lastAccessedAt: number | null;
}

/** The mean recent accesses of an object's group (key prefix or content type) at t. */
export interface GroupStats {
  mean24h: number;
  mean7dPerDay: number;
}

/**
 * Writes the features at origin `t` into `out` at `offset`. `series` must cover at least
 * the LOOKBACK_HOURS before t; `tIndex` is the index of the hour starting at t.
 */
export function writeFeatures(out: Float64Array, offset: number, series: HourlySeries, tIndex: number, t: number, facts: ObjectFacts, group: GroupStats): void {
  const before = (hours: number) => sumHours(series, tIndex - hours, tIndex);
  const acc24 = before(24);
  const prev24 = sumHours(series, tIndex - 48, tIndex - 24);
  let hoursSince = MAX_HOURS_SINCE;
  for (let h = tIndex - 1, back = 1; h >= 0 && back <= LOOKBACK_HOURS; h--, back++) {
    if (series.counts[h]! > 0) {
      hoursSince = back - 1;
      break;
    }
  }
  if (hoursSince === MAX_HOURS_SINCE && facts.lastAccessedAt !== null && facts.lastAccessedAt < t) {
    hoursSince = Math.min(MAX_HOURS_SINCE, (t - facts.lastAccessedAt) / HOUR_MS);
  }
  const date = new Date(t);
  const values = [
    before(1),
    before(6),
    acc24,
    before(168),
    sumHours(series, tIndex - 168, tIndex - 144),
    sumHours(series, tIndex - 24, tIndex - 23),
    sumHours(series, tIndex - 24, tIndex - 18),
    acc24 - prev24,
    hoursSince,
    Math.min(MAX_AGE_HOURS, Math.max(0, (t - facts.createdAt) / HOUR_MS)),
    Math.log2(1 + facts.sizeBytes),
    date.getUTCHours(),
    date.getUTCDay(),
    group.mean24h,
    group.mean7dPerDay,
  ];
  for (let i = 0; i < FEATURE_COUNT; i++) out[offset + i] = values[i]!;
}

/** The group an object learns from: its key prefix (`prefix/…` ids or names), else its content type. */
export function groupOf(object: { objectId: string; name: string | null; contentType: string }): string {
  for (const key of [object.objectId, object.name ?? '']) {
    const slash = key.lastIndexOf('/');
    if (slash > 0) return `prefix:${key.slice(0, slash)}`;
  }
  return `type:${object.contentType}`;
}

/** Index of a feature by name (for models and explanations). */
export function featureIndex(name: FeatureName): number {
  return FEATURE_NAMES.indexOf(name);
}
