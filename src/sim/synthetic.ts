/**
 * Seeded synthetic access workloads: a population of objects in five behaviour classes
 * and a time-ordered stream of accesses to them.
 *
 * Pure domain code (no I/O, no clock): the forecaster's tests and benchmarks use it as
 * ground truth, and the trace simulator will replay it. The same options always give the
 * same objects and the same stream, on every platform.
 *
 * How the stream is made: first a plan of the objects (class, size, creation, rates) is
 * drawn from the seed; then time is walked one UTC hour at a time. For each hour each
 * object's expected access count follows from its class (a rate function, below); a
 * Poisson count is drawn and that many instants are spread over the hour (uniformly, or
 * along the decay for decaying rates); the hour's events are sorted and yielded. Memory
 * therefore grows with the number of objects and the accesses of one hour, never with the
 * length of the workload. The plan and the accesses use separate PRNG streams, so
 * describeObjects() gives the same ground truth whether or not accesses are drawn.
 *
 * The classes (every object id starts with its class, `daily/obj-000123`, so that a
 * forecaster can pool what it learns over siblings):
 * - `steady` — a flat rate for its whole life, set by Zipf popularity within the class.
 * - `daily` — a daily cycle: most of each day's accesses fall in a 1–2 h peak window at a
 *   fixed UTC hour (half of them in office hours, 08:00–12:00), a low rate the rest of the
 *   day, and fewer accesses at weekends (Saturday and Sunday, UTC).
 * - `flash` — a low quiet rate, then at one instant a flash crowd whose rate decays
 *   exponentially over a few hours.
 * - `one-hit` — read once or a few times within minutes of its creation, then never again.
 * - `cooling` — busy when created, then its rate decays exponentially to near zero over days.
 *
 * Popularity: each class except `one-hit` draws its objects' popularity from a Zipf law
 * over the class (rank 0 the busiest); a class's share of the traffic is proportional to
 * its share of the objects. All rates are finally scaled together so that the expected
 * total over the window is `meanDailyAccesses × days`.
 */
import { invalidInput } from '../domain/errors.js';
import { Prng, ZipfSampler } from './prng.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const KIB = 1024;
const GIB = 1024 ** 3;
/** Events of one hour are sorted as `offsetInHour × 2^24 + objectIndex`, exact in a double. */
const INDEX_BITS = 2 ** 24;
/** The most objects a workload may have: the index must fit the sort key's low bits. */
export const MAX_OBJECTS = INDEX_BITS;

export type ObjectClass = 'steady' | 'daily' | 'flash' | 'one-hit' | 'cooling';
export const OBJECT_CLASSES: readonly ObjectClass[] = ['steady', 'daily', 'flash', 'one-hit', 'cooling'];

/** Object sizes: log-normal, clamped. */
export interface SizeDistribution {
  /** Median object size, bytes (default 256 KiB). */
  medianBytes?: number;
  /** Standard deviation of ln(size) (default 2: sizes spread over several orders of magnitude). */
  sigma?: number;
  /** Smallest size, bytes (default 1 KiB). */
  minBytes?: number;
  /** Largest size, bytes (default 1 GiB). */
  maxBytes?: number;
}

export interface SyntheticOptions {
  /** PRNG seed; the same options give the same objects and accesses. */
  seed: number;
  /** Number of objects (1 … 2^24). */
  objects: number;
  /** Length of the window, days (may be fractional). */
  days: number;
  /** Start of the window, ms since the Unix epoch (UTC), an integer. */
  start: number;
  /** Zipf exponent of popularity within a class (default 0.9). */
  zipfExponent?: number;
  /**
   * Expected accesses per day over all objects, averaged over the window (default
   * objects × 5). Days early in the window see fewer, since objects keep being created.
   */
  meanDailyAccesses?: number;
  /** Share of objects in the `daily` class (default 0.2). */
  dailyCycleShare?: number;
  /** Share of objects in the `flash` class (default 0.05). */
  flashCrowdShare?: number;
  /** Share of objects in the `one-hit` class (default 0.3). */
  oneHitShare?: number;
  /** Share of objects in the `cooling` class (default 0.15). The rest are `steady`. */
  coolingShare?: number;
  /**
   * Share of `steady`, `daily` and `flash` objects that already exist at `start` (default
   * 0.5); the others, and all `one-hit` and `cooling` objects, are created at uniformly
   * random instants within the window.
   */
  preexistingShare?: number;
  /** Object sizes (default log-normal with median 256 KiB and σ 2, clamped to 1 KiB – 1 GiB). */
  sizeDistribution?: SizeDistribution;
}

