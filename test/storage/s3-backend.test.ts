import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { freePort } from '../helpers/server-process.js';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { TiercastError, type ErrorCode } from '../../src/domain/errors.js';
import { S3TierBackend, type S3BackendOptions } from '../../src/storage/s3-backend.js';
import { chunked, readAll, rejectsWith, sha256, tierBackendConformance } from '../conformance/tier-backend.suite.js';
import { requireService, skipUnless } from '../helpers/services.js';

const MiB = 1024 * 1024;

/** Connection settings of the S3-protocol server `npm run services:up` started. */
function serverOptions(): Omit<S3BackendOptions, 'tierName'> {
  const env = requireService('s3');
  return {
    endpoint: env.MINIO_ENDPOINT!,
    bucket: env.MINIO_BUCKET ?? 'tiercast-private',
    region: env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: env.MINIO_ACCESS_KEY!, secretAccessKey: env.MINIO_ROOT_PASSWORD! },
  };
}

/** A backend under its own random prefix (smallest part size, so a few MiB already go multipart). */
function freshBackend(overrides: Partial<S3BackendOptions> = {}): { backend: S3TierBackend; prefix: string; cleanup: () => Promise<void> } {
  const prefix = `test-${randomBytes(4).toString('hex')}`;
  const backend = new S3TierBackend({ tierName: 'private', prefix, partSizeBytes: 5 * MiB, queueSize: 2, ...serverOptions(), ...overrides });
  const cleanup = async () => {
    for (let cursor: string | undefined, first = true; first || cursor !== undefined; first = false) {
      const page = await backend.list({ cursor });
      for (const entry of page.entries) await backend.delete(entry.key);
      cursor = page.nextCursor;
    }
    backend.close();
  };
  return { backend, prefix, cleanup };
}

