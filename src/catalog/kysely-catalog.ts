import { sql, type Insertable, type Kysely, type Selectable, type Transaction } from 'kysely';
import type {
  AccessBucket,
  AccessBucketDelta,
  Catalog,
  MigrationPatch,
  MigrationQuery,
  NewMigration,
  ObjectAccessBucket,
  ObjectQuery,
  ObjectSortField,
  Page,
  TierUsage,
} from './catalog.js';
import type { Database, MigrationsTable, ObjectsTable } from './schema.js';
import { migrateSchema } from './schema-migrations.js';
import * as forecasts from './kysely-forecasts.js';
import type { ModelRecord, Prediction } from '../domain/forecast.js';
import { ACTIVE_STATUSES, type MigrationRecord, type MigrationStatus } from '../domain/migration.js';
import type { ObjectRecord } from '../domain/object.js';
import { conflict, invalidInput } from '../domain/errors.js';

/** Active states an overwrite or a delete may still cancel (a `switched` move must complete). */
const CANCELLABLE: MigrationStatus[] = ['planned', 'copying', 'verifying'];
const ACTIVE: MigrationStatus[] = [...ACTIVE_STATUSES];
/** Rows per multi-row statement: few round trips, far below every dialect's parameter limit. */
const CHUNK_ROWS = 500;
const MINUTE_MS = 60_000;

const SORT_COLUMNS: Record<ObjectSortField, keyof ObjectsTable & string> = {
  created_at: 'created_at',
  size_bytes: 'size_bytes',
  access_count: 'access_count',
  last_accessed_at: 'last_accessed_at',
  object_id: 'object_id',
  tier: 'tier',
  // Every forecast covers the configured horizon, so ordering by the forecast orders by its 24 h share.
  predicted_next_24h: 'predicted_accesses',
};

/** Thrown inside a transaction to roll it back when a guarded step matched nothing. */
class RollBack extends Error {}

/** What differs between the dialects the catalog runs on, beyond Kysely's own dialect. */
export interface KyselyCatalogOptions {
  /** Brings the schema up to date (default: the shared migrations); PostgreSQL runs them under an advisory lock. */
  migrate?: (db: Kysely<Database>) => Promise<unknown>;
  /**
   * Locks the object rows a batch is about to write, in one fixed order. Needed where rows
   * are locked one by one (PostgreSQL): an UPDATE ... FROM locks them in whatever order its
   * join visits them, so two concurrent batches could deadlock. SQLite has one writer at a
   * time and needs none.
   */
  lockObjectRows?: (trx: Transaction<Database>, objectIds: readonly string[]) => Promise<void>;
}

/**
 * The catalog on Kysely. Dialect-neutral SQL only (RETURNING, ON CONFLICT, UPDATE ... FROM
 * VALUES, partial unique index), so the same class serves SQLite and PostgreSQL.
 *
 * Read-modify-write methods start with a guarded UPDATE: it takes the row lock on
 * PostgreSQL (READ COMMITTED) and the write lock on SQLite before anything is read, so no
 * decision is made on a row another writer is changing.
 */
export class KyselyCatalog implements Catalog {
  constructor(
    private readonly db: Kysely<Database>,
    /** Engine name shown in health output, e.g. `sqlite` or `postgres`. */
    readonly kind: string,
    private readonly options: KyselyCatalogOptions = {},
  ) {}

