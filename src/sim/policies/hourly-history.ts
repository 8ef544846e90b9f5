import { ALL_OBJECTS, groupOf, LOOKBACK_HOURS, NO_GROUP, type GroupStats } from '../../forecast/features.js';

/** Index of the totals over every object (created first). */
const ALL = 0;
import { HOUR_MS, type HourlySeries } from '../../forecast/hourly-series.js';

/**
 * Per-object accesses per hour, kept sparse (hour, count) for as long as the forecaster
 * looks back or trains over, plus each group's hourly totals: what the service's catalog
 * holds as access buckets, built from the replayed requests only.
 */
export class HourlyHistory {
  /** Per object: flat [hour, count, hour, count, ...], oldest first. */
  private readonly hours: number[][] = [];
  private readonly groupIndex: number[] = [];
  private readonly groupIds = new Map<string, number>();
  /** Per group: accesses per hour in a ring of LOOKBACK_HOURS, and the objects created so far. */
  private readonly groupRings: Float64Array[] = [];
  private readonly groupRingHour: number[] = [];
  private readonly groupObjects: number[] = [];
  /** Each group's stats at the hour last asked for: a sweep asks once per object, nothing is recorded meanwhile. */
  private readonly statsCache: Array<{ hour: number; stats: GroupStats }> = [];

  constructor(private readonly keepHours: number) {
    this.groupIndexOf(ALL_OBJECTS);
  }

  addObject(object: number, objectId: string): void {
    const index = this.groupIndexOf(groupOf({ objectId, name: null, contentType: 'application/octet-stream' }));
    this.groupIndex[object] = index;
    this.groupObjects[index]!++;
    this.groupObjects[ALL]!++;
    this.hours[object] = [];
  }

  private groupIndexOf(group: string): number {
    let index = this.groupIds.get(group);
    if (index === undefined) {
      index = this.groupRings.length;
      this.groupIds.set(group, index);
      this.groupRings.push(new Float64Array(LOOKBACK_HOURS));
      this.groupRingHour.push(-Infinity);
      this.groupObjects.push(0);
    }
    return index;
  }

  record(object: number, at: number): void {
    const hour = Math.floor(at / HOUR_MS);
    const list = this.hours[object]!;
    const n = list.length;
    if (n > 0 && list[n - 2] === hour) list[n - 1]!++;
    else {
      list.push(hour, 1);
      // Drop what no window reaches any more, in chunks so the shift stays rare.
      if (n > 64 && list[0]! < hour - this.keepHours) {
        let drop = 0;
        while (drop < list.length && list[drop]! < hour - this.keepHours) drop += 2;
        list.splice(0, drop);
      }
    }
    this.bump(this.groupIndex[object]!, hour);
    this.bump(ALL, hour);
  }

  private bump(g: number, hour: number): void {
    this.advanceGroup(g, hour);
    this.groupRings[g]![hour % LOOKBACK_HOURS]!++;
  }

  /** Fills `series.counts` with the object's hours [startHour, startHour + length). */
  fill(object: number, series: HourlySeries): void {
    const counts = series.counts;
    counts.fill(0);
    const startHour = Math.floor(series.startMs / HOUR_MS);
    const list = this.hours[object]!;
    for (let i = list.length - 2; i >= 0; i -= 2) {
      const index = list[i]! - startHour;
      if (index < 0) break;
      if (index < counts.length) counts[index] = list[i + 1]!;
    }
  }

  /**
   * The totals over the 24 h and 7 d before the hour starting at `t` of the object's group,
   * or of every object when it is alone in its group (as siblingStats picks in the service).
   */
  groupStats(object: number, t: number): GroupStats {
    const own = this.groupIndex[object]!;
    return this.totalsOf(this.groupObjects[own]! >= 2 ? own : ALL, t);
  }

  private totalsOf(g: number, t: number): GroupStats {
    const hour = Math.floor(t / HOUR_MS);
    const cached = this.statsCache[g];
    if (cached && cached.hour === hour && cached.stats.objects === this.groupObjects[g]) return cached.stats;
    this.advanceGroup(g, hour - 1);
    const ring = this.groupRings[g]!;
    let sum24h = 0;
    let sum7d = 0;
    for (let back = 1; back <= 168; back++) {
      const value = ring[(((hour - back) % LOOKBACK_HOURS) + LOOKBACK_HOURS) % LOOKBACK_HOURS]!;
      sum7d += value;
      if (back <= 24) sum24h += value;
    }
    const objects = this.groupObjects[g]!;
    const stats = objects === 0 ? NO_GROUP : { objects, sum24h, sum7dPerDay: sum7d / 7 };
    this.statsCache[g] = { hour, stats };
    return stats;
  }

  /** The last hour with an access, or -Infinity. */
  lastHour(object: number): number {
    const list = this.hours[object]!;
    return list.length === 0 ? -Infinity : list[list.length - 2]!;
  }

  /** Zeroes the ring slots of hours that passed since the group's last access. */
  private advanceGroup(g: number, hour: number): void {
    const last = this.groupRingHour[g]!;
    if (hour <= last) return;
    const ring = this.groupRings[g]!;
    const from = last === -Infinity ? hour - LOOKBACK_HOURS + 1 : last + 1;
    for (let h = Math.max(from, hour - LOOKBACK_HOURS + 1); h <= hour; h++) ring[h % LOOKBACK_HOURS] = 0;
    this.groupRingHour[g] = hour;
  }
}
