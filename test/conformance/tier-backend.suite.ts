import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { TiercastError, type ErrorCode } from '../../src/domain/errors.js';
import type { TierBackend } from '../../src/storage/tier-backend.js';

/**
 * The behaviour every TierBackend must show, run once per adapter (fs, s3, ...). Uses only the
 * port, so an adapter passes by meeting the contract, not by sharing the fs layout. One backend
 * serves the whole suite; each test works under its own key prefix.
 */
export function tierBackendConformance(
  name: string,
  makeBackend: () => Promise<{ backend: TierBackend; cleanup: () => Promise<void> }>,
): void {
  describe(`TierBackend conformance: ${name}`, () => {
    let backend: TierBackend;
    let cleanup: (() => Promise<void>) | undefined;
    let counter = 0;
    /** A fresh prefix per test, so tests never see each other's keys. */
    const ns = () => `c${++counter}-${randomBytes(3).toString('hex')}`;

    before(async () => {
      ({ backend, cleanup } = await makeBackend());
    });
    after(async () => {
      await cleanup?.();
    });

    it('check() passes on a fresh backend', async () => {
      await backend.check();
    });

    it('round-trips several MiB in many chunks with the right sha256 and size', async () => {
      const key = `${ns()}/v1-big`;
      const bytes = randomBytes(5 * 1024 * 1024 + 123);
      const stored = await backend.put(key, chunked(bytes, 64 * 1024));
      assert.deepEqual(stored, { key, sizeBytes: bytes.length, sha256: sha256(bytes) });
      const read = await readAll(await backend.get(key));
      assert.equal(read.length, bytes.length);
      assert.equal(sha256(read), sha256(bytes));
    });

    it('stores an empty object', async () => {
      const key = `${ns()}/empty`;
      const stored = await backend.put(key, chunked(Buffer.alloc(0)));
      assert.equal(stored.sizeBytes, 0);
      assert.equal(stored.sha256, sha256(Buffer.alloc(0)));
      assert.equal((await readAll(await backend.get(key))).length, 0);
      assert.equal((await backend.head(key))?.sizeBytes, 0);
    });

    it('overwrite replaces content atomically: readers see old bytes until the put completes', async () => {
      const key = `${ns()}/obj`;
      const oldBytes = randomBytes(1024 * 1024);
      const newBytes = randomBytes(2 * 1024 * 1024);
      await backend.put(key, chunked(oldBytes));
      const body = new PassThrough();
      const pending = backend.put(key, body);
      body.write(newBytes.subarray(0, 1024 * 1024));
      await sleep(50); // let the backend consume the first half
      assert.equal(sha256(await readAll(await backend.get(key))), sha256(oldBytes));
      assert.equal((await backend.head(key))?.sizeBytes, oldBytes.length);
      body.end(newBytes.subarray(1024 * 1024));
      assert.equal((await pending).sha256, sha256(newBytes));
      assert.equal(sha256(await readAll(await backend.get(key))), sha256(newBytes));
    });

    it('get of a missing key rejects with not_found', async () => {
      await rejectsWith(() => backend.get(`${ns()}/missing`), 'not_found');
    });

    it('head reports size and time of a present key and undefined for an absent one', async () => {
      const key = `${ns()}/h`;
      const bytes = randomBytes(4321);
      await backend.put(key, chunked(bytes));
      const info = await backend.head(key);
      assert.equal(info?.key, key);
      assert.equal(info?.sizeBytes, bytes.length);
      // Loose bound: a remote store's clock may differ from ours.
      assert.ok(Math.abs((info?.modifiedAt ?? 0) - Date.now()) < 3_600_000, `modifiedAt ${info?.modifiedAt} is not recent`);
      assert.equal(await backend.head(`${ns()}/absent`), undefined);
    });

    it('delete removes the key and is idempotent', async () => {
      const prefix = ns();
      const key = `${prefix}/d`;
      await backend.put(key, chunked(randomBytes(100)));
      await backend.delete(key);
      assert.equal(await backend.head(key), undefined);
      await rejectsWith(() => backend.get(key), 'not_found');
      await backend.delete(key);
      await backend.delete(`${ns()}/never-existed`);
      assert.deepEqual((await backend.list({ prefix })).entries, []);
    });

    it('lists in key order across pages, with exact sizes and a final undefined cursor', async () => {
      const prefix = `${ns()}/`;
      // '-' < '/' < '0': catches a naive folder-first walk that breaks lexicographic order.
      const names = ['a-b', 'a/b', 'a/c/d', 'a0', 'b', 'c/1', 'c/2'];
      const keys = names.map((n) => prefix + n);
      for (const [i, key] of [...keys].reverse().entries()) await backend.put(key, chunked(randomBytes(i + 1)));
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await backend.list({ prefix, cursor, limit: 3 });
        assert.ok(page.entries.length <= 3);
        for (const entry of page.entries) assert.equal(entry.sizeBytes, keys.length - keys.indexOf(entry.key));
        seen.push(...page.entries.map((e) => e.key));
        cursor = page.nextCursor;
        pages++;
        assert.ok(pages <= 5, 'list does not terminate');
      } while (cursor !== undefined);
      assert.deepEqual(seen, keys);
      assert.equal(pages, 3);
    });

    it('list reports no further page when the last page is exactly full', async () => {
      const prefix = `${ns()}/`;
      for (const n of ['1', '2', '3', '4']) await backend.put(prefix + n, chunked(Buffer.from(n)));
      const first = await backend.list({ prefix, limit: 2 });
      assert.equal(first.nextCursor, `${prefix}2`);
      const second = await backend.list({ prefix, cursor: first.nextCursor, limit: 2 });
      assert.deepEqual(second.entries.map((e) => e.key), [`${prefix}3`, `${prefix}4`]);
      assert.equal(second.nextCursor, undefined);
    });

    it('list prefix is a plain string prefix, not a folder', async () => {
      const p = ns();
      for (const n of ['a/1', 'a/2', 'ab', 'b/1']) await backend.put(`${p}/${n}`, chunked(Buffer.from(n)));
      const keys = async (prefix: string) => (await backend.list({ prefix })).entries.map((e) => e.key);
      assert.deepEqual(await keys(`${p}/a`), [`${p}/a/1`, `${p}/a/2`, `${p}/ab`]);
      assert.deepEqual(await keys(`${p}/a/`), [`${p}/a/1`, `${p}/a/2`]);
      assert.deepEqual(await keys(`${p}/zz`), []);
      assert.deepEqual(await keys(`${ns()}`), []);
    });

    it('refuses a body over maxBytes with payload_too_large and keeps nothing of it', async () => {
      const prefix = ns();
      const key = `${prefix}/big`;
      await rejectsWith(() => backend.put(key, chunked(randomBytes(300 * 1024), 16 * 1024), { maxBytes: 100 * 1024 }), 'payload_too_large');
      assert.equal(await backend.head(key), undefined);
      assert.deepEqual((await backend.list({ prefix })).entries, []);
    });

    it('accepts a body of exactly maxBytes, and an oversized overwrite keeps the old content', async () => {
      const key = `${ns()}/edge`;
      const bytes = randomBytes(64 * 1024);
      assert.equal((await backend.put(key, chunked(bytes), { maxBytes: bytes.length })).sizeBytes, bytes.length);
      await rejectsWith(() => backend.put(key, chunked(randomBytes(bytes.length + 1)), { maxBytes: bytes.length }), 'payload_too_large');
      assert.equal(sha256(await readAll(await backend.get(key))), sha256(bytes));
    });

    it('a source stream that fails midway rejects the put and leaves the previous content intact', async () => {
      const prefix = ns();
      const key = `${prefix}/obj`;
      const oldBytes = randomBytes(200 * 1024);
      await backend.put(key, chunked(oldBytes));
      await assert.rejects(() => backend.put(key, chunked(randomBytes(3 * 1024 * 1024), 256 * 1024, 5)));
      assert.equal(sha256(await readAll(await backend.get(key))), sha256(oldBytes));
      assert.deepEqual((await backend.list({ prefix })).entries.map((e) => e.key), [key]);
      await assert.rejects(() => backend.put(`${prefix}/new`, chunked(randomBytes(1024 * 1024), 64 * 1024, 3)));
      assert.equal(await backend.head(`${prefix}/new`), undefined);
    });

    it('refuses keys that could escape the tier with invalid_input', async () => {
      const bad = ['../x', '/etc/passwd', 'a/../../b', 'a\\b', '', '..', 'a/./b', 'a//b', 'a/', 'a\0b'];
      for (const key of bad) {
        await rejectsWith(() => backend.put(key, chunked(Buffer.from('x'))), 'invalid_input', key);
        await rejectsWith(() => backend.get(key), 'invalid_input', key);
        await rejectsWith(() => backend.head(key), 'invalid_input', key);
        await rejectsWith(() => backend.delete(key), 'invalid_input', key);
        if (backend.copyWithin) {
          await rejectsWith(() => backend.copyWithin!(key, `${ns()}/ok`), 'invalid_input', key);
          await rejectsWith(() => backend.copyWithin!(`${ns()}/ok`, key), 'invalid_input', key);
        }
      }
    });

    it('copyWithin makes an identical copy (when server-side copy is supported)', async (t) => {
      if (!backend.capabilities.serverSideCopy || !backend.copyWithin) return t.skip('no server-side copy');
      const prefix = ns();
      const bytes = randomBytes(3 * 1024 * 1024 + 7);
      await backend.put(`${prefix}/src`, chunked(bytes));
      const copied = await backend.copyWithin(`${prefix}/src`, `${prefix}/dst/v2`);
      assert.deepEqual(copied, { key: `${prefix}/dst/v2`, sizeBytes: bytes.length, sha256: sha256(bytes) });
      assert.equal(sha256(await readAll(await backend.get(`${prefix}/dst/v2`))), sha256(bytes));
      assert.equal(sha256(await readAll(await backend.get(`${prefix}/src`))), sha256(bytes));
      await rejectsWith(() => backend.copyWithin!(`${prefix}/missing`, `${prefix}/x`), 'not_found');
      assert.equal(await backend.head(`${prefix}/x`), undefined);
    });

    it('concurrent puts to different keys all land intact', async () => {
      const prefix = ns();
      const objects = Array.from({ length: 12 }, (_, i) => ({ key: `${prefix}/o${i}/v1`, bytes: randomBytes(256 * 1024 + i) }));
      const stored = await Promise.all(objects.map((o) => backend.put(o.key, chunked(o.bytes, 32 * 1024))));
      for (const [i, o] of objects.entries()) {
        assert.equal(stored[i]?.sha256, sha256(o.bytes));
        assert.equal(sha256(await readAll(await backend.get(o.key))), sha256(o.bytes));
      }
    });

    it('concurrent puts to one key leave exactly one complete version', async () => {
      const key = `${ns()}/contended`;
      const versions = Array.from({ length: 5 }, () => randomBytes(512 * 1024));
      await Promise.all(versions.map((bytes) => backend.put(key, chunked(bytes, 32 * 1024))));
      const final = sha256(await readAll(await backend.get(key)));
      assert.ok(versions.some((bytes) => sha256(bytes) === final), 'content is not one of the written versions');
    });
  });
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A byte stream of `bytes` in `chunkBytes` pieces; with `failAfterChunks`, it errors after that many. */
export function chunked(bytes: Buffer, chunkBytes = 256 * 1024, failAfterChunks?: number): Readable {
  let offset = 0;
  let sent = 0;
  return new Readable({
    read() {
      if (failAfterChunks !== undefined && sent >= failAfterChunks) {
        this.destroy(new Error('source stream broke midway'));
        return;
      }
      if (offset >= bytes.length) {
        this.push(null);
        return;
      }
      this.push(bytes.subarray(offset, offset + chunkBytes));
      offset += chunkBytes;
      sent++;
    },
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** Asserts `fn` rejects (or throws) a TiercastError with `code`. */
export async function rejectsWith(fn: () => Promise<unknown>, code: ErrorCode, context?: string): Promise<void> {
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof TiercastError, `expected TiercastError ${code}${context === undefined ? '' : ` for ${JSON.stringify(context)}`}, got ${String(err)}`);
    assert.equal(err.code, code, `${context === undefined ? '' : `${JSON.stringify(context)}: `}${err.message}`);
    return true;
  });
}