/** One access (or `count` accesses at the same millisecond) to one object. */
export interface SyntheticAccess {
  /** ms since the Unix epoch, an integer. */
  at: number;
  objectId: string;
  sizeBytes: number;
  /** Accesses to this object at this millisecond, ≥ 1 (almost always 1). */
  count: number;
}

interface ObjectBase {
  id: string;
  /** Position in describeObjects' list; the number in the id. */
  index: number;
  sizeBytes: number;
  /** ms; `start` for objects that already exist when the window opens. No access precedes it. */
  createdAt: number;
  /** Expected accesses within the window (the mean of what the stream will hold). */
  expectedAccesses: number;
}

/** Flat rate for the whole life. */
export interface SteadyObject extends ObjectBase {
  class: 'steady';
  /** Zipf rank within the class, 0 = busiest. */
  popularityRank: number;
  /** Accesses per day. */
  dailyRate: number;
}

/** Daily cycle with a peak window and quieter weekends. */
export interface DailyObject extends ObjectBase {
  class: 'daily';
  popularityRank: number;
  /** First hour of the peak window, 0–23 UTC. */
  peakHour: number;
  /** Length of the peak window, hours (1 or 2); it may wrap past midnight. */
  peakWidthHours: number;
  /** Fraction of each day's accesses that fall inside the peak window (0.75–0.95). */
  peakShare: number;
  /** A weekend day's accesses as a fraction of a weekday's (0.2–0.5). */
  weekendFactor: number;
  /** Accesses on a full weekday (Monday–Friday UTC). */
  weekdayAccesses: number;
}

/** Quiet, then a flash crowd decaying exponentially. */
export interface FlashObject extends ObjectBase {
  class: 'flash';
  popularityRank: number;
  /** Background rate before and after the crowd, accesses per day. */
  quietDailyRate: number;
  /** Onset of the flash crowd, ms; the crowd's rate is highest here. */
  flashAt: number;
  /** Time constant of the crowd's exponential decay, hours (1–6). */
  decayHours: number;
  /** Expected accesses of the whole crowd, were it not cut off by the window's end. */
  burstAccesses: number;
}

/** Read once or a few times just after creation, never again. */
export interface OneHitObject extends ObjectBase {
  class: 'one-hit';
  /** The instants of its accesses within the window, ms, ascending (all within a day of creation). */
  accessTimes: number[];
}

/** Busy at first, decaying to near zero over days. */
export interface CoolingObject extends ObjectBase {
  class: 'cooling';
  popularityRank: number;
  /** Rate at creation, accesses per day. */
  initialDailyRate: number;
  /** Time constant of the decay, days (0.5–4). */
  decayDays: number;
}

export type SyntheticObject = SteadyObject | DailyObject | FlashObject | OneHitObject | CoolingObject;

interface ResolvedOptions {
  seed: number;
  objects: number;
  start: number;
  /** Exclusive end of the window, ms. */
  end: number;
  zipfExponent: number;
  meanDailyAccesses: number;
  shares: Record<ObjectClass, number>;
  preexistingShare: number;
  size: Required<SizeDistribution>;
}

