import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { ObjectAccessBucket } from './catalog.js';
import type { Database, ModelsTable } from './schema.js';
import type { BacktestMetrics, ModelFamily, ModelRecord, Prediction } from '../domain/forecast.js';
import { conflict } from '../domain/errors.js';

/** Rows per multi-row statement, as in the catalog. */
const CHUNK_ROWS = 500;
/** Model numbers tried before giving up when other processes take each one first. */
const SAVE_MODEL_ATTEMPTS = 20;

/**
 * The forecasting part of the Kysely catalog: batched history reads for feature building,
 * the latest forecast per object, and the model registry. Same portable SQL as the rest.
 */
export async function accessBucketsFor(db: Kysely<Database>, objectIds: readonly string[], fromMs: number, toMs: number): Promise<ObjectAccessBucket[]> {
  const buckets: ObjectAccessBucket[] = [];
  for (let i = 0; i < objectIds.length; i += CHUNK_ROWS) {
    const rows = await db
      .selectFrom('access_buckets')
      .select(['object_id', 'bucket_start', 'resolution_seconds', 'count'])
      .where('object_id', 'in', objectIds.slice(i, i + CHUNK_ROWS))
      .where('bucket_start', '>=', fromMs)
      .where('bucket_start', '<', toMs)
      .orderBy('object_id')
      .orderBy('bucket_start')
      .execute();
    for (const r of rows) {
      buckets.push({ objectId: r.object_id, bucketStart: Number(r.bucket_start), resolutionSeconds: Number(r.resolution_seconds), count: Number(r.count) });
    }
  }
  return buckets;
}

/** `lockObjectRows`: see KyselyCatalogOptions (keeps concurrent batches from deadlocking on PostgreSQL). */
export async function savePredictions(
  db: Kysely<Database>,
  predictions: readonly Prediction[],
  lockObjectRows?: (trx: Transaction<Database>, objectIds: readonly string[]) => Promise<void>,
): Promise<void> {
  if (predictions.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await lockObjectRows?.(trx, predictions.map((p) => p.objectId));
    for (let i = 0; i < predictions.length; i += CHUNK_ROWS) {
      const chunk = predictions.slice(i, i + CHUNK_ROWS);
      const values = sql.join(
        chunk.map((p) => sql`(${p.objectId}, cast(${p.accesses} as double precision), cast(${p.horizonHours} as integer), cast(${p.modelVersion} as integer), cast(${p.at} as bigint))`),
      );
      // VALUES columns are named column1.. on both SQLite and PostgreSQL.
      await trx
        .updateTable('objects')
        .from(sql<{ column1: string; column2: number; column3: number; column4: number; column5: number }>`(values ${values})`.as('v'))
        .set({
          predicted_accesses: sql`v.column2`,
          prediction_horizon_hours: sql`v.column3`,
          prediction_model: sql`v.column4`,
          predicted_at: sql`v.column5`,
        })
        .whereRef('objects.object_id', '=', 'v.column1')
        .execute();
    }
  });
}

export async function saveModel(db: Kysely<Database>, model: Omit<ModelRecord, 'version'>): Promise<ModelRecord> {
  return db.transaction().execute(async (trx) => {
    // max+1: the registry is written rarely (a training run). Two processes saving at once
    // on PostgreSQL may read the same max; the later insert then waits for the first, finds
    // the number taken and does nothing, and the next statement sees the committed row, so
    // it takes the next number. (SQLite has one writer at a time: the first try wins.)
    for (let attempt = 1; attempt <= SAVE_MODEL_ATTEMPTS; attempt++) {
      const { top } = await trx
        .selectFrom('models')
        .select((eb) => eb.fn.max<number | string | null>('version').as('top'))
        .executeTakeFirstOrThrow();
      const version = Number(top ?? 0) + 1;
      if (await insertModel(trx, model, version)) return { ...model, version };
    }
    // Only reachable if each statement does not see newly committed rows (a database whose
    // default isolation is above READ COMMITTED).
    throw conflict(`could not number the new model after ${SAVE_MODEL_ATTEMPTS} tries: other processes keep saving models`, 'train again');
  });
}

async function insertModel(trx: Transaction<Database>, model: Omit<ModelRecord, 'version'>, version: number): Promise<boolean> {
  const inserted = await trx
    .insertInto('models')
    .values({
      version,
      family: model.family,
      created_at: model.createdAt,
      trained_from: model.trainedFrom,
      trained_to: model.trainedTo,
      horizon_hours: model.horizonHours,
      feature_names: JSON.stringify(model.featureNames),
      metrics: JSON.stringify(model.metrics),
      served: model.served ? 1 : 0,
      payload: model.payload,
    })
    .onConflict((oc) => oc.column('version').doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}

export async function listModels(db: Kysely<Database>, limit: number): Promise<ModelRecord[]> {
  const rows = await db.selectFrom('models').selectAll().orderBy('version', 'desc').limit(limit).execute();
  return rows.map(rowToModel);
}

export async function servedModel(db: Kysely<Database>): Promise<ModelRecord | undefined> {
  const row = await db.selectFrom('models').selectAll().where('served', '=', 1).orderBy('version', 'desc').limit(1).executeTakeFirst();
  return row && rowToModel(row);
}

function rowToModel(r: Selectable<ModelsTable>): ModelRecord {
  return {
    version: Number(r.version),
    family: r.family as ModelFamily,
    createdAt: Number(r.created_at),
    trainedFrom: Number(r.trained_from),
    trainedTo: Number(r.trained_to),
    horizonHours: Number(r.horizon_hours),
    featureNames: JSON.parse(r.feature_names) as string[],
    metrics: JSON.parse(r.metrics) as BacktestMetrics,
    served: Number(r.served) === 1,
    payload: r.payload,
  };
}
