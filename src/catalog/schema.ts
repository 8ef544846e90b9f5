import type { ColumnType, Generated } from 'kysely';

/**
 * Table types of the catalog database, shared by every Kysely dialect (SQLite, PostgreSQL).
 * Columns are snake_case; times are ms since the Unix epoch; sizes are bytes.
 *
 * 64-bit columns are typed as `number | string` when read: SQLite returns numbers, while
 * PostgreSQL's driver returns BIGINT as strings. The row mappers convert with Number().
 */
export type Int64 = ColumnType<number | string, number, number>;
export type NullableInt64 = ColumnType<number | string | null, number | null | undefined, number | null>;

export interface ObjectsTable {
  object_id: string;
  name: string | null;
  content_type: string;
  /** Bytes. */
  size_bytes: Int64;
  sha256: string;
  version: number;
  tier: string;
  storage_key: string;
  /** ms since epoch. */
  created_at: Int64;
  /** ms since epoch. */
  updated_at: Int64;
  /** ms since epoch: arrival in the current tier. */
  tier_since: Int64;
  access_count: Generated<number | string>;
  /** ms since epoch, null if never accessed. */
  last_accessed_at: NullableInt64;
  /** ms since epoch until which policies do not move the object; null = no hold. */
  pinned_until: NullableInt64;
  /** Latest forecast: accesses expected over prediction_horizon_hours, by model version, at ms. */
  predicted_accesses: number | null;
  prediction_horizon_hours: number | null;
  prediction_model: number | null;
  predicted_at: NullableInt64;
}

export interface AccessBucketsTable {
  object_id: string;
  /** Bucket width in seconds: 60, 3600 or 86400. */
  resolution_seconds: number;
  /** Bucket start, ms since epoch, aligned to the resolution. */
  bucket_start: Int64;
  count: Int64;
}

export interface MigrationsTable {
  id: string;
  object_id: string;
  source_tier: string;
  destination_tier: string;
  reason: string;
  status: string;
  object_version: number;
  source_key: string;
  destination_key: string;
  /** Bytes. */
  size_bytes: Int64;
  /** Bytes. */
  bytes_copied: Int64;
  attempts: number;
  error: string | null;
  /** JSON text of the migration's explanation object. */
  explanation: string | null;
  /** ms since epoch. */
  created_at: Int64;
  /** ms since epoch. */
  updated_at: Int64;
  /** ms since epoch. */
  finished_at: NullableInt64;
  lease_owner: string | null;
  /** ms since epoch. */
  lease_expires_at: NullableInt64;
}

export interface ModelsTable {
  version: number;
  family: string;
  created_at: Int64;
  trained_from: Int64;
  trained_to: Int64;
  horizon_hours: number;
  /** JSON array of names. */
  feature_names: string;
  /** JSON of BacktestMetrics. */
  metrics: string;
  /** 1 if served. */
  served: number;
  payload: string | null;
}

/** Who runs a job that one process at a time should run (a sweep, training), until when. */
export interface JobLeasesTable {
  job: string;
  owner: string;
  expires_at: Int64;
}

export interface Database {
  job_leases: JobLeasesTable;
  models: ModelsTable;
  objects: ObjectsTable;
  access_buckets: AccessBucketsTable;
  migrations: MigrationsTable;
}