/** The objects with everything the generator needs, built from the options alone. */
interface Plan {
  options: ResolvedOptions;
  objects: SyntheticObject[];
  /** Steady objects by popularity rank, and the sampler that draws ranks. */
  steadyByRank: number[];
  steadySampler: ZipfSampler | undefined;
  /** Accesses per day of all steady objects together. */
  steadyDailyTotal: number;
  // Objects whose accesses are drawn object by object, hour by hour, each class in its own
  // array of one shape: the hourly loops then stay monomorphic, which is several times
  // faster than reading the public union-typed objects.
  daily: DailyState[];
  flash: FlashState[];
  cooling: CoolingState[];
  /** Every one-hit access in time order: instants and object indexes. */
  oneHitTimes: number[];
  oneHitObjects: number[];
}

interface DailyState {
  index: number;
  createdAt: number;
  peakHour: number;
  peakWidthHours: number;
  /** Accesses per hour: [peak weekday, off-peak weekday, peak weekend, off-peak weekend]. */
  rates: Float64Array;
  /** knuthLimit() of each rate, so that a full hour costs no exponential. */
  limits: Float64Array;
}

interface FlashState {
  index: number;
  createdAt: number;
  /** Accesses per hour outside the crowd, and its knuthLimit(). */
  quietHourly: number;
  quietLimit: number;
  flashAt: number;
  /** Decay time constant, ms. */
  tau: number;
  burstAccesses: number;
  /** ms after which the crowd's remaining expected accesses are negligible. */
  burstUntil: number;
}

interface CoolingState {
  index: number;
  createdAt: number;
  /** Expected accesses of the whole decay (rate at creation × time constant). */
  totalAccesses: number;
  /** Decay time constant, ms. */
  tau: number;
  /** ms after which the remaining expected accesses are negligible. */
  activeUntil: number;
}

const STREAM_PLAN = 1;
const STREAM_ACCESSES = 2;
/**
 * A decaying object whose remaining expected accesses fall below this is no longer drawn:
 * the chance of losing an access is under 0.1 %, and a year-long workload no longer pays
 * an hourly draw for every long-dead object.
 */
const NEGLIGIBLE_ACCESSES = 1e-3;

/** The accesses of one hour, packed as sortable numbers: `offsetInHour × 2^24 + objectIndex`. */
class HourBuffer {
  keys = new Float64Array(4096);
  count = 0;
  slot = 0;

  reset(slot: number): void {
    this.slot = slot;
    this.count = 0;
  }