  async migrateSchema(): Promise<void> {
    await (this.options.migrate ?? migrateSchema)(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }

  // Objects -------------------------------------------------------------------------------

  async insertObject(object: ObjectRecord): Promise<void> {
    const result = await this.db
      .insertInto('objects')
      .values(objectToRow(object))
      .onConflict((oc) => oc.column('object_id').doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw conflict(`object '${object.objectId}' already exists`, 'overwrite it or choose another id');
    }
  }

  async getObject(objectId: string): Promise<ObjectRecord | undefined> {
    const row = await this.db.selectFrom('objects').selectAll().where('object_id', '=', objectId).executeTakeFirst();
    return row && rowToObject(row);
  }

  async getObjects(objectIds: readonly string[]): Promise<ObjectRecord[]> {
    const found: ObjectRecord[] = [];
    for (const ids of chunked(objectIds, CHUNK_ROWS)) {
      const rows = await this.db.selectFrom('objects').selectAll().where('object_id', 'in', ids).execute();
      found.push(...rows.map(rowToObject));
    }
    return found;
  }

  async setPinnedUntil(objectId: string, until: number | null): Promise<boolean> {
    const result = await this.db.updateTable('objects').set({ pinned_until: until }).where('object_id', '=', objectId).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async listObjects(query: ObjectQuery): Promise<Page<ObjectRecord>> {
    const column = SORT_COLUMNS[query.sort ?? 'created_at'];
    if (column === undefined) throw invalidInput(`cannot sort objects by '${String(query.sort)}'`);
    assertPaging(query.limit, query.offset);
    return this.db.transaction().execute(async (trx) => {
      let filtered = trx.selectFrom('objects');
      if (query.tier !== undefined) filtered = filtered.where('tier', '=', query.tier);
      if (query.search !== undefined && query.search !== '') {
        const pattern = `%${escapeLike(query.search.toLowerCase())}%`;
        filtered = filtered.where((eb) =>
          eb.or([
            sql<boolean>`lower(object_id) like ${pattern} escape '\\'`,
            sql<boolean>`lower(name) like ${pattern} escape '\\'`,
          ]),
        );
      }
      const countAll = () => filtered.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
      // A search scans every row: the page then counts its matches in the same scan.
      const searching = query.search !== undefined && query.search !== '';
      // The page's ids first, then their rows: ordering and skipping narrow keys instead of
      // whole rows keeps a deep page of a large catalog fast.
      // Nulls (never accessed) count as the smallest value on every dialect.
      const ids = await filtered
        .select((eb) => ['object_id', searching ? eb.fn.countAll().over().as('total') : sql<number>`0`.as('total')])
        .orderBy(column, (ob) => (query.descending ? ob.desc().nullsLast() : ob.asc().nullsFirst()))
        .orderBy('object_id', 'asc')
        .limit(query.limit)
        .offset(query.offset)
        .execute();
      const total = searching && ids.length > 0 ? Number(ids[0]!.total) : Number((await countAll()).total);
      if (ids.length === 0) return { items: [], total };
      const rows = await trx.selectFrom('objects').selectAll().where('object_id', 'in', ids.map((r) => r.object_id)).execute();
      const byId = new Map(rows.map((r) => [r.object_id, r]));
      return { items: ids.flatMap((r) => (byId.has(r.object_id) ? [rowToObject(byId.get(r.object_id)!)] : [])), total };
    });
  }

  async objectsAfter(afterObjectId: string | null, limit: number): Promise<ObjectRecord[]> {
    assertPaging(limit, 0);
    const rows = await this.db
      .selectFrom('objects')
      .selectAll()
      .$if(afterObjectId !== null, (q) => q.where('object_id', '>', afterObjectId as string))
      .orderBy('object_id', 'asc')
      .limit(limit)
      .execute();
    return rows.map(rowToObject);
  }

  async replaceContent(
    objectId: string,
    expectedVersion: number,
    next: Pick<ObjectRecord, 'tier' | 'storageKey' | 'sizeBytes' | 'sha256' | 'contentType' | 'updatedAt'>,
  ): Promise<{ previous: ObjectRecord; current: ObjectRecord } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      // Lock the row at the expected version before reading it (see the class comment).
      const locked = await trx
        .updateTable('objects')
        .set((eb) => ({ version: eb.ref('version') }))
        .where('object_id', '=', objectId)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(locked.numUpdatedRows) === 0) return undefined;
      const before = await trx.selectFrom('objects').selectAll().where('object_id', '=', objectId).executeTakeFirstOrThrow();
      const previous = rowToObject(before);
      const after = await trx
        .updateTable('objects')
        .set({
          version: expectedVersion + 1,
          tier: next.tier,
          storage_key: next.storageKey,
          size_bytes: next.sizeBytes,
          sha256: next.sha256,
          content_type: next.contentType,
          updated_at: next.updatedAt,
          tier_since: next.tier === previous.tier ? previous.tierSince : next.updatedAt,
        })
        .where('object_id', '=', objectId)
        .returningAll()
        .executeTakeFirstOrThrow();
      await cancelMigrations(trx, objectId, 'object was overwritten during the migration', next.updatedAt);
      return { previous, current: rowToObject(after) };
    });
  }

  async deleteObject(objectId: string, now: number): Promise<ObjectRecord | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.deleteFrom('objects').where('object_id', '=', objectId).returningAll().executeTakeFirst();
      if (row === undefined) return undefined;
      await trx.deleteFrom('access_buckets').where('object_id', '=', objectId).execute();
      await cancelMigrations(trx, objectId, 'object was deleted during the migration', now);
      return rowToObject(row);
    });
  }

  async tierUsage(): Promise<TierUsage[]> {
    const rows = await this.db
      .selectFrom('objects')
      .select((eb) => ['tier', eb.fn.countAll().as('objects'), eb.fn.sum<number | string>('size_bytes').as('bytes')])
      .groupBy('tier')
      .orderBy('tier')
      .execute();
    return rows.map((r) => ({ tier: r.tier, objects: Number(r.objects), bytes: Number(r.bytes ?? 0) }));
  }

  async isKeyInUse(tier: string, key: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const object = await trx
        .selectFrom('objects')
        .select('object_id')
        .where('tier', '=', tier)
        .where('storage_key', '=', key)
        .limit(1)
        .executeTakeFirst();
      if (object !== undefined) return true;
      // Both ends of an active move: the source is still read (or about to be deleted by the
      // migration itself), the destination is being written.
      const migration = await trx
        .selectFrom('migrations')
        .select('id')
        .where('status', 'in', ACTIVE)
        .where((eb) =>
          eb.or([
            eb.and([eb('destination_tier', '=', tier), eb('destination_key', '=', key)]),
            eb.and([eb('source_tier', '=', tier), eb('source_key', '=', key)]),
          ]),
        )
        .limit(1)
        .executeTakeFirst();
      return migration !== undefined;
    });
  }

  // Access history ------------------------------------------------------------------------

  async recordAccesses(deltas: readonly AccessBucketDelta[]): Promise<{ unknownObjectIds: string[] }> {
    const { perObject, perBucket } = aggregateDeltas(deltas);
    if (perObject.size === 0) return { unknownObjectIds: [] };
    const known = new Set<string>();
    await this.db.transaction().execute(async (trx) => {
      await this.options.lockObjectRows?.(trx, [...perObject.keys()]);
      // Objects first: the UPDATE locks the rows it finds and tells which ids exist, so no
      // bucket is written for an object deleted concurrently.
      for (const chunk of chunked([...perObject].sort(byKey), CHUNK_ROWS)) {
        const values = sql.join(
          chunk.map(([id, a]) => sql`(${id}, cast(${a.count} as bigint), cast(${a.lastAccessAt} as bigint))`),
        );
        // VALUES columns are named column1.. on both SQLite and PostgreSQL.
        const updated = await trx
          .updateTable('objects')
          .from(sql<{ column1: string; column2: number; column3: number }>`(values ${values})`.as('v'))
          .set({
            access_count: sql`objects.access_count + v.column2`,
            last_accessed_at: sql`case when objects.last_accessed_at is null or objects.last_accessed_at < v.column3 then v.column3 else objects.last_accessed_at end`,
          })
          .whereRef('objects.object_id', '=', 'v.column1')
          .returning('objects.object_id')
          .execute();
        for (const row of updated) known.add(row.object_id);
      }
      const rows = [...perBucket.values()].filter((b) => known.has(b.object_id)).sort(byBucket);
      for (const chunk of chunked(rows, CHUNK_ROWS)) {
        await trx
          .insertInto('access_buckets')
          .values(chunk)
          .onConflict((oc) =>
            oc
              .columns(['object_id', 'resolution_seconds', 'bucket_start'])
              .doUpdateSet({ count: sql`access_buckets.count + excluded.count` }),
          )
          .execute();
      }
    });
    return { unknownObjectIds: [...perObject.keys()].filter((id) => !known.has(id)) };
  }

  async accessSums(objectIds: readonly string[], sinceMs: readonly number[]): Promise<Map<string, number[]>> {
    const sums = new Map<string, number[]>();
    if (sinceMs.length === 0) return sums;
    const earliest = Math.min(...sinceMs);
    for (const ids of chunked(objectIds, CHUNK_ROWS)) {
      const rows = await this.db
        .selectFrom('access_buckets')
        .select('object_id')
        .select((eb) =>
          sinceMs.map((since, i) =>
            eb.fn.sum<number | string>(eb.case().when('bucket_start', '>=', since).then(eb.ref('count')).else(0).end()).as(`s${i}`),
          ),
        )
        .where('object_id', 'in', ids)
        .where('bucket_start', '>=', earliest)
        .groupBy('object_id')
        .execute();
      for (const row of rows) {
        const record = row as unknown as Record<string, number | string>;
        sums.set(row.object_id, sinceMs.map((_, i) => Number(record[`s${i}`] ?? 0)));
      }
    }
    return sums;
  }

  accessBucketsFor(objectIds: readonly string[], fromMs: number, toMs: number): Promise<ObjectAccessBucket[]> {
    return forecasts.accessBucketsFor(this.db, objectIds, fromMs, toMs);
  }

  savePredictions(predictions: readonly Prediction[]): Promise<void> {
    return forecasts.savePredictions(this.db, predictions, this.options.lockObjectRows);
  }

  saveModel(model: Omit<ModelRecord, 'version'>): Promise<ModelRecord> {
    return forecasts.saveModel(this.db, model);
  }

  listModels(limit: number): Promise<ModelRecord[]> {
    return forecasts.listModels(this.db, limit);
  }

  servedModel(): Promise<ModelRecord | undefined> {
    return forecasts.servedModel(this.db);
  }

  async accessHistory(objectId: string, fromMs: number, toMs: number): Promise<AccessBucket[]> {
    const rows = await this.db
      .selectFrom('access_buckets')
      .select(['bucket_start', 'resolution_seconds', 'count'])
      .where('object_id', '=', objectId)
      .where('bucket_start', '>=', fromMs)
      .where('bucket_start', '<', toMs)
      .orderBy('bucket_start')
      .orderBy('resolution_seconds', 'desc')
      .execute();
    return rows.map((r) => ({
      bucketStart: Number(r.bucket_start),
      resolutionSeconds: Number(r.resolution_seconds),
      count: Number(r.count),
    }));
  }

  async accessesPerMinute(fromMs: number, toMs: number): Promise<Array<{ minuteStart: number; count: number }>> {
    const rows = await this.db
      .selectFrom('access_buckets')
      .select((eb) => ['bucket_start', eb.fn.sum<number | string>('count').as('total')])
      .where('resolution_seconds', '=', 60)
      .where('bucket_start', '>=', fromMs)
      .where('bucket_start', '<', toMs)
      .groupBy('bucket_start')
      .orderBy('bucket_start')
      .execute();
    return rows.map((r) => ({ minuteStart: Number(r.bucket_start), count: Number(r.total) }));
  }

  async rollUpAccesses(fromResolutionSeconds: number, toResolutionSeconds: number, beforeMs: number): Promise<number> {
    const from = fromResolutionSeconds;
    const to = toResolutionSeconds;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from <= 0 || to <= from || to % from !== 0) {
      throw invalidInput(`cannot roll up ${from}-second buckets into ${to}-second buckets`);
    }
    // Literals, not parameters: the aligned expression must be identical in SELECT and
    // GROUP BY for PostgreSQL. Both are validated integers.
    const aligned = sql<number>`bucket_start - (bucket_start % ${sql.lit(to * 1000)})`;
    // Repeatable read on PostgreSQL: the DELETE removes exactly the rows the INSERT summed;
    // a concurrent write to one of them aborts this run instead of being lost. SQLite
    // transactions are serializable and ignore the setting.
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (trx) => {
        await trx
          .insertInto('access_buckets')
          .columns(['object_id', 'resolution_seconds', 'bucket_start', 'count'])
          .expression(
            trx
              .selectFrom('access_buckets')
              .select([
                'object_id',
                sql<number>`${sql.lit(to)}`.as('resolution_seconds'),
                aligned.as('aligned_start'),
                sql<number>`cast(sum(count) as bigint)`.as('count'),
              ])
              .where('resolution_seconds', '=', from)
              .where('bucket_start', '<', beforeMs)
              .groupBy(['object_id', aligned]),
          )
          .onConflict((oc) =>
            oc
              .columns(['object_id', 'resolution_seconds', 'bucket_start'])
              .doUpdateSet({ count: sql`access_buckets.count + excluded.count` }),
          )
          .execute();
        const deleted = await trx
          .deleteFrom('access_buckets')
          .where('resolution_seconds', '=', from)
          .where('bucket_start', '<', beforeMs)
          .executeTakeFirst();
        return Number(deleted.numDeletedRows);
      });
  }

  // Migrations ----------------------------------------------------------------------------

  async createMigration(migration: NewMigration): Promise<MigrationRecord | undefined> {
    const row: Insertable<MigrationsTable> = {
      id: migration.id,
      object_id: migration.objectId,
      source_tier: migration.sourceTier,
      destination_tier: migration.destinationTier,
      reason: migration.reason,
      status: 'planned',
      object_version: migration.objectVersion,
      source_key: migration.sourceKey,
      destination_key: migration.destinationKey,
      size_bytes: migration.sizeBytes,
      bytes_copied: 0,
      attempts: 0,
      error: null,
      explanation: migration.explanation === null ? null : JSON.stringify(migration.explanation),
      created_at: migration.createdAt,
      updated_at: migration.createdAt,
      finished_at: null,
      lease_owner: null,
      lease_expires_at: null,
    };
    return this.db.transaction().execute(async (trx) => {
      if (await migrationExists(trx, migration.id)) throw conflict(`migration '${migration.id}' already exists`);
      if ((await activeMigration(trx, migration.objectId)) !== undefined) return undefined;
      // The partial unique index settles a race with a concurrent creator: DO NOTHING (no
      // target) covers it on both dialects without aborting the transaction.
      const inserted = await trx
        .insertInto('migrations')
        .values(row)
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) return rowToMigration(inserted);
      if (await migrationExists(trx, migration.id)) throw conflict(`migration '${migration.id}' already exists`);
      return undefined;
    });
  }

  async getMigration(id: string): Promise<MigrationRecord | undefined> {
    const row = await this.db.selectFrom('migrations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && rowToMigration(row);
  }

  async listMigrations(query: MigrationQuery): Promise<Page<MigrationRecord>> {
    assertPaging(query.limit, query.offset);
    return this.db.transaction().execute(async (trx) => {
      let filtered = trx.selectFrom('migrations');
      if (query.status !== undefined) filtered = filtered.where('status', '=', query.status);
      if (query.reason !== undefined) filtered = filtered.where('reason', '=', query.reason);
      if (query.objectId !== undefined) filtered = filtered.where('object_id', '=', query.objectId);
      if (query.tier !== undefined) {
        const tier = query.tier;
        filtered = filtered.where((eb) => eb.or([eb('source_tier', '=', tier), eb('destination_tier', '=', tier)]));
      }
      const { total } = await filtered.select((eb) => eb.fn.countAll().as('total')).executeTakeFirstOrThrow();
      const rows = await filtered
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit)
        .offset(query.offset)
        .execute();
      return { items: rows.map(rowToMigration), total: Number(total) };
    });
  }

  async objectsWithActiveMigration(objectIds: readonly string[]): Promise<Set<string>> {
    const busy = new Set<string>();
    for (const ids of chunked(objectIds, CHUNK_ROWS)) {
      const rows = await this.db.selectFrom('migrations').select('object_id').where('object_id', 'in', ids).where('status', 'in', ACTIVE).execute();
      rows.forEach((r) => busy.add(r.object_id));
    }
    return busy;
  }

  async unfinishedMigrations(): Promise<MigrationRecord[]> {
    const rows = await this.db
      .selectFrom('migrations')
      .selectAll()
      .where('status', 'in', ACTIVE)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(rowToMigration);
  }

  async claimMigration(id: string, owner: string, now: number, leaseMs: number): Promise<MigrationRecord | undefined> {
    // One guarded UPDATE: two workers can never both win. RETURNING replaces the re-select.
    const row = await this.db
      .updateTable('migrations')
      .set({ lease_owner: owner, lease_expires_at: now + leaseMs })
      .where('id', '=', id)
      .where('status', 'in', ACTIVE)
      .where((eb) => eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_expires_at', '<', now)]))
      .returningAll()
      .executeTakeFirst();
    return row && rowToMigration(row);
  }

  async acquireJobLease(job: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    // One upsert whose update only happens when the lease is ours or expired: atomic on both engines.
    const row = await this.db
      .insertInto('job_leases')
      .values({ job, owner, expires_at: now + leaseMs })
      .onConflict((oc) =>
        oc
          .column('job')
          .doUpdateSet({ owner, expires_at: now + leaseMs })
          .where((eb) => eb.or([eb('job_leases.owner', '=', owner), eb('job_leases.expires_at', '<=', now)])),
      )
      .returning('job')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Guarded by lease owner and `fromStatus`: a stale worker or a cancelled migration gets false. */
  async updateMigration(id: string, owner: string, patch: MigrationPatch): Promise<boolean> {
    const result = await this.db
      .updateTable('migrations')
      .set({
        updated_at: patch.updatedAt,
        ...(patch.status !== undefined && { status: patch.status }),
        ...(patch.bytesCopied !== undefined && { bytes_copied: patch.bytesCopied }),
        ...(patch.attempts !== undefined && { attempts: patch.attempts }),
        ...(patch.error !== undefined && { error: patch.error }),
        ...(patch.finishedAt !== undefined && { finished_at: patch.finishedAt }),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', patch.fromStatus)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async switchObjectLocation(migration: MigrationRecord, owner: string, now: number): Promise<boolean> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const moved = await trx
          .updateTable('objects')
          .set({
            tier: migration.destinationTier,
            storage_key: migration.destinationKey,
            tier_since: now,
            updated_at: now,
          })
          .where('object_id', '=', migration.objectId)
          .where('version', '=', migration.objectVersion)
          .where('tier', '=', migration.sourceTier)
          .where('storage_key', '=', migration.sourceKey)
          .executeTakeFirst();
        if (Number(moved.numUpdatedRows) !== 1) return false;
        const switched = await trx
          .updateTable('migrations')
          .set({ status: 'switched', updated_at: now })
          .where('id', '=', migration.id)
          .where('lease_owner', '=', owner)
          .where('status', '=', 'verifying')
          .executeTakeFirst();
        if (Number(switched.numUpdatedRows) !== 1) throw new RollBack();
        return true;
      });
    } catch (error) {
      if (error instanceof RollBack) return false;
      throw error;
    }
  }

  async migrationCounts(): Promise<Array<{ status: MigrationStatus; reason: string; count: number; bytes: number }>> {
    const rows = await this.db
      .selectFrom('migrations')
      .select((eb) => ['status', 'reason', eb.fn.countAll().as('count'), eb.fn.sum<number | string>('size_bytes').as('bytes')])
      .groupBy(['status', 'reason'])
      .orderBy('status')
      .orderBy('reason')
      .execute();
    return rows.map((r) => ({
      status: r.status as MigrationStatus,
      reason: r.reason,
      count: Number(r.count),
      bytes: Number(r.bytes ?? 0),
    }));
  }
}

