/**
 * The migration state machine (DESIGN.md §6):
 *   planned → copying → verifying → switched → completed
 * and failed / cancelled from any non-terminal state before the switch. After `switched`
 * the object already lives in the destination, so the only way forward is `completed`.
 */
export const MIGRATION_STATUSES = ['planned', 'copying', 'verifying', 'switched', 'completed', 'failed', 'cancelled'] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];

export const ACTIVE_STATUSES: readonly MigrationStatus[] = ['planned', 'copying', 'verifying', 'switched'];
export const TERMINAL_STATUSES: readonly MigrationStatus[] = ['completed', 'failed', 'cancelled'];

/** Why a migration was planned. The first two are the seed's names. */
export const MIGRATION_REASONS = [
  'reactive_access_spike',
  'proactive_prediction',
  'reactive_cooling',
  'manual',
] as const;
export type MigrationReason = (typeof MIGRATION_REASONS)[number] | (string & {});

const NEXT: Record<MigrationStatus, readonly MigrationStatus[]> = {
  planned: ['copying', 'failed', 'cancelled'],
  copying: ['verifying', 'planned', 'failed', 'cancelled'],
  verifying: ['switched', 'planned', 'failed', 'cancelled'],
  switched: ['completed'],
  completed: [],
  failed: [],
  cancelled: [],
};

export function isTerminal(status: MigrationStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: MigrationStatus, to: MigrationStatus): boolean {
  return NEXT[from].includes(to);
}

export function assertTransition(from: MigrationStatus, to: MigrationStatus): void {
  if (!canTransition(from, to)) throw new Error(`illegal migration transition ${from} → ${to}`);
}

export interface MigrationRecord {
  id: string;
  objectId: string;
  sourceTier: string;
  destinationTier: string;
  reason: MigrationReason;
  status: MigrationStatus;
  /** The object version being moved; the switch succeeds only if it is still current. */
  objectVersion: number;
  sourceKey: string;
  destinationKey: string;
  sizeBytes: number;
  bytesCopied: number;
  attempts: number;
  error: string | null;
  /** Why the migration was planned: policy inputs, forecast, expected costs. JSON. */
  explanation: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** Worker holding the migration, and until when (ms). */
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
}
