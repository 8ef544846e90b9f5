import type { AccessBucket } from '../catalog/catalog.js';

export const HOUR_MS = 3_600_000;

/**
 * One object's accesses per hour, oldest first: `counts[i]` holds the accesses in the hour
 * starting at `startMs + i` hours. Built from the catalog's buckets of any resolution; a
 * day bucket is spread evenly over its hours (the history keeps no finer detail there).
 */
export interface HourlySeries {
  startMs: number;
  counts: Float64Array;
}

/** Hours [startMs, startMs + hours h) from buckets; buckets outside are ignored. startMs must be hour-aligned. */
export function hourlySeries(buckets: readonly AccessBucket[], startMs: number, hours: number): HourlySeries {
  const counts = new Float64Array(hours);
  for (const bucket of buckets) {
    const spanHours = Math.max(1, bucket.resolutionSeconds / 3600);
    const first = Math.floor((bucket.bucketStart - startMs) / HOUR_MS);
    const perHour = bucket.count / spanHours;
    for (let h = 0; h < spanHours; h++) {
      const index = first + h;
      if (index >= 0 && index < hours) counts[index]! += perHour;
    }
  }
  return { startMs, counts };
}

/** Sum of the series over hours [fromHour, toHour) (indexes, clamped to the series). */
export function sumHours(series: HourlySeries, fromHour: number, toHour: number): number {
  let sum = 0;
  const to = Math.min(toHour, series.counts.length);
  for (let h = Math.max(0, fromHour); h < to; h++) sum += series.counts[h]!;
  return sum;
}