// Helpers ----------------------------------------------------------------------------------

type Executor = Kysely<Database> | Transaction<Database>;
type ObjectRow = Selectable<ObjectsTable>;
type MigrationRow = Selectable<MigrationsTable>;
type BucketRow = { object_id: string; resolution_seconds: number; bucket_start: number; count: number };

/** Cancels the object's cancellable migrations and drops their leases, so a worker still
 * holding one learns on its next updateMigration() that it lost the migration. */
async function cancelMigrations(trx: Transaction<Database>, objectId: string, error: string, now: number): Promise<void> {
  await trx
    .updateTable('migrations')
    .set({ status: 'cancelled', error, finished_at: now, updated_at: now, lease_owner: null, lease_expires_at: null })
    .where('object_id', '=', objectId)
    .where('status', 'in', CANCELLABLE)
    .execute();
}

async function activeMigration(db: Executor, objectId: string): Promise<MigrationRow | undefined> {
  return db
    .selectFrom('migrations')
    .selectAll()
    .where('object_id', '=', objectId)
    .where('status', 'in', ACTIVE)
    .limit(1)
    .executeTakeFirst();
}

async function migrationExists(db: Executor, id: string): Promise<boolean> {
  return (await db.selectFrom('migrations').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

/** Sums deltas per object and per minute bucket, so each row is written once per batch. */
function aggregateDeltas(deltas: readonly AccessBucketDelta[]): {
  perObject: Map<string, { count: number; lastAccessAt: number }>;
  perBucket: Map<string, BucketRow>;
} {
  const perObject = new Map<string, { count: number; lastAccessAt: number }>();
  const perBucket = new Map<string, BucketRow>();
  for (const d of deltas) {
    if (!Number.isSafeInteger(d.count) || d.count < 0 || !Number.isFinite(d.bucketStart) || !Number.isFinite(d.lastAccessAt)) {
      throw invalidInput(`malformed access delta for object '${d.objectId}'`);
    }
    const bucketStart = d.bucketStart - (d.bucketStart % MINUTE_MS);
    const object = perObject.get(d.objectId);
    if (object === undefined) perObject.set(d.objectId, { count: d.count, lastAccessAt: d.lastAccessAt });
    else {
      object.count += d.count;
      object.lastAccessAt = Math.max(object.lastAccessAt, d.lastAccessAt);
    }
    const key = `${d.objectId}\u0000${bucketStart}`;
    const bucket = perBucket.get(key);
    if (bucket === undefined) {
      perBucket.set(key, { object_id: d.objectId, resolution_seconds: 60, bucket_start: bucketStart, count: d.count });
    } else bucket.count += d.count;
  }
  return { perObject, perBucket };
}

// Key order: neighbouring rows share B-tree pages (fewer pages touched per statement), and
// concurrent batches lock rows in the same order, so they cannot deadlock on PostgreSQL.
const byKey = (a: [string, unknown], b: [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
const byBucket = (a: BucketRow, b: BucketRow) =>
  a.object_id < b.object_id ? -1 : a.object_id > b.object_id ? 1 : a.bucket_start - b.bucket_start;

function* chunked<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Escapes LIKE wildcards so a search matches them literally (escape character `\`). */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function assertPaging(limit: number, offset: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0 || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalidInput(`invalid page: limit ${limit}, offset ${offset}`, 'use non-negative whole numbers');
  }
}

const numOrNull = (v: number | string | null): number | null => (v === null ? null : Number(v));

function objectToRow(o: ObjectRecord): Insertable<ObjectsTable> {
  return {
    object_id: o.objectId,
    name: o.name,
    content_type: o.contentType,
    size_bytes: o.sizeBytes,
    sha256: o.sha256,
    version: o.version,
    tier: o.tier,
    storage_key: o.storageKey,
    created_at: o.createdAt,
    updated_at: o.updatedAt,
    tier_since: o.tierSince,
    access_count: o.accessCount,
    last_accessed_at: o.lastAccessedAt,
    pinned_until: o.pinnedUntil,
  };
}

function rowToObject(r: ObjectRow): ObjectRecord {
  return {
    objectId: r.object_id,
    name: r.name,
    contentType: r.content_type,
    sizeBytes: Number(r.size_bytes),
    sha256: r.sha256,
    version: Number(r.version),
    tier: r.tier,
    storageKey: r.storage_key,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    tierSince: Number(r.tier_since),
    accessCount: Number(r.access_count),
    lastAccessedAt: numOrNull(r.last_accessed_at),
    pinnedUntil: numOrNull(r.pinned_until),
    prediction:
      r.predicted_accesses === null
        ? null
        : {
            accesses: Number(r.predicted_accesses),
            horizonHours: Number(r.prediction_horizon_hours),
            modelVersion: Number(r.prediction_model),
            at: Number(r.predicted_at),
          },
  };
}

function rowToMigration(r: MigrationRow): MigrationRecord {
  return {
    id: r.id,
    objectId: r.object_id,
    sourceTier: r.source_tier,
    destinationTier: r.destination_tier,
    reason: r.reason,
    status: r.status as MigrationStatus,
    objectVersion: Number(r.object_version),
    sourceKey: r.source_key,
    destinationKey: r.destination_key,
    sizeBytes: Number(r.size_bytes),
    bytesCopied: Number(r.bytes_copied),
    attempts: Number(r.attempts),
    error: r.error,
    explanation: r.explanation === null ? null : (JSON.parse(r.explanation) as Record<string, unknown>),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    finishedAt: numOrNull(r.finished_at),
    leaseOwner: r.lease_owner,
    leaseExpiresAt: numOrNull(r.lease_expires_at),
  };
}

