import { randomBytes, randomUUID } from 'node:crypto';
import { lookup as lookupMimeType } from 'mime-types';
import type { Readable } from 'node:stream';
import { TOPICS, type EventBus } from '../bus/event-bus.js';
import type { Catalog, ObjectQuery, Page } from '../catalog/catalog.js';
import type { Clock } from '../domain/clock.js';
import { conflict, invalidInput, notFound, TiercastError } from '../domain/errors.js';
import { isValidObjectId, OBJECT_ID_PATTERN, storageKeyFor, type ObjectRecord } from '../domain/object.js';
import type { Logger } from '../log.js';
import type { AccessEvent } from './access-aggregator.js';
import type { TierSet } from './tier-set.js';

export interface IngestRequest {
  body: Readable;
  name?: string | null;
  contentType?: string;
  /** Defaults to the configured ingest tier. */
  tier?: string;
  /** Defaults to a new UUID. */
  objectId?: string;
}

/** Largest number of accesses one simulate-access call may add. */
export const MAX_SIMULATED_ACCESSES = 1_000_000;

/**
 * The object use-cases behind the API: ingest, overwrite, read, delete and access
 * accounting. Bytes are always written before the catalog learns of them and deleted
 * only after it forgets them, so a crash leaves at worst an orphan, never a dangling row.
 */
export class ObjectService {
  /** Chooses the tier of a new object when the request names none (see IngestPlacement); else the ingest tier. */
  private placeNew: ((draft: { objectId: string; name: string | null; contentType: string }) => Promise<string>) | undefined;

  constructor(
    private readonly catalog: Catalog,
    private readonly tiers: TierSet,
    private readonly bus: EventBus,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly options: { ingestTier: string; maxObjectBytes: number },
  ) {}

  placeNewObjectsWith(choose: (draft: { objectId: string; name: string | null; contentType: string }) => Promise<string>): void {
    this.placeNew = choose;
  }

  async ingest(request: IngestRequest): Promise<ObjectRecord> {
    const objectId = request.objectId ?? randomUUID();
    assertObjectId(objectId);
    const tier = request.tier ?? (await this.chooseTier(objectId, request));
    const backend = this.tiers.backend(tier);
    if (await this.catalog.getObject(objectId)) {
      request.body.resume();
      throw conflict(`object '${objectId}' already exists`, 'use PUT /api/objects/{id} to replace its content, or choose another id');
    }
    const key = storageKeyFor(objectId, 1, writeToken());
    const stored = await backend.put(key, request.body, { maxBytes: this.options.maxObjectBytes, contentType: request.contentType });
    const now = this.clock.now();
    const object: ObjectRecord = {
      objectId,
      name: request.name ?? null,
      contentType: contentTypeOf(request),
      sizeBytes: stored.sizeBytes,
      sha256: stored.sha256,
      version: 1,
      tier,
      storageKey: key,
      createdAt: now,
      updatedAt: now,
      tierSince: now,
      accessCount: 0,
      lastAccessedAt: null,
      pinnedUntil: null,
      prediction: null,
    };
    try {
      await this.catalog.insertObject(object);
    } catch (error) {
      await backend.delete(key).catch(() => undefined);
      throw error;
    }
    this.log.info({ object: objectId, tier, bytes: stored.sizeBytes }, `ingested ${objectId} (${stored.sizeBytes} bytes) into ${tier}`);
    return object;
  }

  private async chooseTier(objectId: string, request: IngestRequest): Promise<string> {
    if (!this.placeNew) return this.options.ingestTier;
    try {
      return await this.placeNew({ objectId, name: request.name ?? null, contentType: contentTypeOf(request) });
    } catch (error) {
      // A forecast is an optimisation: without one, the object still lands where configured.
      this.log.warn({ err: error, object: objectId }, `placement forecast failed, using ${this.options.ingestTier}`);
      return this.options.ingestTier;
    }
  }

  /**
   * Replaces an object's content in the tier it lives in now. An overwrite wins over a
   * migration in flight: the catalog cancels the migration in the same transaction.
   */
  async overwrite(objectId: string, body: Readable, contentType?: string): Promise<ObjectRecord> {
    const before = await this.require(objectId);
    const backend = this.tiers.backend(before.tier);
    const key = storageKeyFor(objectId, before.version + 1, writeToken());
    const stored = await backend.put(key, body, { maxBytes: this.options.maxObjectBytes, contentType });
    const replaced = await this.catalog.replaceContent(objectId, before.version, {
      tier: before.tier,
      storageKey: key,
      sizeBytes: stored.sizeBytes,
      sha256: stored.sha256,
      contentType: contentType ?? before.contentType,
      updatedAt: this.clock.now(),
    });
    if (!replaced) {
      await backend.delete(key).catch(() => undefined);
      throw conflict(`object '${objectId}' was changed by another writer during this upload`, 'read it again and retry the upload');
    }
    await this.deleteStoredCopy(replaced.previous.tier, replaced.previous.storageKey);
    this.log.info({ object: objectId, version: replaced.current.version }, `overwrote ${objectId}: now version ${replaced.current.version}`);
    return replaced.current;
  }

