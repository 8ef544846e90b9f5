import type { Catalog, AccessBucketDelta } from '../catalog/catalog.js';
import type { Logger } from '../log.js';

const MINUTE_MS = 60_000;

/** A batch of accesses to one object at one instant (a simulated burst counts as many). */
export interface AccessEvent {
  objectId: string;
  count: number;
  /** When the accesses happened, ms. */
  at: number;
}

/**
 * Folds access events into per-object minute buckets in memory and writes them to the
 * catalog in one batch per flush interval: the catalog sees one upsert per object and
 * minute, not one per access, which is what lets one process absorb hundreds of
 * thousands of events per second. Listeners learn which objects a flush touched.
 */
export class AccessAggregator {
  /** objectId → bucketStart → pending delta. */
  private pending = new Map<string, Map<number, AccessBucketDelta>>();
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private listeners: Array<(objectIds: string[]) => void> = [];
  private eventsRecorded = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly log: Logger,
    private readonly flushIntervalMs: number,
  ) {}

  /** Total access count recorded since start (for /metrics). */
  get totalRecorded(): number {
    return this.eventsRecorded;
  }

  record(event: AccessEvent): void {
    const bucketStart = Math.floor(event.at / MINUTE_MS) * MINUTE_MS;
    let buckets = this.pending.get(event.objectId);
    if (!buckets) {
      buckets = new Map();
      this.pending.set(event.objectId, buckets);
    }
    const delta = buckets.get(bucketStart);
    if (delta) {
      delta.count += event.count;
      if (event.at > delta.lastAccessAt) delta.lastAccessAt = event.at;
    } else {
      buckets.set(bucketStart, { objectId: event.objectId, bucketStart, count: event.count, lastAccessAt: event.at });
    }
    this.eventsRecorded += event.count;
  }

  /** Called after each flush with the ids whose history just changed. */
  onFlushed(listener: (objectIds: string[]) => void): void {
    this.listeners.push(listener);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush().catch((error) => this.log.error({ err: error }, 'access flush failed; will retry')), this.flushIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes everything recorded so far; concurrent callers share one write at a time. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch).finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  private async write(batch: Map<string, Map<number, AccessBucketDelta>>): Promise<void> {
    const deltas: AccessBucketDelta[] = [];
    for (const buckets of batch.values()) deltas.push(...buckets.values());
    try {
      const { unknownObjectIds } = await this.catalog.recordAccesses(deltas);
      if (unknownObjectIds.length > 0) {
        this.log.debug({ objects: unknownObjectIds.length }, 'dropped accesses of objects that no longer exist');
      }
      const unknown = new Set(unknownObjectIds);
      const touched = [...batch.keys()].filter((id) => !unknown.has(id));
      for (const listener of this.listeners) listener(touched);
    } catch (error) {
      // Put the batch back so that a catalog hiccup loses nothing; the next flush retries.
      for (const [objectId, buckets] of batch) {
        for (const delta of buckets.values()) {
          // lastAccessAt lies in the same minute, so the delta lands in its own bucket again.
          this.record({ objectId, count: delta.count, at: delta.lastAccessAt });
          this.eventsRecorded -= delta.count;
        }
      }
      throw error;
    }
  }
}
