import type { MigrationRecord, MigrationStatus } from '../domain/migration.js';
import type { ModelRecord, Prediction } from '../domain/forecast.js';
import type { ObjectRecord } from '../domain/object.js';

export type ObjectSortField = 'created_at' | 'size_bytes' | 'access_count' | 'last_accessed_at' | 'object_id' | 'tier' | 'predicted_next_24h';

export interface ObjectQuery {
  tier?: string;
  /** Substring of the object id or name. */
  search?: string;
  sort?: ObjectSortField;
  descending?: boolean;
  limit: number;
  offset: number;
}

export interface MigrationQuery {
  status?: MigrationStatus;
  reason?: string;
  objectId?: string;
  /** Matches either the source or the destination tier. */
  tier?: string;
  limit: number;
  offset: number;
}

export interface Page<T> {
  items: T[];
  total: number;
}

/** Accesses of one object inside one time bucket. */
export interface AccessBucketDelta {
  objectId: string;
  /** Bucket start, ms since epoch, aligned to the bucket resolution. */
  bucketStart: number;
  count: number;
  /** Latest access time inside this delta, ms. */
  lastAccessAt: number;
}

export interface AccessBucket {
  bucketStart: number;
  /** Bucket width in seconds: 60, 3600 or 86400. */
  resolutionSeconds: number;
  count: number;
}

/** An access bucket of one object, for batched history reads. */
export interface ObjectAccessBucket extends AccessBucket {
  objectId: string;
}

export interface TierUsage {
  tier: string;
  objects: number;
  bytes: number;
}

export interface MigrationPatch {
  /** The status the caller believes the migration has: the update applies only if it still does. */
  fromStatus: MigrationStatus;
  status?: MigrationStatus;
  bytesCopied?: number;
  attempts?: number;
  error?: string | null;
  finishedAt?: number | null;
  updatedAt: number;
}

export type NewMigration = Omit<MigrationRecord, 'bytesCopied' | 'attempts' | 'error' | 'finishedAt' | 'leaseOwner' | 'leaseExpiresAt' | 'updatedAt' | 'status'>;

/**
 * The catalog port: every fact Tiercast must not lose. Implementations: SQLite (embedded
 * default) and PostgreSQL (scale-out), both behind the same conformance suite.
 * Every method is atomic on its own.
 */
export interface Catalog {
  readonly kind: string;
  /** Applies pending schema migrations. */
  migrateSchema(): Promise<void>;
  close(): Promise<void>;

  // Objects -------------------------------------------------------------------------------
  /** Throws a conflict error if the id exists. */
  insertObject(object: ObjectRecord): Promise<void>;
  getObject(objectId: string): Promise<ObjectRecord | undefined>;
  /** The objects among `objectIds` that exist, in no particular order (for batched sweeps). */
  getObjects(objectIds: readonly string[]): Promise<ObjectRecord[]>;
  listObjects(query: ObjectQuery): Promise<Page<ObjectRecord>>;
  /** Holds the object in its tier against policies until `until` (ms), or releases it (null). False if unknown. */
  setPinnedUntil(objectId: string, until: number | null): Promise<boolean>;
  /** Keyset pages over every object in id order, for sweeps that must not load the catalog. */
  objectsAfter(afterObjectId: string | null, limit: number): Promise<ObjectRecord[]>;
  /**
   * Replaces the content pointer if the object is still at `expectedVersion`; bumps the
   * version and cancels any active migration of the object (an overwrite wins).
   * Migrations already `switched` are left to complete. Returns the record before and
   * after, or undefined if the version moved on (or the object is gone).
   */
  replaceContent(
    objectId: string,
    expectedVersion: number,
    next: Pick<ObjectRecord, 'tier' | 'storageKey' | 'sizeBytes' | 'sha256' | 'contentType' | 'updatedAt'>,
  ): Promise<{ previous: ObjectRecord; current: ObjectRecord } | undefined>;
  /** Deletes the object, its access history and cancels its active migrations. Returns the deleted record. */
  deleteObject(objectId: string, now: number): Promise<ObjectRecord | undefined>;
  tierUsage(): Promise<TierUsage[]>;
  /** True if some object's current content, or an active migration's destination, is `tier`/`key`. */
  isKeyInUse(tier: string, key: string): Promise<boolean>;

