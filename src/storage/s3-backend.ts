import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { TiercastError, invalidInput, notFound } from '../domain/errors.js';
import { httpStatusOf, mapS3Error, type S3Place } from './s3-errors.js';
import { hashStream, UploadMeter } from './stream-hash.js';
import type { HeadInfo, ListPage, PutOptions, StoredObjectInfo, TierBackend, TierBackendCapabilities } from './tier-backend.js';

export interface S3BackendOptions {
  tierName: string;
  bucket: string;
  /** Key prefix inside the bucket, without slashes at the ends: keys are stored as `<prefix>/<key>`. */
  prefix?: string;
  /** URL of an S3-compatible store (MinIO, Ceph, ...); leave out for AWS S3. */
  endpoint?: string;
  region: string;
  /** Path-style URLs (http://host/bucket/key); default: true when `endpoint` is set. */
  forcePathStyle?: boolean;
  /** Leave out to use the AWS SDK's default credential chain (environment, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Multipart part size, bytes (at least 5 MiB; default 8 MiB). An object may have 10,000 parts. */
  partSizeBytes?: number;
  /** Parts uploaded at once (default 4). A put holds about (queueSize + 1) × partSizeBytes in memory. */
  queueSize?: number;
}

const MiB = 1024 * 1024;
/** S3's smallest part (except the last one). */
const MIN_PART_BYTES = 5 * MiB;
const DEFAULT_PART_BYTES = 8 * MiB;
const DEFAULT_QUEUE_SIZE = 4;
/** CopyObject's limit; larger objects are copied by streaming them through. */
const MAX_COPY_OBJECT_BYTES = 5 * 1024 * MiB;
const MAX_KEY_BYTES = 1024;
const MAX_LIST_PAGE = 1000;
/** One quick retry for a blip; outages are the migration executor's to retry, with backoff. */
const SDK_MAX_ATTEMPTS = 2;
const CONNECT_TIMEOUT_MS = 5_000;
/** A socket silent this long is dead (a hung store); a slow but moving transfer is not cut. */
const IDLE_TIMEOUT_MS = 60_000;
const KEY_HINT = 'storage keys are relative, slash-separated names such as <object_id>/<generation>';

/** Refuses what the fs backend refuses, so a key valid on one tier is valid on every tier. */
function checkKey(key: string): void {
  const refuse = (why: string) => invalidInput(`storage key ${JSON.stringify(key)} is refused: ${why}`, KEY_HINT);
  if (typeof key !== 'string') throw refuse('it is not a string');
  if (key === '') throw refuse('it is empty');
  if (/[\x00-\x1f\x7f]/.test(key)) throw refuse('it contains a control character');
  if (key.includes('\\')) throw refuse('it contains a backslash');
  if (key.startsWith('/')) throw refuse('it is absolute');
  for (const segment of key.split('/')) {
    if (segment === '') throw refuse('it has an empty segment (leading, trailing or double slash)');
    if (segment === '.' || segment === '..') throw refuse(`it has a '${segment}' segment`);
  }
}

function checkOptions(options: S3BackendOptions): void {
  const problem = (setting: string, why: string) =>
    new TiercastError('config_error', `tier '${options.tierName}': backend.${setting} ${why}`, { hint: 'fix the tier\'s S3 backend settings' });
  if (!options.bucket) throw problem('bucket', 'is empty');
  if (!options.region) throw problem('region', 'is empty (MinIO and s3rver accept us-east-1)');
  if (options.prefix !== undefined) {
    try {
      checkKey(options.prefix);
    } catch (error) {
      throw problem('prefix', `is not usable: ${(error as Error).message}`);
    }
  }
  if (options.partSizeBytes !== undefined && (!Number.isInteger(options.partSizeBytes) || options.partSizeBytes < MIN_PART_BYTES)) {
    throw problem('partSizeBytes', `must be a whole number of bytes of at least ${MIN_PART_BYTES} (S3's smallest part)`);
  }
  if (options.queueSize !== undefined && (!Number.isInteger(options.queueSize) || options.queueSize < 1)) throw problem('queueSize', 'must be a whole number ≥ 1');
}

