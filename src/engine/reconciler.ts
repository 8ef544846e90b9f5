import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import type { Logger } from '../log.js';
import type { MigrationExecutor } from './migration-executor.js';

/**
 * Finds every migration that is not finished and hands the ones nobody holds (no lease,
 * an expired lease, or our own from before a restart) to the executor, which resumes each
 * from its recorded state: a planned one runs, an interrupted copy starts over after its
 * partial copy is discarded, a switched one deletes its source and completes.
 * Also the safety net for lost migration commands.
 */
export class Reconciler {
  constructor(
    private readonly catalog: Catalog,
    private readonly executor: MigrationExecutor,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly owner: string,
  ) {}

  /** Returns how many migrations it handed to the executor. */
  async reconcile(): Promise<number> {
    const now = this.clock.now();
    const unfinished = await this.catalog.unfinishedMigrations();
    let resumed = 0;
    for (const migration of unfinished) {
      const free = !migration.leaseOwner || migration.leaseOwner === this.owner || (migration.leaseExpiresAt ?? 0) < now;
      if (!free) continue;
      if (migration.status !== 'planned') {
        this.log.info({ migration: migration.id, status: migration.status }, `reconciler: resuming migration ${migration.id} from '${migration.status}'`);
      }
      this.executor.submit(migration.id);
      resumed++;
    }
    return resumed;
  }
}
