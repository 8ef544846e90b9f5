import { TOPICS, type EventBus } from '../bus/event-bus.js';
import type { MigrationRecord } from '../domain/migration.js';
import type { Logger } from '../log.js';

/** What every migration state change announces on the migration-events topic. */
export interface MigrationEvent {
  migration_id: string;
  object_id: string;
  status: MigrationRecord['status'];
  reason: string;
  source_tier: string;
  destination_tier: string;
  size_bytes: number;
  error: string | null;
  /** ms since epoch */
  at: number;
}

/**
 * Announces migration state changes on the bus (for dashboards and audit) and to
 * in-process listeners (metrics). Publishing is best effort: the catalog row is the truth,
 * so a bus failure is logged, never allowed to fail the migration.
 */
export class MigrationEvents {
  private listeners: Array<(event: MigrationEvent) => void> = [];

  constructor(
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  onEvent(listener: (event: MigrationEvent) => void): void {
    this.listeners.push(listener);
  }

  async announce(migration: MigrationRecord, at: number): Promise<void> {
    const event: MigrationEvent = {
      migration_id: migration.id,
      object_id: migration.objectId,
      status: migration.status,
      reason: migration.reason,
      source_tier: migration.sourceTier,
      destination_tier: migration.destinationTier,
      size_bytes: migration.sizeBytes,
      error: migration.error,
      at,
    };
    for (const listener of this.listeners) listener(event);
    try {
      await this.bus.publish(TOPICS.migrationEvents, [{ key: migration.objectId, value: event }]);
    } catch (error) {
      this.log.warn({ err: error, migration: migration.id }, 'could not publish migration event');
    }
  }
}