  // Access history ------------------------------------------------------------------------
  /**
   * Adds minute-bucket counts, and bumps each object's access_count and last_accessed_at.
   * Deltas for unknown objects are dropped; their ids are returned.
   */
  recordAccesses(deltas: readonly AccessBucketDelta[]): Promise<{ unknownObjectIds: string[] }>;
  accessHistory(objectId: string, fromMs: number, toMs: number): Promise<AccessBucket[]>;
  /**
   * Accesses to all objects per minute: the sum of every object's minute bucket starting in
   * [fromMs, toMs), oldest first; minutes without accesses are left out. Minute buckets
   * are kept for `accounting.minuteBucketsKeepHours`, so older minutes read as empty.
   */
  accessesPerMinute(fromMs: number, toMs: number): Promise<Array<{ minuteStart: number; count: number }>>;
  /**
   * For each object with any access since the earliest bound, its sums of the buckets
   * starting at or after each of `sinceMs` (same order). Objects with none are left out.
   */
  accessSums(objectIds: readonly string[], sinceMs: readonly number[]): Promise<Map<string, number[]>>;
  /** Buckets of many objects with bucket_start in [fromMs, toMs), ordered by object then time. */
  accessBucketsFor(objectIds: readonly string[], fromMs: number, toMs: number): Promise<ObjectAccessBucket[]>;

  // Forecasts -----------------------------------------------------------------------------
  /** Records each object's latest forecast (objects that no longer exist are skipped). */
  savePredictions(predictions: readonly Prediction[]): Promise<void>;
  /** Adds a model to the registry with the next version number; marking it served unmarks no other. */
  saveModel(model: Omit<ModelRecord, 'version'>): Promise<ModelRecord>;
  /** Registry entries, newest first. */
  listModels(limit: number): Promise<ModelRecord[]>;
  /** The newest model marked served, if any. */
  servedModel(): Promise<ModelRecord | undefined>;
  /** Merges buckets of `fromResolution` older than `beforeMs` into `toResolution` buckets. */
  rollUpAccesses(fromResolutionSeconds: number, toResolutionSeconds: number, beforeMs: number): Promise<number>;

  // Migrations ----------------------------------------------------------------------------
  /** Inserts a planned migration; returns undefined if the object already has an active one. */
  createMigration(migration: NewMigration): Promise<MigrationRecord | undefined>;
  getMigration(id: string): Promise<MigrationRecord | undefined>;
  listMigrations(query: MigrationQuery): Promise<Page<MigrationRecord>>;
  /** The ids among `objectIds` that have an active migration. */
  objectsWithActiveMigration(objectIds: readonly string[]): Promise<Set<string>>;
  /** Every migration in a non-terminal state, oldest first. */
  unfinishedMigrations(): Promise<MigrationRecord[]>;
  /**
   * Takes (or renews) the lease of an active migration for `owner` until `now + leaseMs`.
   * Succeeds if the migration is unleased, already held by `owner`, or its lease expired.
   */
  claimMigration(id: string, owner: string, now: number, leaseMs: number): Promise<MigrationRecord | undefined>;
  /**
   * Takes (or renews) the lease of a periodic job for `owner` until `now + leaseMs`, so
   * that of several workers one runs it. True if the job was free, held by `owner`, or its
   * lease expired (its holder died); false while another owner holds it.
   */
  acquireJobLease(job: string, owner: string, now: number, leaseMs: number): Promise<boolean>;
  /**
   * Updates a migration the caller holds the lease of and that is still in `fromStatus`;
   * returns false otherwise (lease lost, or cancelled by an overwrite or delete).
   */
  updateMigration(id: string, owner: string, patch: MigrationPatch): Promise<boolean>;
  /**
   * One transaction: if the object is still at the migration's version and source tier,
   * point it at the destination and mark the migration `switched`. Returns false otherwise.
   */
  switchObjectLocation(migration: MigrationRecord, owner: string, now: number): Promise<boolean>;
  migrationCounts(): Promise<Array<{ status: MigrationStatus; reason: string; count: number; bytes: number }>>;
}
