/**
 * A worker is killed (kill -9) in the middle of a migration's copy; once its lease expires
 * the other worker takes the migration over and completes it, and not a byte is lost.
 * Real processes on the real services: one API, two workers, PostgreSQL, Kafka, the
 * S3-protocol server (destination) and a local folder (source).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { MigrationJson, ObjectJson } from '../../src/api/schemas.js';
import { filesBelow } from '../helpers/files.js';
import { scaleOutStack } from '../helpers/scale-out-stack.js';
import { runCli, startServer, type ServerProcess } from '../helpers/server-process.js';
import { skipUnless } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

const MiB = 1024 * 1024;
const SIZE = 40 * MiB;
/** 8 MiB/s: the copy takes about 5 s, long enough to be caught in the middle. */
const BANDWIDTH = 8 * MiB;
const LEASE_SECONDS = 2;

const skip = skipUnless('postgres') || skipUnless('kafka') || skipUnless('s3');

async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let written = 0; written < size; written += MiB) {
    const chunk = randomBytes(Math.min(MiB, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return hash.digest('hex');
}

async function contentSha256(url: string): Promise<string> {
  const response = await fetch(url);
  assert.equal(response.status, 200, `GET ${url}`);
  const hash = createHash('sha256');
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest('hex');
}

describe('worker takeover', { skip, timeout: 240_000 }, () => {
  test('kill -9 of the worker copying an object: the other worker completes the migration after the lease expires', async (t) => {
    const stack = await scaleOutStack('takeover');
    const processes: ServerProcess[] = [];
    try {
      const config = await stack.writeConfig('takeover', {
        ingestTier: 'onprem',
        // Only the manual move below: no policy may plan a migration of its own.
        reactive: { enabled: false },
        proactive: { enabled: false },
        migration: { bandwidthBytesPerSecond: BANDWIDTH, leaseSeconds: LEASE_SECONDS, reconcileIntervalSeconds: 1, retryBaseDelayMs: 200 },
      });
      const api = await startServer({ dataDir: join(stack.dir, 'api-data'), configFile: config, role: 'api', env: stack.env, startTimeoutMs: 60_000 });
      processes.push(api);
      const workers = await Promise.all(
        [1, 2].map((n) => startServer({ dataDir: join(stack.dir, `worker-${n}-data`), configFile: config, role: 'worker', env: stack.env, startTimeoutMs: 60_000 })),
      );
      processes.push(...workers);

      const source = join(stack.dir, 'big.bin');
      const sha256 = await writeRandomFile(source, SIZE);
      const ingest = await runCli(['ingest-object', '--file', source, '--json'], { api: api.url, env: stack.env, timeoutMs: 60_000 });
      assert.equal(ingest.code, 0, ingest.stderr);
      const object = JSON.parse(ingest.stdout) as ObjectJson;
      assert.equal(object.current_tier, 'onprem');
      assert.equal(object.sha256, sha256);

      const planned = await runCli(['migrate', object.object_id, '--tier', 'public', '--json'], { api: api.url, env: stack.env });
      assert.equal(planned.code, 0, planned.stderr);
      const migrationId = (JSON.parse(planned.stdout) as MigrationJson).id;
      const migrationUrl = `${api.url}/api/migrations/${migrationId}`;
      const readMigration = async () => (await (await fetch(migrationUrl)).json()) as MigrationJson;

      // The worker that took the command logs the copy; catch it with bytes on the way.
      const copying = (w: ServerProcess) => w.logRecords().some((r) => r.migration === migrationId && r.status === 'copying');
      const victim = await waitFor(() => workers.find(copying), { timeoutMs: 30_000, intervalMs: 25, description: 'a worker to start copying' });
      const survivor = workers.find((w) => w !== victim)!;
      const midCopy = await waitFor(
        async () => {
          const m = await readMigration();
          assert.equal(m.status, 'copying', `the copy ended before the kill: ${m.status}`);
          return m.bytes_copied > 0 ? m : undefined;
        },
        { timeoutMs: 15_000, intervalMs: 25, description: 'bytes_copied > 0' },
      );
      const killed = await victim.kill9();
      assert.equal(killed.signal, 'SIGKILL');
      assert.ok(midCopy.bytes_copied < SIZE, `killed mid-copy (${midCopy.bytes_copied} of ${SIZE} bytes)`);
      const killedAt = Date.now();

      // Reads go on from the source while nobody holds the migration.
      assert.equal(await contentSha256(`${api.url}/api/objects/${object.object_id}/content`), sha256, 'the object reads in full from the source meanwhile');

      const ended = await waitFor(
        async () => {
          const m = await readMigration();
          return ['completed', 'failed', 'cancelled'].includes(m.status) ? m : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 200, description: `migration ${migrationId} to end after the kill` },
      );
      assert.equal(ended.status, 'completed', `the migration ended ${ended.status}: ${ended.error}`);
      assert.ok(ended.attempts >= 2, `the copy started over (attempts ${ended.attempts})`);
      const resumed = await survivor.waitForLog((r) => r.migration === migrationId && /resuming migration .* from 'copying'/.test(String(r.msg)));
      assert.ok(Number(resumed.time) >= killedAt + (LEASE_SECONDS - 1) * 1000, 'the survivor took over only once the lease had run out');
      const completed = await survivor.waitForLog((r) => r.migration === migrationId && /completed/.test(String(r.msg)));
      t.diagnostic(
        `killed at ${midCopy.bytes_copied} of ${SIZE} bytes; survivor resumed ${Number(resumed.time) - killedAt} ms after the kill (lease ${LEASE_SECONDS} s) and completed ${Number(completed.time) - killedAt} ms after it`,
      );

      // Nothing lost: the catalog, the bytes in S3, and a download all agree with the original.
      const moved = (await (await fetch(`${api.url}/api/objects/${object.object_id}`)).json()) as ObjectJson;
      assert.equal(moved.current_tier, 'public');
      assert.equal(moved.sha256, sha256);
      assert.equal(moved.size_bytes, SIZE);
      assert.equal(await contentSha256(`${api.url}/api/objects/${object.object_id}/content`), sha256);
      const keys = (await stack.s3Keys('public')).filter((k) => k.startsWith(`${object.object_id}/`));
      assert.equal(keys.length, 1, `one complete copy in the bucket: ${keys.join(', ')}`);
      const stored = await stack.s3Tier('public').head(keys[0]!);
      assert.equal(stored?.sizeBytes, SIZE);
      const leftInFolder = (await filesBelow(stack.onpremDir)).filter((f) => f.startsWith(`${object.object_id}/`) && !f.split('/').some((s) => s.startsWith('.tmp-')));
      assert.deepEqual(leftInFolder, [], 'the source copy in the folder was deleted after the switch');

      for (const process of [api, survivor]) assert.equal((await process.stop(30_000)).code, 0);
    } finally {
      for (const process of processes) await process.kill9().catch(() => undefined);
      await stack.cleanup();
    }
  });
});
