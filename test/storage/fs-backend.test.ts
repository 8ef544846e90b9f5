import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TiercastError } from '../../src/domain/errors.js';
import { FsTierBackend } from '../../src/storage/fs-backend.js';
import { chunked, readAll, rejectsWith, sha256, tierBackendConformance } from '../conformance/tier-backend.suite.js';
import { filesBelow } from '../helpers/files.js';

async function freshBackend(): Promise<{ backend: FsTierBackend; dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'tiercast-fs-'));
  const backend = new FsTierBackend({ tierName: 'onprem', root: join(dir, 'tier') });
  await backend.check();
  return { backend, dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}


tierBackendConformance('fs', freshBackend);

describe('FsTierBackend', () => {
  let backend: FsTierBackend;
  let dir: string;
  let cleanup: () => Promise<void>;
  before(async () => {
    ({ backend, dir, cleanup } = await freshBackend());
  });
  after(() => cleanup());

  it('stores each key as the plain file <root>/<key>', async () => {
    const bytes = randomBytes(70_000);
    await backend.put('plain/v1-abc', chunked(bytes));
    assert.deepEqual(await readFile(join(backend.root, 'plain', 'v1-abc')), bytes);
  });

  it('leaves no temp file after a successful put', async () => {
    await backend.put('clean/v1', chunked(randomBytes(3 * 1024 * 1024)));
    assert.deepEqual(await filesBelow(join(backend.root, 'clean')), ['v1']);
  });

  it('leaves no temp file after a failed or oversized put', async () => {
    await assert.rejects(() => backend.put('failed/v1', chunked(randomBytes(2 * 1024 * 1024), 128 * 1024, 4)));
    await rejectsWith(() => backend.put('failed/v2', chunked(randomBytes(2 * 1024 * 1024)), { maxBytes: 1024 }), 'payload_too_large');
    const left = existsSync(join(backend.root, 'failed')) ? await filesBelow(join(backend.root, 'failed')) : [];
    assert.deepEqual(left, []);
  });

  it('lists temp leftovers, and head/delete reach them so a sweeper can remove them', async () => {
    await mkdir(join(backend.root, 'orphan'), { recursive: true });
    await writeFile(join(backend.root, 'orphan', '.tmp-0123-v1'), 'partial');
    const page = await backend.list({ prefix: 'orphan/' });
    assert.deepEqual(page.entries.map((e) => e.key), ['orphan/.tmp-0123-v1']);
    assert.equal((await backend.head('orphan/.tmp-0123-v1'))?.sizeBytes, 7);
    await backend.delete('orphan/.tmp-0123-v1');
    assert.equal(existsSync(join(backend.root, 'orphan')), false);
  });

  it('refuses to write keys with a reserved .tmp- segment', async () => {
    await rejectsWith(() => backend.put('x/.tmp-abc', chunked(Buffer.from('x'))), 'invalid_input');
    await rejectsWith(() => backend.get('x/.tmp-abc'), 'invalid_input');
  });

  it('a refused traversal key writes nothing outside the root', async () => {
    await rejectsWith(() => backend.put('a/../../escaped', chunked(Buffer.from('x'))), 'invalid_input');
    assert.equal(existsSync(join(dirname(backend.root), 'escaped')), false);
  });

  it('names the key in the invalid_input message', async () => {
    await assert.rejects(() => backend.get('../secret'), /"\.\.\/secret"/);
  });

  it('delete removes the emptied folder of the key but keeps folders with other keys', async () => {
    await backend.put('pair/v1', chunked(Buffer.from('1')));
    await backend.put('pair/v2', chunked(Buffer.from('2')));
    await backend.delete('pair/v1');
    assert.equal(existsSync(join(backend.root, 'pair')), true);
    await backend.delete('pair/v2');
    assert.equal(existsSync(join(backend.root, 'pair')), false);
    assert.equal(existsSync(backend.root), true);
  });

  it('refuses a key below an existing key, since a file cannot also be a folder', async () => {
    await backend.put('leaf', chunked(Buffer.from('x')));
    await rejectsWith(() => backend.put('leaf/child', chunked(Buffer.from('y'))), 'invalid_input');
    await backend.put('folder/child', chunked(Buffer.from('y')));
    await rejectsWith(() => backend.put('folder', chunked(Buffer.from('z'))), 'invalid_input');
    assert.equal(await backend.head('folder'), undefined);
    await rejectsWith(() => backend.get('folder'), 'not_found');
  });

  it('refuses a non-positive list limit', async () => {
    await rejectsWith(() => backend.list({ limit: 0 }), 'invalid_input');
  });

  it('check() reports tier_unavailable naming the path when the parent is a file', async () => {
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const broken = new FsTierBackend({ tierName: 'onprem', root: join(file, 'tier') });
    await assert.rejects(
      () => broken.check(),
      (err: unknown) => err instanceof TiercastError && err.code === 'tier_unavailable' && err.message.includes(join(file, 'tier')),
    );
  });

  it('check() reports tier_unavailable when the root is a file', async () => {
    const file = join(dir, 'root-file');
    await writeFile(file, 'x');
    await rejectsWith(() => new FsTierBackend({ tierName: 'onprem', root: file }).check(), 'tier_unavailable');
  });

  it('operations after the root vanished report tier_unavailable, and check() recreates it', async () => {
    const { backend: gone, cleanup: done } = await freshBackend();
    try {
      await gone.put('k/v1', chunked(Buffer.from('x')));
      await rm(gone.root, { recursive: true });
      const expectUnavailable = async (fn: () => Promise<unknown>) =>
        assert.rejects(fn, (err: unknown) => err instanceof TiercastError && err.code === 'tier_unavailable' && err.message.includes(gone.root));
      await expectUnavailable(() => gone.put('k/v2', chunked(Buffer.from('y'))));
      await expectUnavailable(() => gone.get('k/v1'));
      await expectUnavailable(() => gone.head('k/v1'));
      await expectUnavailable(() => gone.delete('k/v1'));
      await expectUnavailable(() => gone.list());
      await expectUnavailable(() => gone.list({ prefix: 'k/' }));
      await expectUnavailable(() => gone.copyWithin('k/v1', 'k/v3'));
      assert.equal(existsSync(gone.root), false, 'a put must not silently recreate a vanished root');
      await gone.check();
      await gone.put('k/v2', chunked(Buffer.from('y')));
      assert.equal((await readAll(await gone.get('k/v2'))).toString(), 'y');
    } finally {
      await done();
    }
  });

  it('copyWithin streams a copy without touching the source', async () => {
    const bytes = randomBytes(2 * 1024 * 1024);
    await backend.put('cp/src', chunked(bytes));
    await backend.copyWithin('cp/src', 'cp2/dst');
    assert.equal(sha256(await readFile(join(backend.root, 'cp2', 'dst'))), sha256(bytes));
    assert.deepEqual(await filesBelow(join(backend.root, 'cp')), ['src']);
  });
});