/** Asserts a TiercastError with `code` whose message and hint match, with no stack trace in either. */
async function rejectsNaming(fn: () => Promise<unknown>, code: ErrorCode, message: RegExp, hint?: RegExp): Promise<TiercastError> {
  let caught: TiercastError | undefined;
  await assert.rejects(fn, (err: unknown) => {
    assert.ok(err instanceof TiercastError, `expected a TiercastError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, message);
    if (hint) assert.match(err.hint ?? '', hint);
    assert.doesNotMatch(`${err.message} ${err.hint ?? ''}`, /\n\s+at /, 'no stack trace in what the user sees');
    caught = err;
    return true;
  });
  return caught!;
}

describe('S3TierBackend against the S3-protocol server', { skip: skipUnless('s3') }, () => {
  tierBackendConformance('s3', async () => {
    const { backend, cleanup } = freshBackend();
    return { backend, cleanup };
  });

  describe('S3TierBackend', () => {
    let backend: S3TierBackend;
    let prefix: string;
    let cleanup: () => Promise<void>;
    let raw: S3Client;
    before(() => {
      ({ backend, prefix, cleanup } = freshBackend());
      const options = serverOptions();
      raw = new S3Client({ ...options, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    });
    after(async () => {
      await cleanup();
      raw.destroy();
    });

    it('a multipart upload of an object larger than the part size comes back byte for byte', async () => {
      // 3 full 5 MiB parts and a short last one, fed in chunks that do not line up with parts.
      const bytes = randomBytes(15 * MiB + 12_345);
      const stored = await backend.put('mp/v1-abc', chunked(bytes, 300_001));
      assert.deepEqual(stored, { key: 'mp/v1-abc', sizeBytes: bytes.length, sha256: sha256(bytes) });
      const back = await readAll(await backend.get('mp/v1-abc'));
      assert.equal(back.length, bytes.length);
      assert.ok(back.equals(bytes), 'the bytes read back differ from the bytes written');
      assert.equal((await backend.head('mp/v1-abc'))?.sizeBytes, bytes.length);
    });

    it('stores key k as the plain object <prefix>/k, readable without Tiercast', async () => {
      await backend.put('plain/v1-xyz', chunked(Buffer.from('hello')));
      const listed = await raw.send(new ListObjectsV2Command({ Bucket: backend.bucket, Prefix: `${prefix}/plain/` }));
      assert.deepEqual(
        listed.Contents?.map((o) => [o.Key, o.Size]),
        [[`${prefix}/plain/v1-xyz`, 5]],
      );
      assert.deepEqual((await backend.list({ prefix: 'plain/' })).entries.map((e) => e.key), ['plain/v1-xyz']);
    });

    it('an oversized multipart upload is aborted after its first parts and leaves nothing', async () => {
      await rejectsWith(() => backend.put('too-big/v1', chunked(randomBytes(13 * MiB), MiB), { maxBytes: 11 * MiB }), 'payload_too_large');
      assert.equal(await backend.head('too-big/v1'), undefined);
      assert.deepEqual((await backend.list({ prefix: 'too-big/' })).entries, []);
    });

    it('a source that breaks after several parts rejects with its own error and leaves the old content', async () => {
      const old = randomBytes(1000);
      await backend.put('broken/v1', chunked(old));
      await assert.rejects(() => backend.put('broken/v1', chunked(randomBytes(16 * MiB), MiB, 12)), /source stream broke midway/);
      assert.ok((await readAll(await backend.get('broken/v1'))).equals(old));
    });

    it('copyWithin copies a multipart object and reports the sha256 of the copy', async () => {
      const bytes = randomBytes(11 * MiB + 1);
      await backend.put('cp/v1', chunked(bytes));
      const copied = await backend.copyWithin('cp/v1', 'cp/v2');
      assert.deepEqual(copied, { key: 'cp/v2', sizeBytes: bytes.length, sha256: sha256(bytes) });
    });

    it('refuses a key that is too long with the prefix', async () => {
      await rejectsWith(() => backend.head('k'.repeat(1020)), 'invalid_input');
    });
  });

  describe('errors that name the tier and the setting to fix', () => {
    it('wrong credentials: a permanent config_error about the credentials', async () => {
      const { backend } = freshBackend({ credentials: { accessKeyId: 'not-a-key', secretAccessKey: 'wrong-secret' } });
      try {
        const credentials = /tier 'private': http:\/\/127\.0\.0\.1:\d+ refused the credentials \(InvalidAccessKeyId\)/;
        const hint = /backend\.accessKeyId and backend\.secretAccessKey/;
        const err = await rejectsNaming(() => backend.check(), 'config_error', credentials, hint);
        assert.equal(err.permanent, true);
        await rejectsNaming(() => backend.put('a/v1', chunked(randomBytes(100))), 'config_error', credentials, hint);
        await rejectsNaming(() => backend.get('a/v1'), 'config_error', credentials, hint);
        await rejectsNaming(() => backend.list(), 'config_error', credentials, hint);
        // HEAD errors have no body: the backend must still tell refused credentials from a missing key.
        await rejectsNaming(() => backend.head('a/v1'), 'config_error', credentials, hint);
      } finally {
        backend.close();
      }
    });

    it('a missing bucket: a permanent config_error naming the bucket, also from head()', async () => {
      const bucket = `tiercast-missing-${randomBytes(3).toString('hex')}`;
      const { backend } = freshBackend({ bucket });
      try {
        const missing = new RegExp(`tier 'private': bucket '${bucket}' does not exist at http://127\\.0\\.0\\.1:\\d+`);
        const hint = /backend\.bucket/;
        const err = await rejectsNaming(() => backend.check(), 'config_error', missing, hint);
        assert.equal(err.permanent, true);
        await rejectsNaming(() => backend.put('a/v1', chunked(randomBytes(100))), 'config_error', missing, hint);
        await rejectsNaming(() => backend.get('a/v1'), 'config_error', missing, hint);
        // Not `undefined` ("no such key"): a 404 on HEAD may mean the bucket itself is gone.
        await rejectsNaming(() => backend.head('a/v1'), 'config_error', missing, hint);
        await rejectsNaming(() => backend.delete('a/v1'), 'config_error', missing, hint);
      } finally {
        backend.close();
      }
    });

    it('an unreachable endpoint: retryable tier_unavailable naming the tier and the endpoint', async () => {
      const port = await freePort();
      const { backend } = freshBackend({ endpoint: `http://127.0.0.1:${port}` });
      try {
        const unreachable = new RegExp(`tier 'private' is unavailable: S3 endpoint http://127\\.0\\.0\\.1:${port} \\(bucket '[^']+'\\) cannot be reached.*ECONNREFUSED`);
        const err = await rejectsNaming(() => backend.check(), 'tier_unavailable', unreachable);
        assert.equal(err.permanent, false);
        assert.equal(err.status, 503);
        await rejectsNaming(() => backend.put('a/v1', chunked(randomBytes(6 * MiB))), 'tier_unavailable', unreachable);
        await rejectsNaming(() => backend.get('a/v1'), 'tier_unavailable', unreachable);
        await rejectsNaming(() => backend.head('a/v1'), 'tier_unavailable', unreachable);
        await rejectsNaming(() => backend.list(), 'tier_unavailable', unreachable);
      } finally {
        backend.close();
      }
    });

    it('refuses unusable settings at construction with config_error', () => {
      const base = { tierName: 'private', bucket: 'b', region: 'us-east-1', endpoint: 'http://127.0.0.1:1' };
      const refuses = (options: S3BackendOptions, setting: RegExp) =>
        assert.throws(() => new S3TierBackend(options), (err: unknown) => err instanceof TiercastError && err.code === 'config_error' && setting.test(err.message));
      refuses({ ...base, partSizeBytes: MiB }, /backend\.partSizeBytes/);
      refuses({ ...base, queueSize: 0 }, /backend\.queueSize/);
      refuses({ ...base, prefix: '/abs' }, /backend\.prefix/);
      refuses({ ...base, prefix: 'a//b' }, /backend\.prefix/);
      refuses({ ...base, prefix: '../up' }, /backend\.prefix/);
      refuses({ ...base, bucket: '' }, /backend\.bucket/);
    });
  });
});
