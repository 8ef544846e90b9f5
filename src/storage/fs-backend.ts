import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, rmdir, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { TiercastError, invalidInput, notFound, tierUnavailable } from '../domain/errors.js';
import type { HeadInfo, ListPage, PutOptions, StoredObjectInfo, TierBackend, TierBackendCapabilities } from './tier-backend.js';
import { UploadMeter } from './stream-hash.js';

/** Read and write unit, bytes: large enough that per-chunk overhead vanishes next to the copy. */
/** Smallest read buffer (empty and tiny files). */
const MIN_READ_CHUNK_BYTES = 16 * 1024;
const CHUNK_BYTES = 1024 * 1024;
/** Bytes written between background writebacks of a put: keeps the final fsync short. */
const WRITEBACK_BYTES = 64 * 1024 * 1024;
const DEFAULT_LIST_LIMIT = 1000;
/** Unfinished writes are named `.tmp-<random>-<basename>`; keys may not use the prefix. */
const TEMP_PREFIX = '.tmp-';
/** Same as S3's limit, so a key valid on one tier is valid on every tier. */
const MAX_KEY_BYTES = 1024;
/** NAME_MAX is 255 bytes and the temp name adds 22, so segments stay well below it. */
const MAX_SEGMENT_BYTES = 200;
const KEY_HINT = 'storage keys are relative, slash-separated names such as <object_id>/<generation>';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'I/O error',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a parent is not a folder',
  EMFILE: 'too many open files',
};

const errnoCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException | null)?.code;
const reason = (err: unknown): string => {
  const code = errnoCode(err);
  return code === undefined ? String(err) : `${REASONS[code] ?? 'failed'} (${code})`;
};
const isMissing = (err: unknown): boolean => errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR';

/**
 * Splits a key into path segments, refusing anything that could leave the root or collide with
 * the backend's own temp files. `allowTemp` lets head/delete reach leftovers that list() reports.
 */
