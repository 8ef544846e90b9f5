/** A stored object as the catalog knows it. Times are ms since the Unix epoch. */
export interface ObjectRecord {
  objectId: string;
  /** The name given at ingest (usually the file name); informational only. */
  name: string | null;
  contentType: string;
  sizeBytes: number;
  /** Lower-case hex sha256 of the current content. */
  sha256: string;
  /** Starts at 1 and grows by one with every content overwrite; guards migrations' switch. */
  version: number;
  tier: string;
  /** Where the current content lives inside `tier`. */
  storageKey: string;
  createdAt: number;
  updatedAt: number;
  /** When the object arrived in its current tier: the start of its residency. */
  tierSince: number;
  accessCount: number;
  lastAccessedAt: number | null;
  /**
   * Policies leave the object in its tier until this time (ms): set by a manual move for a
   * while, or for good by a pin (Number.MAX_SAFE_INTEGER). Null: no hold.
   */
  pinnedUntil: number | null;
  /** The latest forecast of the object's accesses, if the proactive sweep made one. */
  prediction: { accesses: number; horizonHours: number; modelVersion: number; at: number } | null;
}

/** The hold a pin sets: policies never move the object until it is unpinned. */
export const PINNED_FOREVER = Number.MAX_SAFE_INTEGER;

export function isHeld(object: ObjectRecord, now: number): boolean {
  return object.pinnedUntil !== null && object.pinnedUntil > now;
}

/** Object ids are chosen by Tiercast or the client; this keeps them safe as storage keys. */
export const OBJECT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isValidObjectId(id: string): boolean {
  return OBJECT_ID_PATTERN.test(id) && !id.includes('..');
}

/**
 * Storage key of one written generation of an object: readable (`<object_id>/...`) and
 * unique per write, so an overwrite never replaces bytes that a migration is copying and a
 * losing writer can delete its own copy without touching the winner's.
 */
export function storageKeyFor(objectId: string, version: number, writeToken: string): string {
  return `${objectId}/v${version}-${writeToken}`;
}
