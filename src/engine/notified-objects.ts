import type { Catalog } from '../catalog/catalog.js';
import type { ObjectRecord } from '../domain/object.js';
import type { Logger } from '../log.js';

/** Objects per catalog round trip. */
const BATCH = 500;

/**
 * Objects whose history just changed, evaluated soon in batches of BATCH, one evaluation
 * at a time so that a burst of flushes cannot pile up work; ids notified meanwhile are
 * merged into the next round.
 */
export class NotifiedObjects {
  private readonly dirty = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly log: Logger,
    private readonly evaluate: (objects: readonly ObjectRecord[]) => Promise<unknown>,
    /** What the error log says happens next when an evaluation fails. */
    private readonly recovery: string,
  ) {}

  notify(objectIds: readonly string[]): void {
    for (const id of objectIds) this.dirty.add(id);
    this.running ??= this.drain()
      .catch((error) => this.log.error({ err: error }, `evaluation failed; ${this.recovery}`))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Resolves when every notified object has been evaluated. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.dirty.size > 0) {
      const ids = [...this.dirty];
      this.dirty.clear();
      for (let i = 0; i < ids.length; i += BATCH) await this.evaluate(await this.catalog.getObjects(ids.slice(i, i + BATCH)));
    }
  }
}
