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

/** Totals of an object's group (key prefix or content type) at t, over the objects that existed. */
export interface GroupStats {
  objects: number;
  /** Σ accesses in the 24 h before t. */
  sum24h: number;
  /** Σ accesses in the 7 d before t, divided by 7. */
  sum7dPerDay: number;
}

export const NO_GROUP: GroupStats = { objects: 0, sum24h: 0, sum7dPerDay: 0 };

/** The totals over every object, kept beside the groups' under this key. */
export const ALL_OBJECTS = '*';

/** Adds one object's recent accesses to its group's totals and to the totals over all objects. */
export function addToGroup(groups: Map<string, GroupStats>, group: string, accesses24h: number, accesses7d: number): void {
  for (const key of [group, ALL_OBJECTS]) {
    const entry = groups.get(key) ?? { ...NO_GROUP };
    entry.objects++;
    entry.sum24h += accesses24h;
    entry.sum7dPerDay += accesses7d / 7;
    groups.set(key, entry);
  }
}

/**
 * The figures an object learns from: its group's, or, when it is alone in its group
 * (`includesSelf`: the totals count the object itself), the whole catalog's, so that the
 * first object of a new prefix still inherits what a typical object gets.
 */
export function siblingStats(groups: ReadonlyMap<string, GroupStats>, group: string, includesSelf = true): GroupStats {
  const own = groups.get(group);
  const siblings = (own?.objects ?? 0) - (includesSelf ? 1 : 0);
  if (own && siblings >= 1) return own;
  return groups.get(ALL_OBJECTS) ?? own ?? NO_GROUP;
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
  // The siblings' mean, leaving the object itself out: what a newcomer can inherit.
  const acc7d = before(168);
  const others = group.objects - 1;
  const groupMean24h = others > 0 ? Math.max(0, group.sum24h - acc24) / others : 0;
  const groupMean7d = others > 0 ? Math.max(0, group.sum7dPerDay - acc7d / 7) / others : 0;
  const date = new Date(t);
  const values = [
    before(1),
    before(6),
    acc24,
    acc7d,
    sumHours(series, tIndex - 168, tIndex - 144),
    sumHours(series, tIndex - 24, tIndex - 23),
    sumHours(series, tIndex - 24, tIndex - 18),
    acc24 - prev24,
    hoursSince,
    Math.min(MAX_AGE_HOURS, Math.max(0, (t - knownSince(series, tIndex, facts.createdAt)) / HOUR_MS)),
    Math.log2(1 + facts.sizeBytes),
    date.getUTCHours(),
    date.getUTCDay(),
    groupMean24h,
    groupMean7d,
  ];
  for (let i = 0; i < FEATURE_COUNT; i++) out[offset + i] = values[i]!;
}

/**
 * Since when the object's demand is known: its upload, or its first access in the history
 * if that is older (history loaded with import-accesses predates the upload here).
 */
function knownSince(series: HourlySeries, tIndex: number, createdAt: number): number {
  const last = Math.min(tIndex, series.counts.length);
  for (let h = 0; h < last; h++) if (series.counts[h]! > 0) return Math.min(createdAt, series.startMs + h * HOUR_MS);
  return createdAt;
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
