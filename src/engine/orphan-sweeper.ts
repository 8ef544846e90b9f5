import type { Catalog } from '../catalog/catalog.js';
import type { Logger } from '../log.js';
import type { TierSet } from './tier-set.js';

/**
 * Deletes stored copies that nothing refers to: leftovers of uploads, copies and deletes
 * interrupted by a crash. A copy is only removed once it is older than the grace period,
 * so a write still in progress (whose key the catalog does not know yet) is never touched.
 */
export class OrphanSweeper {
  constructor(
    private readonly catalog: Catalog,
    private readonly tiers: TierSet,
    private readonly log: Logger,
    private readonly graceMs: number,
  ) {}

  /** Returns how many orphans it removed. */
  async sweep(): Promise<number> {
    let removed = 0;
    // Modification times come from the storage, so they are compared with wall-clock time.
    const cutoff = Date.now() - this.graceMs;
    for (const tier of this.tiers.names) {
      const backend = this.tiers.backend(tier);
      let cursor: string | undefined;
      do {
        const page = await backend.list({ cursor, limit: 1000 });
        for (const entry of page.entries) {
          if (entry.modifiedAt > cutoff) continue;
          if (await this.catalog.isKeyInUse(tier, entry.key)) continue;
          await backend.delete(entry.key);
          removed++;
          this.log.info({ tier, key: entry.key, bytes: entry.sizeBytes }, `orphan sweep: removed ${tier}/${entry.key}`);
        }
        cursor = page.nextCursor;
      } while (cursor);
    }
    return removed;
  }
}
