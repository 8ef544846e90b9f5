import { randomUUID } from 'node:crypto';
import { TOPICS, type EventBus } from '../bus/event-bus.js';
import type { Catalog } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import { conflict, invalidInput } from '../domain/errors.js';
import type { MigrationReason, MigrationRecord } from '../domain/migration.js';
import { PINNED_FOREVER, type ObjectRecord } from '../domain/object.js';
import type { Logger } from '../log.js';
import type { MigrationEvents } from './migration-events.js';
import type { TierSet } from './tier-set.js';

export interface PlanRequest {
  object: ObjectRecord;
  destinationTier: string;
  reason: MigrationReason;
  explanation: Record<string, unknown>;
}

/** The message on the migration-commands topic: "run this migration". */
export interface MigrationCommand {
  migration_id: string;
}

/**
 * Turns a decision into a persisted `planned` migration and a command for the executors.
 * The row is written first: a lost command is recovered by the reconciler, a lost row
 * could never be.
 */
export class MigrationPlanner {
  constructor(
    private readonly catalog: Catalog,
    private readonly bus: EventBus,
    private readonly tiers: TierSet,
    private readonly events: MigrationEvents,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Returns the planned migration, or undefined when the object already has one in flight. */
  async plan(request: PlanRequest): Promise<MigrationRecord | undefined> {
    const { object, destinationTier, reason } = request;
    this.tiers.profile(destinationTier);
    if (destinationTier === object.tier) {
      throw invalidInput(`object '${object.objectId}' is already in tier '${destinationTier}'`);
    }
    const now = this.clock.now();
    const migration = await this.catalog.createMigration({
      id: randomUUID(),
      objectId: object.objectId,
      sourceTier: object.tier,
      destinationTier,
      reason,
      objectVersion: object.version,
      sourceKey: object.storageKey,
      // The same generation key in the destination: its bytes are the same generation.
      destinationKey: object.storageKey,
      sizeBytes: object.sizeBytes,
      explanation: request.explanation,
      createdAt: now,
    });
    if (!migration) return undefined;
    this.log.info(
      { object: object.objectId, migration: migration.id, from: object.tier, to: destinationTier, reason, why: request.explanation },
      `decision: move ${object.objectId} ${object.tier} → ${destinationTier} (${reason})`,
    );
    await this.events.announce(migration, now);
    await this.bus.publish<MigrationCommand>(TOPICS.migrationCommands, [{ key: object.objectId, value: { migration_id: migration.id } }]);
    return migration;
  }

  /**
   * A user's request: like plan(), but an object already moving is an error they should
   * see, and the policies then leave the object where the user put it until `holdUntil`
   * (ms; PINNED_FOREVER for a pin, null for no hold), so a spike cannot undo the move at once.
   */
  async planManual(object: ObjectRecord, destinationTier: string, holdUntil: number | null): Promise<MigrationRecord> {
    const explanation = { requested_by: 'user', held_until: holdUntil === null ? null : holdUntil >= PINNED_FOREVER ? 'pinned' : new Date(holdUntil).toISOString() };
    const migration = await this.plan({ object, destinationTier, reason: 'manual', explanation });
    if (!migration) {
      throw conflict(`object '${object.objectId}' already has a migration in progress`, 'wait for it to finish (see get-migrations) and try again');
    }
    await this.catalog.setPinnedUntil(object.objectId, holdUntil);
    return migration;
  }
}
