import { pipeline } from 'node:stream';
import type { Catalog, MigrationPatch } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import { TiercastError } from '../domain/errors.js';
import { assertTransition, type MigrationRecord, type MigrationStatus } from '../domain/migration.js';
import type { ObjectRecord } from '../domain/object.js';
import type { Logger } from '../log.js';
import { hashStream } from '../storage/stream-hash.js';
import type { StoredObjectInfo } from '../storage/tier-backend.js';
import { ThrottleStream } from '../storage/throttle.js';
import type { MigrationEvents } from './migration-events.js';
import type { TierSet } from './tier-set.js';

export interface ExecutorSettings {
  maxConcurrent: number;
  maxAttempts: number;
  retryBaseDelayMs: number;
  leaseMs: number;
  /**
   * 'stream' compares the sha256 taken on the bytes as they were written (and the size the
   * destination reports); 'reread' also reads the destination back and hashes it again.
   */
  verify: 'reread' | 'stream';
  /** 0 = unlimited. */
  bandwidthBytesPerSecond: number;
}

/** Another worker holds the migration now; this one must stop touching it. */
class LeaseLost extends Error {}

/**
 * Runs migrations through copy → verify → switch → delete, one state change at a time in
 * the catalog, so a crash at any line leaves a state the reconciler knows how to finish.
 * Copies stream (no whole object in memory); the switch is the catalog's version-guarded
 * transaction; the source is deleted only after it.
 */
