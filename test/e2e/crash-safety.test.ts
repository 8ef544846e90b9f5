/**
 * Process-level crash tests: a real `tiercast serve` is killed with SIGKILL (kill -9) in the
 * middle of a migration copy and of an upload, restarted on the same data dir, and must
 * finish or forget the interrupted work with nothing corrupt or left over on disk.
 * (The reconciler's handling of each migration state in isolation is tested in-process
 * elsewhere; this file keeps to what only a real process death can show.)
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { test } from 'node:test';
import { tempDir } from '../helpers/fixture.js';
import { runCli, startServer, type ServerProcess } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;

interface ObjectJson {
  object_id: string;
  current_tier: string;
  size_bytes: number;
  sha256: string;
}

interface MigrationJson {
  id: string;
  object_id: string;
  status: string;
  destination_tier: string;
  bytes_copied: number;
  attempts: number;
  error: string | null;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** Writes `bytes` random bytes to `path` and returns their sha256. */
async function writeRandomFile(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < bytes; written += MiB) {
    const chunk = randomBytes(Math.min(MiB, bytes - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  return hash.digest('hex');
}

/** POSTs a file as a raw streamed body to /api/objects. */
async function uploadFile(baseUrl: string, path: string, query: string): Promise<ObjectJson> {
  const { size } = await stat(path);
  const response = await fetch(`${baseUrl}/api/objects${query}`, {
    method: 'POST',
    body: Readable.toWeb(createReadStream(path)) as ReadableStream,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) },
    duplex: 'half',
  } as RequestInit);
  const body = await response.text();
  assert.equal(response.status, 201, body);
  return JSON.parse(body) as ObjectJson;
}

/** sha256 of the object's content as the API serves it. */
async function contentSha256(baseUrl: string, objectId: string): Promise<string> {
  const response = await fetch(`${baseUrl}/api/objects/${objectId}/content`);
  assert.equal(response.status, 200);
  const hash = createHash('sha256');
  for await (const chunk of Readable.fromWeb(response.body as import('node:stream/web').ReadableStream)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Every file below <data>/tiers, relative to it, with its size. */
async function tierFiles(dataDir: string): Promise<Array<{ path: string; size: number }>> {
  const root = join(dataDir, 'tiers');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => {
        const full = join(e.parentPath, e.name);
        return { path: relative(root, full), size: (await stat(full)).size };
      }),
  );
}

const isTemp = (path: string) => path.split('/').some((segment) => segment.startsWith('.tmp-'));

