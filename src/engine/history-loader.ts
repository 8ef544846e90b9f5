import type { Catalog } from '../catalog/catalog.js';
import type { ObjectRecord } from '../domain/object.js';
import type { ObjectHistory } from '../forecast/dataset.js';
import { addToGroup, groupOf, type GroupStats } from '../forecast/features.js';
import { HOUR_MS, hourlySeries } from '../forecast/hourly-series.js';

const DAY_MS = 24 * HOUR_MS;
const PAGE = 500;

/** Hourly histories of `objects` on the axis [startMs, startMs + hours h), from the catalog in batches. */
export async function loadHistories(catalog: Catalog, objects: readonly ObjectRecord[], startMs: number, hours: number): Promise<ObjectHistory[]> {
  const histories: ObjectHistory[] = [];
  for (let i = 0; i < objects.length; i += PAGE) {
    const page = objects.slice(i, i + PAGE);
    const buckets = await catalog.accessBucketsFor(page.map((o) => o.objectId), startMs, startMs + hours * HOUR_MS);
    const byObject = new Map<string, typeof buckets>();
    for (const b of buckets) {
      const list = byObject.get(b.objectId);
      if (list) list.push(b);
      else byObject.set(b.objectId, [b]);
    }
    for (const o of page) {
      histories.push({
        objectId: o.objectId,
        group: groupOf(o),
        facts: { createdAt: o.createdAt, sizeBytes: o.sizeBytes, lastAccessedAt: o.lastAccessedAt },
        series: hourlySeries(byObject.get(o.objectId) ?? [], startMs, hours),
      });
    }
  }
  return histories;
}

/**
 * Every group's mean accesses over the 24 h and 7 d before `t`, over the whole catalog,
 * paged so it never loads the catalog at once. Scoring a batch needs its siblings' figures,
 * and they may sit in any other batch.
 */
export async function groupStatsNow(catalog: Catalog, t: number): Promise<Map<string, GroupStats>> {
  const groups = new Map<string, GroupStats>();
  let after: string | null = null;
  for (;;) {
    const page = await catalog.objectsAfter(after, PAGE);
    const counts = await catalog.accessSums(page.map((o) => o.objectId), [t - DAY_MS, t - 7 * DAY_MS]);
    for (const o of page) {
      if (o.createdAt >= t) continue;
      const [day, week] = counts.get(o.objectId) ?? [0, 0];
      addToGroup(groups, groupOf(o), day!, week!);
    }
    if (page.length < PAGE) break;
    after = page[page.length - 1]!.objectId;
  }
  return groups;
}