export class MigrationExecutor {
  private readonly queued: string[] = [];
  private readonly inFlight = new Set<string>();
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly tiers: TierSet,
    private readonly events: MigrationEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** This worker's lease identity. */
    private readonly owner: string,
    private readonly settings: ExecutorSettings,
  ) {}

  /** Queues a migration to run here; a migration already queued or running is not added twice. */
  submit(migrationId: string): void {
    if (this.stopped || this.inFlight.has(migrationId) || this.queued.includes(migrationId)) return;
    this.queued.push(migrationId);
    this.pump();
  }

  /** Resolves once nothing is queued or running (retries waiting on a timer do not count). */
  idle(): Promise<void> {
    if (this.inFlight.size === 0 && this.queued.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.queued.length = 0;
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
    await this.idle();
  }

  private pump(): void {
    while (this.inFlight.size < this.settings.maxConcurrent && this.queued.length > 0) {
      const id = this.queued.shift()!;
      this.inFlight.add(id);
      void this.run(id)
        .catch((error) => this.log.error({ err: error, migration: id }, 'migration run crashed'))
        .finally(() => {
          this.inFlight.delete(id);
          this.pump();
          if (this.inFlight.size === 0 && this.queued.length === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            waiters.forEach((resolve) => resolve());
          }
        });
    }
  }

  private async run(id: string): Promise<void> {
    const claimed = await this.catalog.claimMigration(id, this.owner, this.clock.now(), this.settings.leaseMs);
    if (!claimed) return;
    let migration = claimed;
    try {
      if (migration.status === 'switched') {
        await this.finish(migration);
        return;
      }
      if (migration.status === 'copying' || migration.status === 'verifying') {
        // A run that died mid-copy (ours, before a crash): the destination may hold a
        // partial or unverified copy, so the copy starts over.
        migration = await this.transition(migration, 'planned', { error: 'interrupted; the copy starts over' });
      }
      const object = await this.catalog.getObject(migration.objectId);
      if (!isStillSource(object, migration)) {
        await this.abandon(migration, 'cancelled', 'the object was changed or deleted before the copy started');
        return;
      }
      migration = await this.transition(migration, 'copying', { attempts: migration.attempts + 1, bytesCopied: 0 });
      const stored = await this.copy(migration);
      migration = await this.transition(migration, 'verifying', { bytesCopied: stored.sizeBytes });
      await this.verify(migration, object, stored);
      const switched = await this.catalog.switchObjectLocation(migration, this.owner, this.clock.now());
      if (!switched) {
        await this.abandon(migration, 'cancelled', 'the object was overwritten or deleted during the copy; its new content stays where it is');
        return;
      }
      migration = { ...migration, status: 'switched', updatedAt: this.clock.now() };
      this.log.info({ migration: id, object: migration.objectId, tier: migration.destinationTier }, `migration ${id}: switched, ${migration.objectId} now reads from ${migration.destinationTier}`);
      await this.events.announce(migration, this.clock.now());
      await this.finish(migration);
    } catch (error) {
      await this.handleFailure(migration, error);
    }
  }

  private async copy(migration: MigrationRecord): Promise<StoredObjectInfo> {
    const source = this.tiers.backend(migration.sourceTier);
    const destination = this.tiers.backend(migration.destinationTier);
    const input = await source.get(migration.sourceKey);
    let copied = 0;
    const throttle = new ThrottleStream(this.settings.bandwidthBytesPerSecond, (bytes) => {
      copied = bytes;
    });
    const body = pipeline(input, throttle, () => {});
    const heartbeat = setInterval(() => {
      void this.renew(migration, copied).catch((error) => body.destroy(error as Error));
    }, Math.max(100, Math.min(2000, this.settings.leaseMs / 3)));
    try {
      return await destination.put(migration.destinationKey, body);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Extends the lease during a long copy and records progress; throws LeaseLost if taken. */
  private async renew(migration: MigrationRecord, bytesCopied: number): Promise<void> {
    const now = this.clock.now();
    const held = await this.catalog.claimMigration(migration.id, this.owner, now, this.settings.leaseMs);
    if (!held || held.status !== 'copying') throw new LeaseLost(`migration ${migration.id} is no longer ours to copy`);
    await this.catalog.updateMigration(migration.id, this.owner, { fromStatus: 'copying', bytesCopied, updatedAt: now });
  }

  private async verify(migration: MigrationRecord, object: ObjectRecord, stored: StoredObjectInfo): Promise<void> {
    const destination = this.tiers.backend(migration.destinationTier);
    let actual = { sizeBytes: stored.sizeBytes, sha256: stored.sha256 };
    if (this.settings.verify === 'reread') {
      actual = await hashStream(await destination.get(migration.destinationKey));
    } else {
      // The hash was taken on the very buffers handed to the destination; what the
      // destination now holds must at least be there, whole.
      const head = await destination.head(migration.destinationKey);
      actual = { sizeBytes: head?.sizeBytes ?? -1, sha256: stored.sha256 };
    }
    if (actual.sizeBytes !== object.sizeBytes || actual.sha256 !== object.sha256) {
      throw new TiercastError(
        'integrity_error',
        `copy in tier '${migration.destinationTier}' does not match: ${actual.sizeBytes} bytes sha256 ${actual.sha256}, expected ${object.sizeBytes} bytes sha256 ${object.sha256}`,
        { permanent: false },
      );
    }
  }

  /** After the switch: the source copy is now garbage; delete it and complete. */
  private async finish(migration: MigrationRecord): Promise<void> {
    // The switch moved the object's pointer away from this key, and no other migration of
    // the object can exist while this one is active: nothing can refer to it any more.
    await this.tiers.backend(migration.sourceTier).delete(migration.sourceKey);
    const done = await this.transition(migration, 'completed', { finishedAt: this.clock.now(), error: null });
    this.log.info(
      { migration: done.id, object: done.objectId, from: done.sourceTier, to: done.destinationTier, bytes: done.sizeBytes },
      `migration ${done.id}: completed, source copy in ${done.sourceTier} deleted`,
    );
  }

  /** Ends a migration that must not go on, removing any copy it made. */
  private async abandon(migration: MigrationRecord, status: 'cancelled' | 'failed', why: string): Promise<void> {
    await this.removeDestinationCopy(migration);
    const ended = await this.transition(migration, status, { error: why, finishedAt: this.clock.now() });
    this.log.warn({ migration: ended.id, object: ended.objectId }, `migration ${ended.id}: ${status}: ${why}`);
  }

  private async removeDestinationCopy(migration: MigrationRecord): Promise<void> {
    try {
      // Only the object itself can refer to this copy (it is the migration's own, and an
      // object has one active migration at most): keep it only if the object reads from it.
      const object = await this.catalog.getObject(migration.objectId);
      const live = object?.tier === migration.destinationTier && object.storageKey === migration.destinationKey;
      if (!live) await this.tiers.backend(migration.destinationTier).delete(migration.destinationKey);
    } catch (error) {
      // The orphan sweeper removes it later; the migration's outcome does not depend on it.
      this.log.warn({ err: error, migration: migration.id }, 'could not remove the destination copy now; the orphan sweep will');
    }
  }

  private async handleFailure(migration: MigrationRecord, error: unknown): Promise<void> {
    if (error instanceof LeaseLost) {
      this.log.warn({ migration: migration.id }, error.message);
      // Cancelled under us by an overwrite or a delete: the copy we made is ours to remove.
      const now = await this.catalog.getMigration(migration.id).catch(() => undefined);
      if (now && (now.status === 'cancelled' || now.status === 'failed')) await this.removeDestinationCopy(migration);
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    try {
      if (migration.status === 'switched') {
        // The object already lives in the destination; only the source delete is left.
        this.log.warn({ migration: migration.id, err: error }, `migration ${migration.id}: could not delete the source copy yet; will retry`);
        this.scheduleRetry(migration);
        return;
      }
      await this.removeDestinationCopy(migration);
      const permanent = error instanceof TiercastError && error.permanent;
      const attempts = Math.max(migration.attempts, 1);
      if (permanent || attempts >= this.settings.maxAttempts) {
        await this.abandon(migration, 'failed', permanent ? message : `${message} (gave up after ${attempts} attempts)`);
        return;
      }
      const waiting = await this.transition(migration, 'planned', { error: message });
      this.log.warn({ migration: migration.id, attempt: attempts, err: message }, `migration ${migration.id}: attempt ${attempts} failed; retrying`);
      this.scheduleRetry(waiting);
    } catch (followUp) {
      if (followUp instanceof LeaseLost) return;
      // The reconciler picks the migration up again from whatever state it reached.
      this.log.error({ err: followUp, migration: migration.id }, 'could not record the migration failure');
    }
  }

  private scheduleRetry(migration: MigrationRecord): void {
    if (this.stopped) return;
    const base = this.settings.retryBaseDelayMs * 2 ** Math.max(0, migration.attempts - 1);
    const delay = Math.min(base, 5 * 60_000) * (0.5 + Math.random() / 2);
    clearTimeout(this.retryTimers.get(migration.id));
    const timer = setTimeout(() => {
      this.retryTimers.delete(migration.id);
      this.submit(migration.id);
    }, delay);
    timer.unref();
    this.retryTimers.set(migration.id, timer);
  }

  /** Records a state change (guarded by the status we believe it has) and announces it. */
  private async transition(migration: MigrationRecord, to: MigrationStatus, patch: Omit<MigrationPatch, 'updatedAt' | 'fromStatus'> = {}): Promise<MigrationRecord> {
    assertTransition(migration.status, to);
    const now = this.clock.now();
    const ok = await this.catalog.updateMigration(migration.id, this.owner, { ...patch, fromStatus: migration.status, status: to, updatedAt: now });
    if (!ok) throw new LeaseLost(`migration ${migration.id} changed under us (lease lost, or cancelled by an overwrite or delete)`);
    const next: MigrationRecord = { ...migration, ...stripUndefined(patch), status: to, updatedAt: now };
    if (to !== 'planned' && to !== 'completed') this.log.info({ migration: migration.id, object: migration.objectId, status: to }, `migration ${migration.id}: ${to}`);
    await this.events.announce(next, now);
    return next;
  }
}

function isStillSource(object: ObjectRecord | undefined, migration: MigrationRecord): object is ObjectRecord {
  return (
    object !== undefined &&
    object.version === migration.objectVersion &&
    object.tier === migration.sourceTier &&
    object.storageKey === migration.sourceKey
  );
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
