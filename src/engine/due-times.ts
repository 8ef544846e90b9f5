/**
 * Per-object wake-up times: one pending time per id, the earliest taken first. A min-heap
 * with lazy deletion (a replaced or deleted time stays in the heap and is skipped when it
 * surfaces), so set, delete and take are O(log n) and nothing scans every object.
 */
export class DueTimes {
  private readonly current = new Map<string, number>();
  private heap: Array<{ at: number; id: string }> = [];

  get size(): number {
    return this.current.size;
  }

  set(id: string, at: number): void {
    if (this.current.get(id) === at) return;
    this.current.set(id, at);
    this.push({ at, id });
    // Stale entries must not outgrow the live ones for long.
    if (this.heap.length > 4 * this.current.size + 1024) this.rebuild();
  }

  delete(id: string): void {
    this.current.delete(id);
  }

  /** Removes and returns up to `limit` ids due at or before `now`, earliest first. */
  takeDue(now: number, limit: number): string[] {
    const due: string[] = [];
    while (due.length < limit && this.heap.length > 0 && this.heap[0]!.at <= now) {
      const top = this.pop();
      if (this.current.get(top.id) !== top.at) continue;
      this.current.delete(top.id);
      due.push(top.id);
    }
    return due;
  }

  private rebuild(): void {
    this.heap = [];
    for (const [id, at] of this.current) this.push({ at, id });
  }

  private push(entry: { at: number; id: string }): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= entry.at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): { at: number; id: string } {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && heap[right]!.at < heap[left]!.at ? right : left;
        if (heap[child]!.at >= last.at) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}