  push(at: number, index: number): void {
    if (this.count === this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys[this.count++] = (at - this.slot) * INDEX_BITS + index;
  }

  /** The keys in time order (then object order); a typed-array sort needs no comparator calls. */
  sorted(): Float64Array {
    return this.keys.subarray(0, this.count).sort();
  }
}

/** Each object's id, class, size, creation time and class parameters: the ground truth. */
export function describeObjects(options: SyntheticOptions): SyntheticObject[] {
  return buildPlan(options).objects;
}

/**
 * The accesses of the workload in non-decreasing time order, all within
 * [start, start + days), none before its object's creation. Lazy: it computes one hour at
 * a time as the consumer pulls.
 */
export function* generateAccesses(options: SyntheticOptions): Generator<SyntheticAccess, void, undefined> {
  const plan = buildPlan(options);
  const { start, end } = plan.options;
  const rng = new Prng(plan.options.seed, STREAM_ACCESSES);
  const objects = plan.objects;
  const buffer = new HourBuffer();
  let oneHitCursor = 0;

  for (let slot = Math.floor(start / HOUR_MS) * HOUR_MS; slot < end; slot += HOUR_MS) {
    const from = Math.max(slot, start);
    const to = Math.min(slot + HOUR_MS, end);
    const fullHour = to - slot === HOUR_MS;
    buffer.reset(slot);

    // Steady objects: draw the hour's total once and share it out by Zipf, rather than a
    // Poisson draw per object — O(accesses) instead of O(objects) per hour. Thinning (drop
    // a draw that lands before its object's creation) keeps each object's count exactly
    // Poisson with its own rate.
    if (plan.steadySampler && plan.steadyDailyTotal > 0) {
      const n = rng.poisson((plan.steadyDailyTotal * (to - from)) / DAY_MS);
      for (let i = 0; i < n; i++) {
        const index = plan.steadyByRank[plan.steadySampler.sample(rng)]!;
        const at = from + Math.floor(rng.next() * (to - from));
        if (at >= objects[index]!.createdAt) buffer.push(at, index);
      }
    }

    const dayNumber = Math.floor(slot / DAY_MS);
    const hourOfDay = (slot - dayNumber * DAY_MS) / HOUR_MS;
    const weekendOffset = isWeekend(dayNumber) ? 2 : 0;
    for (const d of plan.daily) {
      const lo = Math.max(from, d.createdAt);
      if (lo >= to) continue;
      const k = weekendOffset + ((hourOfDay - d.peakHour + 24) % 24 < d.peakWidthHours ? 0 : 1);
      const rate = d.rates[k]!;
      const n = lo === slot && fullHour ? drawCount(rng, rate, d.limits[k]!) : rng.poisson((rate * (to - lo)) / HOUR_MS);
      for (let i = 0; i < n; i++) buffer.push(lo + Math.floor(rng.next() * (to - lo)), d.index);
    }

    for (const f of plan.flash) {
      const lo = Math.max(from, f.createdAt);
      if (lo >= to) continue;
      const quiet = lo === slot && fullHour ? drawCount(rng, f.quietHourly, f.quietLimit) : rng.poisson((f.quietHourly * (to - lo)) / HOUR_MS);
      for (let i = 0; i < quiet; i++) buffer.push(lo + Math.floor(rng.next() * (to - lo)), f.index);
      const burstFrom = Math.max(lo, f.flashAt);
      if (burstFrom >= to || burstFrom >= f.burstUntil) continue;
      const n = rng.poisson(f.burstAccesses * decayedMass(burstFrom - f.flashAt, to - f.flashAt, f.tau));
      for (let i = 0; i < n; i++) buffer.push(truncatedExponential(rng, burstFrom, to, f.tau), f.index);
    }

    for (const c of plan.cooling) {
      const lo = Math.max(from, c.createdAt);
      if (lo >= to || lo >= c.activeUntil) continue;
      const n = rng.poisson(c.totalAccesses * decayedMass(lo - c.createdAt, to - c.createdAt, c.tau));
      for (let i = 0; i < n; i++) buffer.push(truncatedExponential(rng, lo, to, c.tau), c.index);
    }

    while (oneHitCursor < plan.oneHitTimes.length && plan.oneHitTimes[oneHitCursor]! < to) {
      buffer.push(plan.oneHitTimes[oneHitCursor]!, plan.oneHitObjects[oneHitCursor]!);
      oneHitCursor++;
    }

    const keys = buffer.sorted();
    for (let i = 0; i < keys.length; ) {
      // Equal keys are the same object at the same millisecond: one access with a count.
      const key = keys[i]!;
      let same = 1;
      while (i + same < keys.length && keys[i + same] === key) same++;
      i += same;
      const index = key % INDEX_BITS;
      const object = objects[index]!;
      yield { at: slot + (key - index) / INDEX_BITS, objectId: object.id, sizeBytes: object.sizeBytes, count: same };
    }
  }
}

/** e^-mean when Knuth's method applies (mean < 30), else -1: see drawCount. */
function knuthLimit(mean: number): number {
  return mean < 30 ? Math.exp(-mean) : -1;
}

/** A Poisson count for a mean whose knuthLimit() was computed beforehand. */
function drawCount(rng: Prng, mean: number, limit: number): number {
  return limit >= 0 ? rng.poissonKnuth(limit) : rng.poisson(mean);
}

/** Whether a day (days since the epoch) is a Saturday or Sunday, UTC. */
function isWeekend(dayNumber: number): boolean {
  const dayOfWeek = (dayNumber + 4) % 7; // 1970-01-01 was a Thursday; 0 = Sunday
  return dayOfWeek === 0 || dayOfWeek === 6;
}

/** Time after `from` (ms) when a decay of `total` expected accesses has a negligible remainder. */
function negligibleAfter(from: number, total: number, tau: number): number {
  return total > NEGLIGIBLE_ACCESSES ? from + tau * Math.log(total / NEGLIGIBLE_ACCESSES) : from;
}

/**
 * The accesses as trace CSV lines, `timestamp,object_id,size`, header first: timestamp in
 * epoch seconds with a millisecond fraction, size in bytes, one line per access (an access
 * with count n gives n identical lines). Lines carry no newline.
 */
export function* toCsvLines(accesses: Iterable<SyntheticAccess>): Generator<string, void, undefined> {
  yield 'timestamp,object_id,size';
  for (const access of accesses) {
    const seconds = Math.floor(access.at / 1000);
    const millis = access.at - seconds * 1000;
    const line = `${seconds}.${String(millis).padStart(3, '0')},${access.objectId},${access.sizeBytes}`;
    for (let i = 0; i < access.count; i++) yield line;
  }
}

/** A daily object's rate in the UTC hour starting at `hourStart`, accesses per hour. */
function dailyHourlyRate(object: DailyObject, hourStart: number): number {
  const dayNumber = Math.floor(hourStart / DAY_MS);
  const dayAccesses = object.weekdayAccesses * (isWeekend(dayNumber) ? object.weekendFactor : 1);
  const hourOfDay = Math.floor((hourStart - dayNumber * DAY_MS) / HOUR_MS);
  const inPeak = (hourOfDay - object.peakHour + 24) % 24 < object.peakWidthHours;
  return inPeak ? (dayAccesses * object.peakShare) / object.peakWidthHours : (dayAccesses * (1 - object.peakShare)) / (24 - object.peakWidthHours);
}

/** Expected accesses of a daily object over [from, to): whole days at once, hours at the edges. */
function dailyExpected(object: DailyObject, from: number, to: number): number {
  let total = 0;
  for (let t = from; t < to; ) {
    const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
    if (t === dayStart && dayStart + DAY_MS <= to) {
      total += object.weekdayAccesses * (isWeekend(dayStart / DAY_MS) ? object.weekendFactor : 1);
      t = dayStart + DAY_MS;
    } else {
      const hourStart = Math.floor(t / HOUR_MS) * HOUR_MS;
      const hourEnd = Math.min(hourStart + HOUR_MS, to);
      total += (dailyHourlyRate(object, hourStart) * (hourEnd - t)) / HOUR_MS;
      t = hourEnd;
    }
  }
  return total;
}

/** Fraction of an exponential decay's total mass (time constant tau) between ages a and b. */
function decayedMass(a: number, b: number, tau: number): number {
  return Math.exp(-a / tau) - Math.exp(-b / tau);
}

/** An integer ms in [from, to) drawn from an exponential decay (time constant tau) starting at `from`. */
function truncatedExponential(rng: Prng, from: number, to: number, tau: number): number {
  const offset = -tau * Math.log(1 - rng.next() * (1 - Math.exp(-(to - from) / tau)));
  return Math.min(from + Math.floor(offset), to - 1);
}

function resolveOptions(options: SyntheticOptions): ResolvedOptions {
  const { seed, objects, days, start } = options;
  if (!Number.isFinite(seed)) throw invalidInput(`seed must be a finite number, got ${seed}`);
  if (!Number.isInteger(objects) || objects < 1 || objects > MAX_OBJECTS) throw invalidInput(`objects must be a whole number from 1 to ${MAX_OBJECTS}, got ${objects}`);
  if (!Number.isFinite(days) || days <= 0) throw invalidInput(`days must be a positive number, got ${days}`);
  if (!Number.isInteger(start) || start < 0) throw invalidInput(`start must be whole ms since the epoch, ≥ 0, got ${start}`);
  const zipfExponent = options.zipfExponent ?? 0.9;
  if (!Number.isFinite(zipfExponent) || zipfExponent < 0) throw invalidInput(`zipfExponent must be ≥ 0, got ${zipfExponent}`);
  const meanDailyAccesses = options.meanDailyAccesses ?? objects * 5;
  if (!Number.isFinite(meanDailyAccesses) || meanDailyAccesses < 0) throw invalidInput(`meanDailyAccesses must be ≥ 0, got ${meanDailyAccesses}`);
  const share = (name: string, value: number): number => {
    if (!Number.isFinite(value) || value < 0 || value > 1) throw invalidInput(`${name} must lie in [0, 1], got ${value}`);
    return value;
  };
  const daily = share('dailyCycleShare', options.dailyCycleShare ?? 0.2);
  const flash = share('flashCrowdShare', options.flashCrowdShare ?? 0.05);
  const oneHit = share('oneHitShare', options.oneHitShare ?? 0.3);
  const cooling = share('coolingShare', options.coolingShare ?? 0.15);
  const classShares = daily + flash + oneHit + cooling;
  if (classShares > 1 + 1e-9) throw invalidInput(`the class shares add up to ${classShares}, more than 1`, 'the steady class takes what the others leave');
  const preexistingShare = share('preexistingShare', options.preexistingShare ?? 0.5);
  const size = {
    medianBytes: options.sizeDistribution?.medianBytes ?? 256 * KIB,
    sigma: options.sizeDistribution?.sigma ?? 2,
    minBytes: options.sizeDistribution?.minBytes ?? KIB,
    maxBytes: options.sizeDistribution?.maxBytes ?? GIB,
  };
  if (!(size.medianBytes > 0) || !(size.sigma >= 0) || !(size.minBytes >= 1) || !(size.maxBytes >= size.minBytes) || !Number.isFinite(size.maxBytes) || !Number.isFinite(size.sigma)) {
    throw invalidInput(`sizeDistribution is invalid: ${JSON.stringify(options.sizeDistribution)}`, 'need medianBytes > 0, sigma ≥ 0, 1 ≤ minBytes ≤ maxBytes');
  }
  return {
    seed,
    objects,
    start,
    end: start + Math.max(1, Math.round(days * DAY_MS)),
    zipfExponent,
    meanDailyAccesses,
    shares: { steady: Math.max(0, 1 - classShares), daily, flash, 'one-hit': oneHit, cooling },
    preexistingShare,
    size,
  };
}

/** Objects per class: the largest-remainder rounding of share × objects, summing exactly to objects. */
function classCounts(objects: number, shares: Record<ObjectClass, number>): Record<ObjectClass, number> {
  const total = OBJECT_CLASSES.reduce((sum, c) => sum + shares[c], 0);
  const exact = OBJECT_CLASSES.map((c) => (objects * shares[c]) / total);
  const counts = exact.map(Math.floor);
  const byRemainder = OBJECT_CLASSES.map((_, i) => i).sort((a, b) => exact[b]! - counts[b]! - (exact[a]! - counts[a]!) || a - b);
  let left = objects - counts.reduce((sum, n) => sum + n, 0);
  for (const i of byRemainder) {
    if (left-- <= 0) break;
    counts[i]!++;
  }
  return Object.fromEntries(OBJECT_CLASSES.map((c, i) => [c, counts[i]!])) as Record<ObjectClass, number>;
}

function buildPlan(input: SyntheticOptions): Plan {
  const options = resolveOptions(input);
  const { objects: n, start, end, size } = options;
  const rng = new Prng(options.seed, STREAM_PLAN);
  const counts = classCounts(n, options.shares);

  // Classes are dealt out in a shuffled order so that an id's number says nothing about its class.
  const classOf = rng.shuffle(OBJECT_CLASSES.flatMap((c) => new Array<ObjectClass>(counts[c]).fill(c)));
  const longLived = n - counts['one-hit'];
  const meanWeight = longLived > 0 ? 1 / longLived : 0;
  const samplers = new Map<ObjectClass, ZipfSampler>();
  const ranks = new Map<ObjectClass, number[]>();
  for (const c of OBJECT_CLASSES) {
    if (c === 'one-hit' || counts[c] === 0) continue;
    samplers.set(c, new ZipfSampler(counts[c], options.zipfExponent));
    ranks.set(c, rng.shuffle(Array.from({ length: counts[c] }, (_, r) => r)));
  }
  const width = Math.max(6, String(n - 1).length);
  const uniformTime = (from: number): number => from + Math.floor(rng.next() * (end - from));

  // Pass 1: draw every object with unscaled rates (relative weights) and its unscaled
  // expected accesses; pass 2 scales them so the total matches meanDailyAccesses.
  const objects: SyntheticObject[] = [];
  const unscaledExpected: number[] = [];
  const nextRank = new Map<ObjectClass, number>();
  for (let index = 0; index < n; index++) {
    const cls = classOf[index]!;
    const id = `${cls}/obj-${String(index).padStart(width, '0')}`;
    const sizeBytes = Math.round(Math.min(size.maxBytes, Math.max(size.minBytes, size.medianBytes * Math.exp(size.sigma * rng.normal()))));
    // Literals with every field spelled out (no spread) give each class one hidden class,
    // which keeps building and reading a million-object plan fast.
    if (cls === 'one-hit') {
      const createdAt = uniformTime(start);
      const accesses = rng.chance(0.6) ? 1 : rng.int(2, 4);
      const accessTimes: number[] = [];
      for (let i = 0; i < accesses; i++) {
        // Minutes after creation (mean 10 min), never as late as a day.
        const at = createdAt + Math.floor(Math.min(rng.exponential(1 / (10 * 60_000)), DAY_MS - 1));
        if (at < end) accessTimes.push(at);
      }
      accessTimes.sort((a, b) => a - b);
      objects.push({ class: 'one-hit', id, index, sizeBytes, createdAt, expectedAccesses: 0, accessTimes });
      unscaledExpected.push(0);
      continue;
    }
    const slot = nextRank.get(cls) ?? 0;
    nextRank.set(cls, slot + 1);
    const popularityRank = ranks.get(cls)![slot]!;
    // A class's traffic share is its object share; within it, Zipf.
    const weight = (counts[cls] / longLived) * samplers.get(cls)!.probability(popularityRank);
    const createdAt = cls === 'cooling' || !rng.chance(options.preexistingShare) ? uniformTime(start) : start;
    const activeDays = (end - createdAt) / DAY_MS;
    if (cls === 'steady') {
      objects.push({ class: 'steady', id, index, sizeBytes, createdAt, expectedAccesses: 0, popularityRank, dailyRate: weight });
      unscaledExpected.push(weight * activeDays);
    } else if (cls === 'daily') {
      const weekendFactor = rng.uniform(0.2, 0.5);
      const object: DailyObject = {
        class: 'daily',
        id,
        index,
        sizeBytes,
        createdAt,
        expectedAccesses: 0,
        popularityRank,
        peakHour: rng.chance(0.5) ? rng.int(8, 11) : rng.int(0, 23),
        peakWidthHours: rng.int(1, 2),
        peakShare: rng.uniform(0.75, 0.95),
        weekendFactor,
        // So that a week averages `weight` per day.
        weekdayAccesses: (weight * 7) / (5 + 2 * weekendFactor),
      };
      objects.push(object);
      unscaledExpected.push(dailyExpected(object, createdAt, end));
    } else if (cls === 'flash') {
      const flashAt = uniformTime(createdAt);
      const decayHours = rng.uniform(1, 6);
      // A crowd is big whatever the object's usual popularity: sized on the larger of its
      // own rate and the average object's, so tail objects have a visible crowd too.
      const burstAccesses = rng.uniform(3, 15) * Math.max(weight, meanWeight);
      const quietDailyRate = 0.05 * weight;
      objects.push({ class: 'flash', id, index, sizeBytes, createdAt, expectedAccesses: 0, popularityRank, quietDailyRate, flashAt, decayHours, burstAccesses });
      unscaledExpected.push(quietDailyRate * activeDays + burstAccesses * decayedMass(0, end - flashAt, decayHours * HOUR_MS));
    } else {
      const decayDays = rng.uniform(0.5, 4);
      const initialDailyRate = rng.uniform(3, 10) * Math.max(weight, meanWeight);
      objects.push({ class: 'cooling', id, index, sizeBytes, createdAt, expectedAccesses: 0, popularityRank, initialDailyRate, decayDays });
      unscaledExpected.push(initialDailyRate * decayDays * decayedMass(0, end - createdAt, decayDays * DAY_MS));
    }
  }

  // Pass 2: one-hit objects' accesses are fixed; the rest of the budget goes to the others.
  const oneHitAccesses = objects.reduce((sum, o) => sum + (o.class === 'one-hit' ? o.accessTimes.length : 0), 0);
  const unscaledTotal = unscaledExpected.reduce((sum, e) => sum + e, 0);
  const budget = Math.max(0, options.meanDailyAccesses * ((end - start) / DAY_MS) - oneHitAccesses);
  const scale = unscaledTotal > 0 ? budget / unscaledTotal : 0;
  for (const object of objects) {
    const unscaled = unscaledExpected[object.index]!;
    switch (object.class) {
      case 'steady':
        object.dailyRate *= scale;
        break;
      case 'daily':
        object.weekdayAccesses *= scale;
        break;
      case 'flash':
        object.quietDailyRate *= scale;
        object.burstAccesses *= scale;
        break;
      case 'cooling':
        object.initialDailyRate *= scale;
        break;
      case 'one-hit':
        object.expectedAccesses = object.accessTimes.length;
        continue;
    }
    object.expectedAccesses = unscaled * scale;
  }

  const steadyByRank: number[] = new Array<number>(counts.steady);
  let steadyDailyTotal = 0;
  const daily: DailyState[] = [];
  const flash: FlashState[] = [];
  const cooling: CoolingState[] = [];
  const oneHit: { at: number; index: number }[] = [];
  for (const object of objects) {
    const { index, createdAt } = object;
    switch (object.class) {
      case 'steady':
        steadyByRank[object.popularityRank] = index;
        steadyDailyTotal += object.dailyRate;
        break;
      case 'daily': {
        const weekdayHour = (hour: number): number => dailyHourlyRate(object, (object.peakHour + hour) * HOUR_MS);
        const peak = weekdayHour(0);
        const offPeak = weekdayHour(object.peakWidthHours);
        // Hours counted from 1970-01-01, a Thursday: both hours above fall on a weekday.
        const rates = Float64Array.of(peak, offPeak, peak * object.weekendFactor, offPeak * object.weekendFactor);
        daily.push({ index, createdAt, peakHour: object.peakHour, peakWidthHours: object.peakWidthHours, rates, limits: rates.map(knuthLimit) });
        break;
      }
      case 'flash': {
        const quietHourly = object.quietDailyRate / 24;
        const tau = object.decayHours * HOUR_MS;
        const burstUntil = negligibleAfter(object.flashAt, object.burstAccesses, tau);
        flash.push({ index, createdAt, quietHourly, quietLimit: knuthLimit(quietHourly), flashAt: object.flashAt, tau, burstAccesses: object.burstAccesses, burstUntil });
        break;
      }
      case 'cooling': {
        const tau = object.decayDays * DAY_MS;
        const totalAccesses = (object.initialDailyRate * tau) / DAY_MS;
        cooling.push({ index, createdAt, totalAccesses, tau, activeUntil: negligibleAfter(createdAt, totalAccesses, tau) });
        break;
      }
      case 'one-hit':
        for (const at of object.accessTimes) oneHit.push({ at, index });
        break;
    }
  }
  oneHit.sort((a, b) => a.at - b.at || a.index - b.index);
  return {
    options,
    objects,
    steadyByRank,
    steadySampler: samplers.get('steady'),
    steadyDailyTotal,
    daily,
    flash,
    cooling,
    oneHitTimes: oneHit.map((h) => h.at),
    oneHitObjects: oneHit.map((h) => h.index),
  };
}
