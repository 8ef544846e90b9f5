/**
 * A min-heap of (time, object, stamp) wake-ups for a policy's deferred decisions (a
 * cooling check, an idle demotion). Stale entries are not removed: a policy gives each
 * object a stamp and ignores an entry whose stamp is no longer the object's current one.
 */
export class TimerQueue {
  private times = new Float64Array(1024);
  private objects = new Int32Array(1024);
  private stamps = new Int32Array(1024);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(at: number, object: number, stamp: number): void {
    if (this.size === this.times.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.times[parent]! <= at) break;
      this.move(parent, i);
      i = parent;
    }
    this.times[i] = at;
    this.objects[i] = object;
    this.stamps[i] = stamp;
  }

  /** Time of the earliest wake-up, or Infinity. */
  peekTime(): number {
    return this.size === 0 ? Infinity : this.times[0]!;
  }

  /** Removes the earliest wake-up and calls `visit` with it. */
  pop(visit: (at: number, object: number, stamp: number) => void): void {
    if (this.size === 0) return;
    const at = this.times[0]!;
    const object = this.objects[0]!;
    const stamp = this.stamps[0]!;
    const last = --this.size;
    if (last > 0) {
      const t = this.times[last]!;
      const o = this.objects[last]!;
      const s = this.stamps[last]!;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= last) break;
        const right = left + 1;
        const child = right < last && this.times[right]! < this.times[left]! ? right : left;
        if (this.times[child]! >= t) break;
        this.move(child, i);
        i = child;
      }
      this.times[i] = t;
      this.objects[i] = o;
      this.stamps[i] = s;
    }
    visit(at, object, stamp);
  }

  private move(from: number, to: number): void {
    this.times[to] = this.times[from]!;
    this.objects[to] = this.objects[from]!;
    this.stamps[to] = this.stamps[from]!;
  }

  private grow(): void {
    const grow = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const next = make(a.length * 2);
      next.set(a);
      return next;
    };
    this.times = grow(this.times, (n) => new Float64Array(n));
    this.objects = grow(this.objects, (n) => new Int32Array(n));
    this.stamps = grow(this.stamps, (n) => new Int32Array(n));
  }
}