async function writeConfig(path: string, config: Record<string, unknown>): Promise<string> {
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

test('kill -9 in the middle of a migration copy: the restarted server finishes it', { timeout: 180_000 }, async () => {
  const dir = await tempDir('tiercast-e2e-crash-copy-');
  const dataDir = join(dir.path, 'data');
  const servers: ServerProcess[] = [];
  try {
    const size = 120 * MiB;
    // 40 MiB/s: the copy takes about 3 s, long enough to be caught in the middle. A short
    // lease makes the executor record bytes_copied every ~330 ms.
    const throttled = await writeConfig(join(dir.path, 'throttled.json'), {
      migration: { bandwidthBytesPerSecond: 40 * MiB, leaseSeconds: 1 },
      orphans: { graceSeconds: 0 },
      reactive: { enabled: false },
    });
    const unthrottled = await writeConfig(join(dir.path, 'unthrottled.json'), {
      orphans: { graceSeconds: 0 },
      reactive: { enabled: false },
    });

    const first = await startServer({ dataDir, configFile: throttled });
    servers.push(first);
    const sourceFile = join(dir.path, 'big.bin');
    const sha256 = await writeRandomFile(sourceFile, size);
    const object = await uploadFile(first.url, sourceFile, '?object_id=big-object');
    assert.equal(object.current_tier, 'public');
    assert.equal(object.size_bytes, size);
    assert.equal(object.sha256, sha256);

    const planned = await runCli(['migrate', object.object_id, '--tier', 'onprem', '--json'], { api: first.url });
    assert.equal(planned.code, 0, planned.stderr);
    const migrationId = (JSON.parse(planned.stdout) as MigrationJson).id;

    const midCopy = await waitFor(
      async () => {
        const { body } = await getJson<MigrationJson>(`${first.url}/api/migrations/${migrationId}`);
        assert.ok(['planned', 'copying'].includes(body.status), `the copy ended before the kill: ${body.status}`);
        return body.status === 'copying' && body.bytes_copied > 0 ? body : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 25, description: 'the migration to be copying with bytes_copied > 0' },
    );
    const killed = await first.kill9();
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(midCopy.bytes_copied < size, `killed mid-copy (${midCopy.bytes_copied} of ${size} bytes)`);

    // The crash left a partial, unnamed copy in the destination and the source intact.
    const afterCrash = await tierFiles(dataDir);
    const partial = afterCrash.filter((f) => f.path.startsWith('onprem/') && isTemp(f.path));
    assert.equal(partial.length, 1, `one partial copy in onprem: ${JSON.stringify(afterCrash)}`);
    assert.ok(partial[0]!.size < size, 'the partial copy is incomplete');
    assert.ok(!afterCrash.some((f) => f.path.startsWith('onprem/') && !isTemp(f.path)), 'no complete copy in onprem yet');

    const second = await startServer({ dataDir, configFile: unthrottled });
    servers.push(second);
    const ended = await waitFor(
      async () => {
        const { body } = await getJson<MigrationJson>(`${second.url}/api/migrations/${migrationId}`);
        return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: `migration ${migrationId} to finish after the restart` },
    );
    assert.equal(ended.status, 'completed', `migration ended ${ended.status}: ${ended.error}`);
    assert.ok(ended.attempts >= 2, `the copy started over (attempts ${ended.attempts})`);
    await second.waitForLog((r) => r.migration === migrationId && /resuming migration .* from 'copying'/.test(String(r.msg)));

    const { body: moved } = await getJson<ObjectJson>(`${second.url}/api/objects/${object.object_id}`);
    assert.equal(moved.current_tier, 'onprem');
    assert.equal(moved.sha256, sha256);
    assert.equal(await contentSha256(second.url, object.object_id), sha256, 'the content survived byte for byte');

    // The start-up orphan sweep (grace 0) removes the crash's partial copy.
    const files = await waitFor(
      async () => {
        const now = await tierFiles(dataDir);
        return now.some((f) => isTemp(f.path)) ? undefined : now;
      },
      { timeoutMs: 10_000, description: 'no .tmp- file left in any tier' },
    );
    const copies = files.filter((f) => f.path.includes(object.object_id));
    assert.equal(copies.length, 1, `exactly one stored copy: ${JSON.stringify(files)}`);
    assert.ok(copies[0]!.path.startsWith(`onprem/${object.object_id}/`), `the copy is in onprem: ${copies[0]!.path}`);
    assert.equal(copies[0]!.size, size);
    await second.waitForLog((r) => /orphan sweep: removed onprem\//.test(String(r.msg)) && String(r.key).includes('.tmp-'));

    const stopped = await second.stop();
    assert.equal(stopped.code, 0);
  } finally {
    for (const server of servers) await server.kill9().catch(() => undefined);
    await dir.cleanup();
  }
});

test('kill -9 during an upload: after restart no object and no temp file remain', { timeout: 120_000 }, async () => {
  const dir = await tempDir('tiercast-e2e-crash-upload-');
  const dataDir = join(dir.path, 'data');
  const servers: ServerProcess[] = [];
  let upload: ClientRequest | undefined;
  try {
    const config = await writeConfig(join(dir.path, 'config.json'), { orphans: { graceSeconds: 0 }, reactive: { enabled: false } });
    const first = await startServer({ dataDir, configFile: config });
    servers.push(first);

    // A client that announces 64 MiB and sends only what the test lets it, chunk by chunk.
    const url = new URL(first.url);
    upload = httpRequest({
      host: url.hostname,
      port: url.port,
      method: 'POST',
      path: '/api/objects?object_id=interrupted-upload',
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(64 * MiB) },
    });
    let answered: number | undefined;
    upload.on('response', (response) => {
      answered = response.statusCode;
      response.resume();
    });
    const clientError = new Promise<Error>((resolve) => upload!.on('error', resolve));

    const tempFileSize = async () => {
      const temp = (await tierFiles(dataDir)).find((f) => f.path.startsWith('public/interrupted-upload/') && isTemp(f.path));
      return temp?.size;
    };
    let onDisk = 0;
    for (let chunk = 1; chunk <= 3; chunk++) {
      upload.write(randomBytes(2 * MiB));
      const previous = onDisk;
      // The pause: the next chunk goes only once the server has written this one.
      onDisk = await waitFor(async () => {
        const size = (await tempFileSize()) ?? 0;
        return size > previous ? size : undefined;
      }, {
        timeoutMs: 10_000,
        description: `upload chunk ${chunk} to reach the temp file`,
      });
    }
    assert.equal(answered, undefined, 'the server is still reading the upload');

    const killed = await first.kill9();
    assert.equal(killed.signal, 'SIGKILL');
    assert.match((await clientError).message, /socket hang up|ECONNRESET|EPIPE/);
    const leftover = await tempFileSize();
    assert.ok(leftover !== undefined && leftover > 0 && leftover < 64 * MiB, 'the crash left a partial temp file');

    const second = await startServer({ dataDir, configFile: config });
    servers.push(second);
    const missing = await getJson<{ error: string }>(`${second.url}/api/objects/interrupted-upload`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'not_found');
    const { body: list } = await getJson<{ objects: unknown[]; total: number }>(`${second.url}/api/objects`);
    assert.equal(list.total, 0, 'the catalog holds no object');

    // The start-up orphan sweep runs right after the API starts answering.
    const files = await waitFor(async () => {
      const now = await tierFiles(dataDir);
      return now.some((f) => isTemp(f.path)) ? undefined : now;
    }, { timeoutMs: 10_000, description: 'the partial upload to be swept' });
    assert.deepEqual(files, [], 'no file is left in any tier');
    await second.waitForLog((r) => /orphan sweep: removed public\/interrupted-upload\/\.tmp-/.test(String(r.msg)));

    // And the service works normally on the recovered data dir.
    const sourceFile = join(dir.path, 'after.bin');
    const sha256 = await writeRandomFile(sourceFile, 3 * MiB);
    const object = await uploadFile(second.url, sourceFile, '?object_id=interrupted-upload');
    assert.equal(object.sha256, sha256);
    assert.equal(await contentSha256(second.url, 'interrupted-upload'), sha256);
  } finally {
    upload?.destroy();
    for (const server of servers) await server.kill9().catch(() => undefined);
    await dir.cleanup();
  }
});