function keySegments(key: string, allowTemp = false): string[] {
  const refuse = (why: string) => invalidInput(`storage key ${JSON.stringify(key)} is refused: ${why}`, KEY_HINT);
  if (typeof key !== 'string') throw refuse('it is not a string');
  if (key === '') throw refuse('it is empty');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw refuse(`it is longer than ${MAX_KEY_BYTES} bytes`);
  // Control characters include NUL, which the OS would silently truncate the path at.
  if (/[\x00-\x1f\x7f]/.test(key)) throw refuse('it contains a control character');
  if (key.includes('\\')) throw refuse('it contains a backslash');
  if (key.startsWith('/')) throw refuse('it is absolute');
  const segments = key.split('/');
  for (const segment of segments) {
    if (segment === '') throw refuse('it has an empty segment (leading, trailing or double slash)');
    if (segment === '.' || segment === '..') throw refuse(`it has a '${segment}' segment`);
    if (!allowTemp && segment.startsWith(TEMP_PREFIX)) throw refuse(`segments starting with '${TEMP_PREFIX}' are reserved`);
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES) throw refuse(`a segment is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return segments;
}

/** Code-point order, which equals the UTF-8 byte order S3 lists in (plain `<` compares UTF-16 units). */
function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (astral code points) must sort after U+E000..U+FFFF.
    if (x >= 0xd800) x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
    if (y >= 0xd800) y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    return x - y;
  }
  return a.length - b.length;
}

/**
 * Appends to a file keeping one write in flight, so reading and hashing the next chunk overlap
 * the disk. Every WRITEBACK_BYTES it starts a background fdatasync, so the kernel writes back
 * while we stream instead of all at once in the final fsync, and dirty pages stay bounded.
 */
class FileAppender {
  private position = 0;
  private sinceWriteback = 0;
  private pending: Promise<void> = Promise.resolve();
  private writeback: Promise<void> | undefined;
  /** The first I/O error; kept because Linux reports a failed writeback to only one fsync. */
  private failure: unknown;

  constructor(
    private readonly handle: FileHandle,
    private readonly mapError: (err: unknown) => Promise<unknown>,
  ) {}

  /** Waits for the previous write, then starts writing `buffers` (`bytes` long) without waiting. */
  async append(buffers: Buffer[], bytes: number): Promise<void> {
    await this.pending;
    await this.throwIfFailed();
    this.pending = this.handle.writev(buffers, this.position).then(() => {}, (err: unknown) => this.fail(err));
    this.position += bytes;
    this.sinceWriteback += bytes;
    if (this.sinceWriteback >= WRITEBACK_BYTES && this.writeback === undefined) {
      this.sinceWriteback = 0;
      this.writeback = this.handle.datasync().then(
        () => void (this.writeback = undefined),
        (err: unknown) => this.fail(err),
      );
    }
  }

  /** Waits for all writes; throws the first error of any of them. */
  async drain(): Promise<void> {
    await this.settle();
    await this.throwIfFailed();
  }

  /** Waits for running I/O without throwing. */
  async settle(): Promise<void> {
    await this.pending;
    await this.writeback;
  }

  private fail(err: unknown): void {
    this.failure ??= err;
  }

  private async throwIfFailed(): Promise<void> {
    if (this.failure !== undefined) throw await this.mapError(this.failure);
  }
}

interface ListFilter {
  prefix: string;
  cursor: string | undefined;
  /** Stop once this many entries are collected. */
  want: number;
}

/**
 * A tier kept in a local folder: each key is the file `<root>/<key>`, readable without Tiercast.
 * Writes go to a temp file beside the target, are fsynced, then renamed over it, so a key is
 * either absent or complete even across a crash.
 */
export class FsTierBackend implements TierBackend {
  readonly kind = 'fs';
  readonly capabilities: TierBackendCapabilities = { serverSideCopy: true };
  readonly tierName: string;
  /** Absolute path of the tier's folder. */
  readonly root: string;
  private readonly rootPrefix: string;

  constructor(options: { tierName: string; root: string }) {
    this.tierName = options.tierName;
    this.root = resolve(options.root);
    this.rootPrefix = this.root.endsWith(sep) ? this.root : this.root + sep;
  }

  async check(): Promise<void> {
    try {
      await mkdir(this.root, { recursive: true });
    } catch (err) {
      throw tierUnavailable(this.tierName, `cannot create folder ${this.root}: ${reason(err)}`, err);
    }
    const problem = await this.rootProblem();
    if (problem !== undefined) throw tierUnavailable(this.tierName, problem);
    const probe = join(this.root, `${TEMP_PREFIX}probe-${randomBytes(8).toString('hex')}`);
    try {
      await writeFile(probe, 'probe');
      await rm(probe, { force: true });
    } catch (err) {
      throw tierUnavailable(this.tierName, `cannot write in folder ${this.root}: ${reason(err)}`, err);
    }
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<StoredObjectInfo> {
    return this.writeAtomically(key, (file) => this.writeBody(file, body, key, options.maxBytes));
  }

  async get(key: string): Promise<Readable> {
    const handle = await this.openObject(key);
    // A buffer sized to the file: a 4 KiB object must not allocate a 1 MiB chunk per read.
    const { size } = await handle.stat().catch(async (err: unknown) => {
      await handle.close();
      throw err;
    });
    return handle.createReadStream({ highWaterMark: Math.min(CHUNK_BYTES, Math.max(MIN_READ_CHUNK_BYTES, size)) });
  }

  async head(key: string): Promise<HeadInfo | undefined> {
    const path = this.pathOf(key, true);
    try {
      const info = await stat(path);
      return info.isFile() ? { key, sizeBytes: info.size, modifiedAt: info.mtimeMs } : undefined;
    } catch (err) {
      if (isMissing(err) && (await this.rootProblem()) === undefined) return undefined;
      throw await this.tierError(err, path, 'reading');
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key, true);
    try {
      await unlink(path);
    } catch (err) {
      // EISDIR: the key names a folder of other keys, so no object by that name exists.
      if (!isMissing(err) && errnoCode(err) !== 'EISDIR') throw await this.tierError(err, path, 'deleting');
      const problem = await this.rootProblem();
      if (problem !== undefined) throw tierUnavailable(this.tierName, problem, err);
    }
    // Also after ENOENT: a delete retried after a crash still removes the emptied folders.
    await this.removeEmptyFolders(dirname(path));
  }

  /** Removes `folder` and its parents up to the root while they are empty. */
  private async removeEmptyFolders(folder: string): Promise<void> {
    for (; folder.startsWith(this.rootPrefix); folder = dirname(folder)) {
      try {
        await rmdir(folder);
      } catch {
        break; // ENOTEMPTY (a sibling key remains) or already gone: either way stop climbing.
      }
    }
  }

  async copyWithin(sourceKey: string, destinationKey: string): Promise<StoredObjectInfo> {
    this.pathOf(destinationKey);
    const source = await this.openObject(sourceKey);
    try {
      return await this.writeAtomically(destinationKey, (file) => this.copyFrom(source, sourceKey, file));
    } finally {
      await source.close().catch(() => {});
    }
  }

  async list(options: { prefix?: string; cursor?: string; limit?: number } = {}): Promise<ListPage> {
    const { prefix = '', cursor, limit = DEFAULT_LIST_LIMIT } = options;
    if (!Number.isInteger(limit) || limit < 1) throw invalidInput(`list limit must be a positive integer, got ${limit}`);
    const entries: HeadInfo[] = [];
    // Start in the deepest folder the prefix names, but only if that folder is a safe key.
    let start = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    try {
      if (start !== '') keySegments(start.slice(0, -1), true);
    } catch {
      start = '';
    }
    await this.walk(start, { prefix, cursor, want: limit + 1 }, entries);
    if (entries.length <= limit) return { entries, nextCursor: undefined };
    entries.length = limit;
    return { entries, nextCursor: entries[limit - 1]!.key };
  }

  /** Visits keys below folder `rel` ('' or ending in '/') in key order, collecting matches. */
  private async walk(rel: string, filter: ListFilter, out: HeadInfo[]): Promise<void> {
    const folder = rel === '' ? this.root : join(this.root, rel);
    let children;
    try {
      children = await readdir(folder, { withFileTypes: true });
    } catch (err) {
      if (!isMissing(err)) throw await this.tierError(err, folder, 'listing');
      const problem = await this.rootProblem();
      if (problem !== undefined) throw tierUnavailable(this.tierName, problem, err);
      return; // Removed by a concurrent delete, or the prefix names no folder.
    }
    // A folder sorts as `name/`, which puts its subtree exactly where its keys belong.
    const sorted = children
      .filter((child) => child.isFile() || child.isDirectory())
      .map((child) => ({ isFolder: child.isDirectory(), sortKey: rel + child.name + (child.isDirectory() ? '/' : '') }))
      .sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    const { prefix, cursor } = filter;
    for (const { isFolder, sortKey } of sorted) {
      if (out.length >= filter.want) return;
      if (isFolder) {
        if (!sortKey.startsWith(prefix) && !prefix.startsWith(sortKey)) continue;
        if (cursor !== undefined && compareKeys(cursor, sortKey) > 0 && !cursor.startsWith(sortKey)) continue;
        await this.walk(sortKey, filter, out);
      } else if (sortKey.startsWith(prefix) && (cursor === undefined || compareKeys(sortKey, cursor) > 0)) {
        const path = join(this.root, sortKey);
        try {
          const info = await stat(path);
          if (info.isFile()) out.push({ key: sortKey, sizeBytes: info.size, modifiedAt: info.mtimeMs });
        } catch (err) {
          if (!isMissing(err)) throw await this.tierError(err, path, 'listing'); // else renamed or deleted meanwhile
        }
      }
    }
  }

  /**
   * Writes a temp file beside `key` through `fill`, fsyncs it and renames it over `key`, so the
   * key is absent or complete even across a crash. Errors thrown by `fill` itself (its data
   * source failing) pass through unchanged; the tier's own errors become TiercastErrors.
   */
  private async writeAtomically(
    key: string,
    fill: (file: FileAppender) => Promise<{ sizeBytes: number; sha256: string }>,
  ): Promise<StoredObjectInfo> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    const tempPath = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}-${basename(path)}`);
    let handle: FileHandle | undefined;
    let file: FileAppender | undefined;
    let filling = false;
    try {
      const created = await this.openTemp(key, dir, tempPath);
      handle = created.handle;
      file = new FileAppender(handle, (err) => this.tierError(err, tempPath, 'writing'));
      filling = true;
      const written = await fill(file);
      filling = false;
      await file.drain();
      await handle.sync();
      await handle.close();
      handle = undefined;
      await this.renameInto(key, tempPath, path);
      // The new name, and the names of any new folders, are durable only once their folders are synced.
      await this.syncFolders(created.firstNewFolder === undefined ? dir : dirname(created.firstNewFolder), dir);
      return { key, ...written };
    } catch (err) {
      await file?.settle(); // never close the handle under a running write
      await handle?.close().catch(() => {});
      await rm(tempPath, { force: true }).catch(() => {});
      // A failed first write of an object must not leave its folder behind.
      await this.removeEmptyFolders(dir);
      throw filling ? err : await this.tierError(err, tempPath, 'writing');
    }
  }

  /** Streams `body` into `file`, hashing on the way; sizes in bytes. */
  private async writeBody(
    file: FileAppender,
    body: Readable,
    key: string,
    maxBytes: number | undefined,
  ): Promise<{ sizeBytes: number; sha256: string }> {
    const meter = new UploadMeter(key, maxBytes);
    let batch: Buffer[] = [];
    let batchBytes = 0;
    // Throwing out of for-await destroys `body`, so an oversized upload stops being read here.
    for await (const chunk of body) {
      const buffer = meter.take(chunk);
      batch.push(buffer);
      batchBytes += buffer.length;
      // Batching small network chunks keeps syscalls near one per MiB whatever the source's chunking.
      if (batchBytes >= CHUNK_BYTES) {
        await file.append(batch, batchBytes);
        batch = [];
        batchBytes = 0;
      }
    }
    if (batchBytes > 0) await file.append(batch, batchBytes);
    return { sizeBytes: meter.sizeBytes, sha256: meter.sha256() };
  }

  /**
   * Copies an open object into `file`, hashing on the way. Three reused buffers replace a read
   * stream's fresh allocation per chunk, whose page faults cost as much as the copy itself.
   */
  private async copyFrom(source: FileHandle, sourceKey: string, file: FileAppender): Promise<{ sizeBytes: number; sha256: string }> {
    const hash = createHash('sha256');
    const buffers = [0, 1, 2].map(() => Buffer.allocUnsafeSlow(CHUNK_BYTES));
    const read = (chunk: number, position: number) =>
      source.read(buffers[chunk % 3]!, 0, CHUNK_BYTES, position).catch(async (err: unknown) => {
        throw await this.tierError(err, this.pathOf(sourceKey), 'reading');
      });
    let sizeBytes = 0;
    let next = read(0, 0);
    try {
      for (let chunk = 0; ; chunk++) {
        const { bytesRead, buffer } = await next;
        if (bytesRead === 0) break;
        // The buffer read next last held chunk-2, whose write ended before chunk-1's began.
        next = read(chunk + 1, sizeBytes + bytesRead);
        const data = buffer.subarray(0, bytesRead);
        hash.update(data);
        await file.append([data], bytesRead);
        sizeBytes += bytesRead;
      }
    } finally {
      await next.catch(() => {}); // a read still running when append failed
    }
    return { sizeBytes, sha256: hash.digest('hex') };
  }

  /** Opens a fresh temp file, creating folders; retries because a concurrent delete may prune them. */
  private async openTemp(key: string, dir: string, tempPath: string): Promise<{ handle: FileHandle; firstNewFolder?: string }> {
    const belowObject = () =>
      invalidInput(`storage key '${key}' cannot be stored: a part of its path is already a stored object`, KEY_HINT);
    let firstNewFolder: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return { handle: await open(tempPath, 'wx'), firstNewFolder };
      } catch (err) {
        if (!isMissing(err) || attempt >= 3) throw err;
      }
      // Recreating the root here would hide an unmounted or deleted tier; only check() may.
      const problem = await this.rootProblem();
      if (problem !== undefined) throw tierUnavailable(this.tierName, problem);
      try {
        firstNewFolder = (await mkdir(dir, { recursive: true })) ?? firstNewFolder;
      } catch (err) {
        if (errnoCode(err) === 'ENOTDIR' || errnoCode(err) === 'EEXIST') throw belowObject();
        throw err;
      }
    }
  }

  private async renameInto(key: string, tempPath: string, path: string): Promise<void> {
    try {
      await rename(tempPath, path);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST') {
        throw invalidInput(`storage key '${key}' cannot be stored: it names a folder holding other keys`, KEY_HINT);
      }
      throw err;
    }
  }

  /** fsyncs every folder from `top` down to `bottom` (a folder below or equal to `top`). */
  private async syncFolders(top: string, bottom: string): Promise<void> {
    const folders = [bottom];
    for (let folder = bottom; folder !== top && folder.startsWith(this.rootPrefix); ) {
      folder = dirname(folder);
      folders.unshift(folder);
    }
    for (const folder of folders) {
      const handle = await open(folder, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }

  /** Opens the file of an existing object; a missing key rejects here, not as a late stream error. */
  private async openObject(key: string): Promise<FileHandle> {
    const path = this.pathOf(key);
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r');
      // Opening a folder succeeds on Linux; only a read would fail.
      if (!(await handle.stat()).isFile()) throw notFound('stored object', key);
      return handle;
    } catch (err) {
      await handle?.close().catch(() => {});
      throw await this.tierError(err, path, 'reading', () => notFound('stored object', key));
    }
  }

  private pathOf(key: string, allowTemp = false): string {
    const path = resolve(this.root, ...keySegments(key, allowTemp));
    // Belt and braces: validation should already make escaping impossible.
    if (!path.startsWith(this.rootPrefix)) {
      throw invalidInput(`storage key ${JSON.stringify(key)} resolves outside the tier folder`, KEY_HINT);
    }
    return path;
  }

  /** Describes what is wrong with the root folder, or undefined if it is a folder. */
  private async rootProblem(): Promise<string | undefined> {
    try {
      return (await stat(this.root)).isDirectory() ? undefined : `${this.root} is not a folder`;
    } catch (err) {
      return isMissing(err) ? `folder ${this.root} does not exist` : `cannot reach folder ${this.root}: ${reason(err)}`;
    }
  }

  /**
   * Maps an fs error: a missing path is `missing()` (not_found) unless the root itself is gone;
   * everything else is the tier's problem (permissions, full or read-only disk) and retryable.
   */
  private async tierError(err: unknown, path: string, action: string, missing?: () => TiercastError): Promise<unknown> {
    if (err instanceof TiercastError) return err;
    if (isMissing(err)) {
      const problem = await this.rootProblem();
      if (problem !== undefined) return tierUnavailable(this.tierName, problem, err);
      if (missing) return missing();
    }
    return tierUnavailable(this.tierName, `${action} ${path}: ${reason(err)}`, err);
  }
}