  async get(objectId: string): Promise<ObjectRecord> {
    return this.require(objectId);
  }

  list(query: ObjectQuery): Promise<Page<ObjectRecord>> {
    if (query.tier !== undefined) this.tiers.profile(query.tier);
    return this.catalog.listObjects(query);
  }

  /**
   * Opens the current content for reading and counts one access. The stream is opened on
   * the location the catalog points at now; a migration that switches meanwhile deletes
   * the old copy only after, and open files stay readable.
   */
  async openContent(objectId: string): Promise<{ object: ObjectRecord; stream: Readable }> {
    for (let attempt = 0; ; attempt++) {
      const object = await this.require(objectId);
      try {
        const stream = await this.tiers.backend(object.tier).get(object.storageKey);
        await this.recordAccesses(objectId, 1);
        return { object, stream };
      } catch (error) {
        // The pointer moved between reading it and opening the copy: read it again.
        if (error instanceof TiercastError && error.code === 'not_found' && attempt < 3) continue;
        throw error;
      }
    }
  }

  /** Lifts a pin or a manual hold, so the policies may move the object again. */
  async release(objectId: string): Promise<ObjectRecord> {
    const object = await this.require(objectId);
    await this.catalog.setPinnedUntil(objectId, null);
    return { ...object, pinnedUntil: null };
  }

  async delete(objectId: string): Promise<ObjectRecord> {
    assertObjectId(objectId);
    const deleted = await this.catalog.deleteObject(objectId, this.clock.now());
    if (!deleted) throw notFound('object', objectId);
    await this.deleteStoredCopy(deleted.tier, deleted.storageKey);
    this.log.info({ object: objectId }, `deleted ${objectId}`);
    return deleted;
  }

  /** Counts `count` accesses now, as the seed's simulate-access does, without moving bytes. */
  async simulateAccess(objectId: string, count: number): Promise<ObjectRecord> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_SIMULATED_ACCESSES) {
      throw invalidInput(`count must be a whole number from 1 to ${MAX_SIMULATED_ACCESSES}, got ${count}`);
    }
    const object = await this.require(objectId);
    await this.recordAccesses(objectId, count);
    return object;
  }

  private async recordAccesses(objectId: string, count: number): Promise<void> {
    const event: AccessEvent = { objectId, count, at: this.clock.now() };
    await this.bus.publish(TOPICS.accessEvents, [{ key: objectId, value: event }]);
  }

  private async require(objectId: string): Promise<ObjectRecord> {
    assertObjectId(objectId);
    const object = await this.catalog.getObject(objectId);
    if (!object) throw notFound('object', objectId, 'list objects with get-objects (GET /api/objects)');
    return object;
  }

  private async deleteStoredCopy(tier: string, key: string): Promise<void> {
    try {
      if (!(await this.catalog.isKeyInUse(tier, key))) await this.tiers.backend(tier).delete(key);
    } catch (error) {
      this.log.warn({ err: error, tier, key }, 'could not delete an old copy now; the orphan sweep will');
    }
  }
}

function assertObjectId(objectId: string): void {
  if (!isValidObjectId(objectId)) {
    throw invalidInput(
      `'${objectId.slice(0, 200)}' is not a valid object id`,
      `object ids match ${OBJECT_ID_PATTERN.source} (letters, digits, '.', '_', '-'; no path separators)`,
    );
  }
}

/** Short random suffix that makes each write's storage key unique. */
function writeToken(): string {
  return randomBytes(6).toString('base64url');
}

/**
 * The content type a client sent, else the one its file name implies (`report.pdf` is
 * application/pdf), else application/octet-stream: a type is what groups newcomers for the
 * forecaster and what downloads are served as. A generic octet-stream from a multipart
 * form counts as none.
 */
function contentTypeOf(request: { contentType?: string; name?: string | null }): string {
  const sent = request.contentType;
  if (sent && sent !== GENERIC_TYPE) return sent;
  const fromName = request.name ? lookupMimeType(request.name) : false;
  return fromName || GENERIC_TYPE;
}

const GENERIC_TYPE = 'application/octet-stream';
