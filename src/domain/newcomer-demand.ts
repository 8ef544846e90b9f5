/**
 * What a new object of a group can be expected to get in its first `horizonMs`: the only
 * evidence there is about an object that has no history yet, learned online from the
 * objects created before it (never from the future).
 *
 * The estimate is a rate over exposure: accesses that objects received within their first
 * horizon, divided by the time they have been exposed within it (an object created an hour
 * ago adds an hour), times the horizon. A group's rate is shrunk towards all objects' rate
 * by empirical Bayes: the prior's weight (in exposure) is the overall rate over the spread
 * of rates between groups, so where groups really differ their own figures win quickly, and
 * where they do not, one busy sibling cannot make every newcomer of its group look busy.
 */
export class NewcomerDemand {
  private readonly groups = new Map<string, GroupExposure>();
  private readonly all: GroupExposure = emptyGroup();
  /** Objects still within their first horizon, oldest first (creation times only grow). */
  private readonly open: Array<{ at: number; group: GroupExposure }> = [];
  private openHead = 0;
  /** The prior's weight, ms of exposure, and when it was last worked out (it moves slowly). */
  private priorExposure = 0;
  private priorAt = -Infinity;

  constructor(readonly horizonMs: number) {}

  /** A new object of `group` created at `at` (creations arrive in time order). */
  created(group: string, at: number): void {
    this.closeUntil(at);
    const g = this.group(group);
    for (const x of [g, this.all]) {
      x.openCount++;
      x.openCreatedSum += at;
      x.objects++;
    }
    this.open.push({ at, group: g });
  }

  /** `count` accesses at `at` of an object of `group` created at `createdAt`. */
  accessed(group: string, createdAt: number, at: number, count = 1): void {
    if (at - createdAt >= this.horizonMs) return;
    this.group(group).accesses += count;
    this.all.accesses += count;
  }

  /** Expected accesses of a newcomer of `group` within its first horizon; undefined with no evidence at all. */
  expected(group: string, now: number): number | undefined {
    this.closeUntil(now);
    const allExposure = exposure(this.all, now, this.horizonMs);
    if (!(allExposure > 0)) return undefined;
    const allRate = this.all.accesses / allExposure;
    const g = this.groups.get(group);
    if (!g) return allRate * this.horizonMs;
    if (now - this.priorAt >= PRIOR_REFRESH_MS) {
      this.priorExposure = this.priorWeight(now, allRate);
      this.priorAt = now;
    }
    const prior = this.priorExposure;
    return ((g.accesses + allRate * prior) / (exposure(g, now, this.horizonMs) + prior)) * this.horizonMs;
  }

  /**
   * Method of moments for a gamma prior over group rates: between-group variance of the
   * rates (exposure-weighted, less the Poisson noise each group's count carries), and a
   * weight of mean / variance. Groups that barely differ give a heavy prior.
   */
  private priorWeight(now: number, mean: number): number {
    let exposed = 0;
    let spread = 0;
    let groups = 0;
    for (const g of this.groups.values()) {
      const e = exposure(g, now, this.horizonMs);
      if (!(e > 0)) continue;
      const rate = g.accesses / e;
      spread += e * (rate - mean) ** 2;
      exposed += e;
      groups++;
    }
    if (groups < 2 || !(mean > 0)) return this.horizonMs;
    const variance = spread / exposed - (mean * groups) / exposed;
    return variance > 0 ? Math.min(mean / variance, MAX_PRIOR_OBJECTS * this.horizonMs) : MAX_PRIOR_OBJECTS * this.horizonMs;
  }

  private closeUntil(now: number): void {
    while (this.openHead < this.open.length && this.open[this.openHead]!.at + this.horizonMs <= now) {
      const { at, group } = this.open[this.openHead++]!;
      for (const x of [group, this.all]) {
        x.openCount--;
        x.openCreatedSum -= at;
        x.closedExposure += this.horizonMs;
      }
    }
    if (this.openHead > 4096 && this.openHead * 2 > this.open.length) {
      this.open.splice(0, this.openHead);
      this.openHead = 0;
    }
  }

  private group(name: string): GroupExposure {
    let g = this.groups.get(name);
    if (!g) {
      g = emptyGroup();
      this.groups.set(name, g);
    }
    return g;
  }
}

interface GroupExposure {
  objects: number;
  accesses: number;
  closedExposure: number;
  openCount: number;
  openCreatedSum: number;
}

function emptyGroup(): GroupExposure {
  return { objects: 0, accesses: 0, closedExposure: 0, openCount: 0, openCreatedSum: 0 };
}

/** How often the prior's weight is worked out again, ms of the clock it is given. */
const PRIOR_REFRESH_MS = 60_000;
/** When groups do not differ at all, a group needs this many objects' exposure to count as much as the prior. */
const MAX_PRIOR_OBJECTS = 100;

/**
 * Every object counts as exposed for at least this long, so that accesses seen in the very
 * instant objects appear (a burst) read as a high rate rather than as no evidence.
 */
const MIN_EXPOSURE_MS = 1000;

function exposure(g: GroupExposure, now: number, horizonMs: number): number {
  const exposed = g.closedExposure + Math.min(g.openCount * now - g.openCreatedSum, g.openCount * horizonMs);
  return Math.max(exposed, g.objects * Math.min(MIN_EXPOSURE_MS, horizonMs));
}
