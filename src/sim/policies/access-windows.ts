import { Growable } from '../growable.js';

const MINUTE_MS = 60_000;

/**
 * Each object's accesses per minute over the spike window (a ring of minute buckets, as
 * the service's catalog counts them) and its running total.
 */
export class AccessWindows {
  private readonly width: number;
  private readonly buckets: Growable<Uint32Array>;
  private readonly newestMinute = new Growable(Float64Array);
  private readonly totals = new Growable(Float64Array);

  constructor(private readonly windowMs: number) {
    this.width = Math.ceil(windowMs / MINUTE_MS) + 1;
    this.buckets = new Growable(Uint32Array, 1024 * this.width);
  }

  add(object: number): void {
    this.buckets.ensure((object + 1) * this.width);
    this.newestMinute.ensure(object)[object] = -Infinity;
    this.totals.ensure(object);
  }

  record(object: number, at: number): void {
    const minute = Math.floor(at / MINUTE_MS);
    this.roll(object, minute);
    this.buckets.array[object * this.width + (minute % this.width)]!++;
    this.totals.array[object]!++;
  }

  /** Accesses in the minute buckets that overlap (now - window, now]. */
  inWindow(object: number, now: number): number {
    const minute = Math.floor(now / MINUTE_MS);
    this.roll(object, minute);
    const first = Math.floor((now - this.windowMs) / MINUTE_MS) + 1;
    let sum = 0;
    const base = object * this.width;
    for (let m = Math.max(first, minute - this.width + 1); m <= minute; m++) sum += this.buckets.array[base + (m % this.width)]!;
    return sum;
  }

  total(object: number): number {
    return this.totals.array[object]!;
  }

  /** Clears the buckets of minutes that passed since the object's newest one. */
  private roll(object: number, minute: number): void {
    const newest = this.newestMinute.array[object]!;
    if (minute <= newest) return;
    const base = object * this.width;
    const from = newest === -Infinity ? minute - this.width + 1 : newest + 1;
    for (let m = Math.max(from, minute - this.width + 1); m <= minute; m++) this.buckets.array[base + (m % this.width)] = 0;
    this.newestMinute.array[object] = minute;
  }
}
