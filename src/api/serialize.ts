import type { MigrationRecord } from '../domain/migration.js';
import { PINNED_FOREVER, type ObjectRecord } from '../domain/object.js';
import type { MigrationJson, ObjectJson } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export function objectJson(o: ObjectRecord): ObjectJson {
  return {
    object_id: o.objectId,
    name: o.name,
    content_type: o.contentType,
    current_tier: o.tier,
    size_bytes: o.sizeBytes,
    sha256: o.sha256,
    version: o.version,
    access_count: o.accessCount,
    last_accessed_at: isoOrNull(o.lastAccessedAt),
    created_at: iso(o.createdAt),
    updated_at: iso(o.updatedAt),
    tier_since: iso(o.tierSince),
    pinned_until: o.pinnedUntil === null ? null : o.pinnedUntil >= PINNED_FOREVER ? 'forever' : iso(o.pinnedUntil),
    predicted_next_24h: o.prediction ? Math.round(((o.prediction.accesses * 24) / o.prediction.horizonHours) * 100) / 100 : null,
    predicted_at: o.prediction ? iso(o.prediction.at) : null,
    prediction_model_version: o.prediction ? o.prediction.modelVersion : null,
  };
}

export function migrationJson(m: MigrationRecord): MigrationJson {
  return {
    id: m.id,
    object_id: m.objectId,
    timestamp: iso(m.createdAt),
    source_tier: m.sourceTier,
    destination_tier: m.destinationTier,
    reason: m.reason,
    status: m.status,
    size_bytes: m.sizeBytes,
    bytes_copied: m.bytesCopied,
    attempts: m.attempts,
    error: m.error,
    explanation: m.explanation,
    updated_at: iso(m.updatedAt),
    finished_at: isoOrNull(m.finishedAt),
  };
}