/**
 * A tier kept in an S3 bucket (AWS S3 or any S3-compatible store). Key `k` is the object
 * `<prefix>/k`, so the bucket stays readable without Tiercast. Puts stream through a multipart
 * upload (at most about (queueSize + 1) × partSizeBytes in memory) and hash the bytes on the
 * way; S3 makes an object visible only once its upload completes, so a key is absent or whole.
 */
export class S3TierBackend implements TierBackend {
  readonly kind = 's3';
  readonly capabilities: TierBackendCapabilities = { serverSideCopy: true };
  readonly tierName: string;
  readonly bucket: string;
  /** '' or the configured prefix followed by '/'. */
  private readonly root: string;
  private readonly place: S3Place;
  private readonly client: S3Client;
  private readonly partSize: number;
  private readonly queueSize: number;

  constructor(options: S3BackendOptions) {
    checkOptions(options);
    this.tierName = options.tierName;
    this.bucket = options.bucket;
    this.root = options.prefix ? `${options.prefix}/` : '';
    this.place = { tierName: options.tierName, bucket: options.bucket, endpoint: options.endpoint ?? `AWS S3 (${options.region})` };
    this.partSize = options.partSizeBytes ?? DEFAULT_PART_BYTES;
    this.queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? options.endpoint !== undefined,
      credentials: options.credentials,
      // The defaults frame streamed bodies as aws-chunked with a trailing CRC, which
      // S3-compatible stores may keep inside the object: silent corruption (PITFALLS.md).
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: SDK_MAX_ATTEMPTS,
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: IDLE_TIMEOUT_MS },
    });
  }

  /** Closes the client's pooled connections. */
  close(): void {
    this.client.destroy();
  }

  async check(): Promise<void> {
    // A listing rather than HeadBucket: a HEAD error has no body, so it cannot say which setting is wrong.
    await this.call('listing the bucket', (c) => c.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.root, MaxKeys: 1 })));
    const probe = `${this.root}.tiercast-check-${randomBytes(8).toString('hex')}`;
    await this.call('writing a probe object', (c) => c.send(new PutObjectCommand({ Bucket: this.bucket, Key: probe, Body: 'probe' })));
    await this.call('deleting a probe object', (c) => c.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: probe })));
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObjectInfo> {
    const objectKey = this.objectKey(key);
    const { maxBytes } = options;
    const meter = new UploadMeter(key, maxBytes);
    /** Set when the failure is the body's (its source broke, or it is too large), not the store's. */
    let bodyFailure: unknown;
    async function* measured(): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of body) yield meter.take(chunk);
      } catch (error) {
        bodyFailure = error;
        throw error;
      }
    }
    const source = Readable.from(measured(), { objectMode: false });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: source, ContentType: options.contentType },
      partSize: this.partSize,
      queueSize: this.queueSize,
      // A failed or refused upload aborts its multipart upload. Only a store that is down cannot
      // take the abort: a bucket lifecycle rule (AbortIncompleteMultipartUpload) removes those parts.
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (error) {
      source.destroy();
      body.destroy();
      if (bodyFailure !== undefined) throw bodyFailure;
      if (/Exceeded \d+ parts/.test((error as Error).message ?? '')) {
        throw new TiercastError('payload_too_large', `object for key '${key}' needs more than 10,000 parts of ${this.partSize} bytes`, {
          hint: `raise partSizeBytes of tier '${this.tierName}'`,
        });
      }
      throw mapS3Error(error, this.place, `writing '${key}'`);
    }
    return { key, sizeBytes: meter.sizeBytes, sha256: meter.sha256() };
  }

  async get(key: string): Promise<Readable> {
    const objectKey = this.objectKey(key);
    const out = await this.call(`reading '${key}'`, (c) => c.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey })), () => notFound('stored object', key));
    // In Node the SDK's body is the HTTP response, an IncomingMessage.
    return out.Body as Readable;
  }

  async head(key: string): Promise<HeadInfo | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      return { key, sizeBytes: out.ContentLength ?? 0, modifiedAt: out.LastModified?.getTime() ?? 0 };
    } catch (error) {
      const status = httpStatusOf(error);
      // A HEAD error has no body: a 404 may be a missing bucket and a 403 may be bad
      // credentials. A listing of just this key tells them apart (and throws the right error).
      if (status === 404 || status === 403) {
        await this.call(`reading '${key}'`, (c) => c.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: objectKey, MaxKeys: 1 })));
        if (status === 404) return undefined;
      }
      throw mapS3Error(error, this.place, `reading '${key}'`);
    }
  }

  async delete(key: string): Promise<void> {
    const objectKey = this.objectKey(key);
    // S3 answers 204 whether or not the key existed.
    await this.call(`deleting '${key}'`, (c) => c.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey })));
  }

  /**
   * CopyObject inside the bucket (no bytes through Tiercast), then the copy is read back and
   * hashed: S3 reports only an ETag, which is no content hash (multipart ETags are an MD5 of
   * part MD5s), and reading the copy also proves it is whole. Objects above CopyObject's 5 GiB
   * limit are streamed through a put instead, hashed on the way.
   */
  async copyWithin(sourceKey: string, destinationKey: string): Promise<StoredObjectInfo> {
    const from = this.objectKey(sourceKey);
    const to = this.objectKey(destinationKey);
    const source = await this.head(sourceKey);
    if (!source) throw notFound('stored object', sourceKey);
    if (source.sizeBytes > MAX_COPY_OBJECT_BYTES) return this.put(destinationKey, await this.get(sourceKey));
    const copySource = `${this.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
    await this.call(
      `copying '${sourceKey}' to '${destinationKey}'`,
      (c) => c.send(new CopyObjectCommand({ Bucket: this.bucket, Key: to, CopySource: copySource })),
      () => notFound('stored object', sourceKey),
    );
    try {
      const { sha256, sizeBytes } = await hashStream(await this.get(destinationKey));
      return { key: destinationKey, sizeBytes, sha256 };
    } catch (error) {
      await this.delete(destinationKey).catch(() => {});
      throw mapS3Error(error, this.place, `reading back the copy '${destinationKey}'`);
    }
  }

  async list(options: { prefix?: string; cursor?: string; limit?: number } = {}): Promise<ListPage> {
    const { prefix = '', cursor, limit = MAX_LIST_PAGE } = options;
    if (!Number.isInteger(limit) || limit < 1) throw invalidInput(`list limit must be a positive integer, got ${limit}`);
    const out = await this.call('listing the bucket', (c) =>
      c.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.root + prefix,
          StartAfter: cursor === undefined ? undefined : this.root + cursor,
          MaxKeys: Math.min(limit, MAX_LIST_PAGE),
        }),
      ),
    );
    const entries: HeadInfo[] = (out.Contents ?? []).map((o) => ({
      key: (o.Key ?? '').slice(this.root.length),
      sizeBytes: o.Size ?? 0,
      modifiedAt: o.LastModified?.getTime() ?? 0,
    }));
    // A page may be shorter than asked (S3 caps it at 1000) and still have a next one.
    const nextCursor = out.IsTruncated && entries.length > 0 ? entries[entries.length - 1]!.key : undefined;
    return { entries, nextCursor };
  }

  /** The bucket key of a storage key; refuses keys that are not plain relative names. */
  private objectKey(key: string): string {
    checkKey(key);
    const objectKey = this.root + key;
    if (Buffer.byteLength(objectKey) > MAX_KEY_BYTES) {
      throw invalidInput(`storage key ${JSON.stringify(key.slice(0, 100))}... is refused: with the prefix it is longer than ${MAX_KEY_BYTES} bytes`, KEY_HINT);
    }
    return objectKey;
  }

  /** Runs one SDK call, turning its errors into TiercastErrors that name the tier and what it was doing. */
  private async call<T>(action: string, run: (client: S3Client) => Promise<T>, missing?: () => TiercastError): Promise<T> {
    try {
      return await run(this.client);
    } catch (error) {
      throw mapS3Error(error, this.place, action, missing);
    }
  }
}
