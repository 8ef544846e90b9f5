import { addToGroup, FEATURE_COUNT, LOOKBACK_HOURS, siblingStats, writeFeatures, type GroupStats, type ObjectFacts } from './features.js';
import { sumHours, type HourlySeries } from './hourly-series.js';

/** One object's history on the shared hourly axis of a training or scoring run. */
export interface ObjectHistory {
  objectId: string;
  group: string;
  facts: ObjectFacts;
  series: HourlySeries;
}

/** Rows of features (row-major) with the accesses that really followed each origin. */
export interface Dataset {
  features: Float64Array;
  labels: Float64Array;
  rows: number;
  /** The origin hour index of each row. */
  originIndex: Int32Array;
}

/** Each group's totals over the 24 h and 7 d before hour index `tIndex`, over the objects that existed then. */
export function groupStatsAt(histories: readonly ObjectHistory[], tIndex: number, t: number): Map<string, GroupStats> {
  const groups = new Map<string, GroupStats>();
  for (const h of histories) {
    if (h.facts.createdAt >= t) continue;
    addToGroup(groups, h.group, sumHours(h.series, tIndex - 24, tIndex), sumHours(h.series, tIndex - 168, tIndex));
  }
  return groups;
}

/**
 * Rolling origins: features at each origin index, label = accesses in the `horizonHours`
 * after it, for every object that existed at the origin. Only hours before an origin feed
 * its features, so nothing from the future leaks in.
 */
export function buildDataset(histories: readonly ObjectHistory[], originIndexes: readonly number[], horizonHours: number): Dataset {
  const capacity = histories.length * originIndexes.length;
  const features = new Float64Array(capacity * FEATURE_COUNT);
  const labels = new Float64Array(capacity);
  const originIndex = new Int32Array(capacity);
  let rows = 0;
  for (const tIndex of originIndexes) {
    const start = histories[0]?.series.startMs ?? 0;
    const t = start + tIndex * 3_600_000;
    const groups = groupStatsAt(histories, tIndex, t);
    for (const h of histories) {
      if (h.facts.createdAt >= t) continue;
      writeFeatures(features, rows * FEATURE_COUNT, h.series, tIndex, t, h.facts, siblingStats(groups, h.group));
      labels[rows] = sumHours(h.series, tIndex, tIndex + horizonHours);
      originIndex[rows] = tIndex;
      rows++;
    }
  }
  return { features: features.subarray(0, rows * FEATURE_COUNT), labels: labels.subarray(0, rows), rows, originIndex: originIndex.subarray(0, rows) };
}

/**
 * Origin indexes every `strideHours` from the first hour with a full lookback to the last
 * one whose horizon has fully happened, on an axis of `totalHours`.
 */
export function rollingOrigins(totalHours: number, horizonHours: number, strideHours: number): number[] {
  const origins: number[] = [];
  for (let t = totalHours - horizonHours; t >= LOOKBACK_HOURS; t -= strideHours) origins.push(t);
  return origins.reverse();
}

/** Keeps the rows whose origin index passes `keep`. */
export function selectRows(dataset: Dataset, keep: (originIndex: number) => boolean): Dataset {
  const picked: number[] = [];
  for (let r = 0; r < dataset.rows; r++) if (keep(dataset.originIndex[r]!)) picked.push(r);
  const features = new Float64Array(picked.length * FEATURE_COUNT);
  const labels = new Float64Array(picked.length);
  const originIndex = new Int32Array(picked.length);
  picked.forEach((r, i) => {
    features.set(dataset.features.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT), i * FEATURE_COUNT);
    labels[i] = dataset.labels[r]!;
    originIndex[i] = dataset.originIndex[r]!;
  });
  return { features, labels, rows: picked.length, originIndex };
}
