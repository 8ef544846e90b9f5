import type { Readable } from 'node:stream';

/** What a backend reports after storing bytes: computed while streaming, never from an ETag. */
export interface StoredObjectInfo {
  key: string;
  sizeBytes: number;
  /** Lower-case hex sha256 of the bytes that were written. */
  sha256: string;
}

export interface HeadInfo {
  key: string;
  sizeBytes: number;
  /** Last modification time, ms since epoch. */
  modifiedAt: number;
}

export interface PutOptions {
  /** Refuse (and remove) the write once more than this many bytes arrive. */
  maxBytes?: number;
  contentType?: string;
}

export interface ListPage {
  entries: HeadInfo[];
  /** Pass to the next list call; undefined when there are no more entries. */
  nextCursor: string | undefined;
}

export interface TierBackendCapabilities {
  /** copyWithin() copies inside the backend without streaming bytes through Tiercast. */
  serverSideCopy: boolean;
}

/**
 * One storage tier's bytes. Keys are relative, slash-separated names such as
 * `<object_id>/<generation>`; a backend must refuse keys that would escape its root.
 * Writes are atomic: a key is either absent or holds every byte of one completed put.
 */
export interface TierBackend {
  readonly kind: string;
  readonly capabilities: TierBackendCapabilities;
  /** Checks that the tier is reachable and writable; throws a TiercastError naming the tier if not. */
  check(): Promise<void>;
  /** Streams `body` into `key`, replacing any previous content once complete. */
  put(key: string, body: Readable, options?: PutOptions): Promise<StoredObjectInfo>;
  /** Streams the content of `key`; throws not_found if absent. */
  get(key: string): Promise<Readable>;
  head(key: string): Promise<HeadInfo | undefined>;
  /** Removes `key`; succeeds if it was already absent. */
  delete(key: string): Promise<void>;
  /** Only when capabilities.serverSideCopy: copies `sourceKey` to `destinationKey` within this backend. */
  copyWithin?(sourceKey: string, destinationKey: string): Promise<StoredObjectInfo>;
  /** Pages through stored keys (including leftovers of interrupted writes), in key order. */
  list(options?: { prefix?: string; cursor?: string; limit?: number }): Promise<ListPage>;
}
