import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { TiercastError } from '../domain/errors.js';

/**
 * Schema migrations of the catalog, kept in code (no files read at run time, so the build
 * output works from dist/). Only portable schema-builder calls: the same migrations run on
 * SQLite and PostgreSQL. Never edit a released migration; add the next one.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('objects')
        .addColumn('object_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text')
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('tier', 'text', (c) => c.notNull())
        .addColumn('storage_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('tier_since', 'bigint', (c) => c.notNull())
        .addColumn('access_count', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('last_accessed_at', 'bigint')
        .execute();
      await db.schema.createIndex('objects_tier').on('objects').column('tier').execute();
      await db.schema.createIndex('objects_created_at').on('objects').column('created_at').execute();

      await db.schema
        .createTable('access_buckets')
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('resolution_seconds', 'integer', (c) => c.notNull())
        .addColumn('bucket_start', 'bigint', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('access_buckets_pk', ['object_id', 'resolution_seconds', 'bucket_start'])
        .execute();

      await db.schema
        .createTable('migrations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('object_id', 'text', (c) => c.notNull())
        .addColumn('source_tier', 'text', (c) => c.notNull())
        .addColumn('destination_tier', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('object_version', 'integer', (c) => c.notNull())
        .addColumn('source_key', 'text', (c) => c.notNull())
        .addColumn('destination_key', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'bigint', (c) => c.notNull())
        .addColumn('bytes_copied', 'bigint', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('explanation', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('finished_at', 'bigint')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('migrations_status').on('migrations').column('status').execute();
      await db.schema.createIndex('migrations_object_id').on('migrations').column('object_id').execute();
      await db.schema.createIndex('migrations_created_at').on('migrations').column('created_at').execute();
      // At most one active migration per object. The status list is frozen here on purpose:
      // a later change to the state machine gets its own migration.
      await db.schema
        .createIndex('migrations_one_active_per_object')
        .on('migrations')
        .column('object_id')
        .unique()
        .where(sql<boolean>`status in ('planned', 'copying', 'verifying', 'switched')`)
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('migrations').execute();
      await db.schema.dropTable('access_buckets').execute();
      await db.schema.dropTable('objects').execute();
    },
  },
  '0002_object_pins': {
    async up(db: Kysely<any>): Promise<void> {
      // ms since epoch until which policies leave the object where it is; null = no hold.
      await db.schema.alterTable('objects').addColumn('pinned_until', 'bigint').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('objects').dropColumn('pinned_until').execute();
    },
  },
  '0003_forecasts': {
    async up(db: Kysely<any>): Promise<void> {
      // The latest forecast per object, shown by get-objects; the history stays in buckets.
      await db.schema.alterTable('objects').addColumn('predicted_accesses', 'double precision').execute();
      await db.schema.alterTable('objects').addColumn('prediction_horizon_hours', 'integer').execute();
      await db.schema.alterTable('objects').addColumn('prediction_model', 'integer').execute();
      await db.schema.alterTable('objects').addColumn('predicted_at', 'bigint').execute();
      await db.schema
        .createTable('models')
        .addColumn('version', 'integer', (c) => c.primaryKey())
        .addColumn('family', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('trained_from', 'bigint', (c) => c.notNull())
        .addColumn('trained_to', 'bigint', (c) => c.notNull())
        .addColumn('horizon_hours', 'integer', (c) => c.notNull())
        .addColumn('feature_names', 'text', (c) => c.notNull())
        .addColumn('metrics', 'text', (c) => c.notNull())
        .addColumn('served', 'integer', (c) => c.notNull())
        .addColumn('payload', 'text')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('models').execute();
      for (const column of ['predicted_accesses', 'prediction_horizon_hours', 'prediction_model', 'predicted_at']) {
        await db.schema.alterTable('objects').dropColumn(column).execute();
      }
    },
  },
  '0004_access_buckets_by_time': {
    async up(db: Kysely<any>): Promise<void> {
      // The dashboard's accesses per minute read one time range over every object; the
      // primary key starts with the object id, so without this that read scans the table.
      await db.schema.createIndex('access_buckets_by_time').on('access_buckets').columns(['resolution_seconds', 'bucket_start']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('access_buckets_by_time').execute();
    },
  },
  '0005_job_leases': {
    async up(db: Kysely<any>): Promise<void> {
      // Several workers share one catalog; a sweep or a training run needs only one of them.
      await db.schema
        .createTable('job_leases')
        .addColumn('job', 'text', (c) => c.primaryKey())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('job_leases').execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => MIGRATIONS };

/**
 * Applies every pending migration (Kysely's lock table serialises concurrent callers).
 * Returns the names applied now: empty when the schema was already current.
 * `migrationTableSchema` names the schema of Kysely's bookkeeping tables on PostgreSQL:
 * without it Kysely looks for them in every schema of the database and, finding another
 * catalog's, would skip creating its own.
 */
export async function migrateSchema(db: Kysely<any>, options: { migrationTableSchema?: string } = {}): Promise<string[]> {
  const migrator = new Migrator({ db, provider, ...(options.migrationTableSchema !== undefined && { migrationTableSchema: options.migrationTableSchema }) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new TiercastError('internal', `catalog schema migration ${failed} failed: ${String(error)}`, {
      cause: error,
      hint: 'the catalog was left at the last applied migration; fix the cause and restart',
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
