/**
 * The seed walkthrough on the scale-out deployment: one API process and two worker
 * processes (real `tiercast serve --role ...` children) sharing PostgreSQL and Kafka, with
 * the slow tiers on the S3-protocol server and the fast one in a local folder. Everything
 * goes through the real CLI, from `create-topics` (the seed's step 3) on.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MigrationJson, ObjectJson } from '../../src/api/schemas.js';
import { filesBelow } from '../helpers/files.js';
import { scaleOutStack, type ScaleOutStack } from '../helpers/scale-out-stack.js';
import { runCli, startServer, type ServerProcess } from '../helpers/server-process.js';
import { skipUnless } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

const skip = skipUnless('postgres') || skipUnless('kafka') || skipUnless('s3');

describe('scale-out: one API and two workers on Kafka + PostgreSQL, tiers on S3 and a folder', { skip, timeout: 240_000 }, () => {
  let stack: ScaleOutStack;
  let api: ServerProcess;
  const workers: ServerProcess[] = [];

  const cli = (...args: string[]) => runCli(args, { api: api.url, cwd: stack.dir, env: stack.env, timeoutMs: 60_000 });
  const cliJson = async <T>(...args: string[]): Promise<T> => {
    const result = await cli(...args, '--json');
    assert.equal(result.code, 0, `tiercast ${args.join(' ')} --json failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };

  before(async () => {
    stack = await scaleOutStack('scale-out');
  });

  after(async () => {
    try {
      for (const process of [api, ...workers]) {
        if (!process) continue;
        const exit = await process.stop(30_000);
        assert.equal(exit.code, 0, `pid ${process.pid} did not shut down cleanly on SIGTERM:\n${process.stderr.join('\n')}`);
      }
    } finally {
      await stack?.cleanup();
    }
  });

  test('create-topics creates the run\'s topics once, then finds them', async () => {
    // No server yet: create-topics reads KAFKA_BOOTSTRAP_SERVERS and KAFKA_TOPIC_* itself.
    const first = await runCli(['create-topics'], { api: 'http://127.0.0.1:9', cwd: stack.dir, env: stack.env, timeoutMs: 60_000 });
    assert.equal(first.code, 0, first.stderr);
    for (const topic of Object.values(stack.topics)) assert.match(first.stdout, new RegExp(`^created\\s+${topic.replace(/\./g, '\\.')}$`, 'm'));
    const again = await runCli(['create-topics', '--json'], { api: 'http://127.0.0.1:9', cwd: stack.dir, env: stack.env, timeoutMs: 60_000 });
    assert.equal(again.code, 0, again.stderr);
    const result = JSON.parse(again.stdout) as { created: string[]; existing: string[] };
    assert.deepEqual(result.created, []);
    assert.deepEqual([...result.existing].sort(), Object.values(stack.topics).sort());
  });

  test('ingest, simulate-access 100: a worker completes the reactive migration and get-objects shows the move', async () => {
    // createTopics off: the processes must find the topics create-topics made.
    const shared = { bus: { type: 'kafka', brokers: stack.env.KAFKA_BOOTSTRAP_SERVERS!.split(','), clientId: `tiercast-${stack.runId}`, createTopics: false } };
    const apiConfig = await stack.writeConfig('api', shared);
    const workerConfig = await stack.writeConfig('worker', shared);
    // Separate data dirs: nothing but PostgreSQL, Kafka and the tiers is shared.
    api = await startServer({ dataDir: join(stack.dir, 'api-data'), configFile: apiConfig, role: 'api', env: stack.env, startTimeoutMs: 60_000 });
    workers.push(
      ...(await Promise.all(
        [1, 2].map((n) => startServer({ dataDir: join(stack.dir, `worker-${n}-data`), configFile: workerConfig, role: 'worker', env: stack.env, startTimeoutMs: 60_000 })),
      )),
    );
    const owners = workers.map((w) => String(w.logRecords().find((r) => r.role === 'worker')?.owner));
    assert.notEqual(owners[0], owners[1], 'each worker holds leases under its own name');
    for (const owner of owners) assert.match(owner, /^[^:]+:\d+:[0-9a-f]{8}$/, 'owner ids are host:pid:random');
    for (const worker of workers) {
      const answer = await fetch(`http://127.0.0.1:${worker.port}/api/health`).catch((error: Error) => error);
      assert.ok(answer instanceof Error, `a worker serves no HTTP, not even on the --port it was given (${worker.port})`);
    }
    const health = (await (await fetch(`${api.url}/api/health`)).json()) as { catalog: string; bus: string };
    assert.deepEqual({ catalog: health.catalog, bus: health.bus }, { catalog: 'postgres', bus: 'kafka' });

    const content = 'Tiercast sample document.\nIt starts in the public tier (S3) and moves when it gets hot.\n';
    await writeFile(join(stack.dir, 'sample_document.txt'), content);
    const ingest = await cli('ingest-object', '--file', 'sample_document.txt');
    assert.equal(ingest.code, 0, ingest.stderr);
    const objectId = /^object_id: (\S+)$/m.exec(ingest.stdout)?.[1];
    assert.ok(objectId, `ingest-object printed no object_id:\n${ingest.stdout}`);
    const ingested = await cliJson<ObjectJson>('get-object', objectId);
    assert.equal(ingested.current_tier, 'public');
    const publicKeys = await stack.s3Keys('public');
    assert.equal(publicKeys.filter((k) => k.startsWith(`${objectId}/`)).length, 1, `the bytes sit under a readable key in the bucket: ${publicKeys.join(', ')}`);

    const access = await cli('simulate-access', objectId, '--count', '100');
    assert.equal(access.code, 0, access.stderr);
    assert.match(access.stdout, new RegExp(`recorded 100 accesses to ${objectId}`));

    // The API process only published: the count reaches the catalog through a worker.
    const migration = await waitFor(
      async () => {
        const page = await cliJson<{ migrations: MigrationJson[] }>('get-migrations', '--object', objectId);
        return page.migrations.find((m) => m.reason === 'reactive_access_spike' && m.status === 'completed');
      },
      { timeoutMs: 60_000, intervalMs: 500, description: `a completed reactive_access_spike migration of ${objectId}` },
    );
    assert.equal(migration.source_tier, 'public');
    assert.equal(migration.destination_tier, 'onprem', '100 accesses reach onprem\'s promoteAt');

    const listed = await cliJson<{ objects: ObjectJson[] }>('get-objects');
    const object = listed.objects.find((o) => o.object_id === objectId);
    assert.ok(object, 'get-objects lists the object');
    assert.equal(object.current_tier, 'onprem');
    assert.equal(object.access_count, 100);
    const table = await cli('get-migrations');
    assert.match(table.stdout, /reactive_access_spike\s+completed/);

    // The bytes moved: in the folder now, gone from the bucket, and identical.
    const folder = (await filesBelow(stack.onpremDir)).filter((f) => f.startsWith(`${objectId}/`));
    assert.equal(folder.length, 1, `one copy in the onprem folder: ${folder.join(', ')}`);
    assert.equal(sha256(await readFile(join(stack.onpremDir, folder[0]!))), sha256(content));
    assert.deepEqual((await stack.s3Keys('public')).filter((k) => k.startsWith(`${objectId}/`)), [], 'the source copy in S3 was deleted');
    const out = join(stack.dir, 'downloaded.txt');
    const download = await cli('get-object', objectId, '--out', out);
    assert.equal(download.code, 0, download.stderr);
    assert.match(download.stdout, /from tier onprem/);
    assert.equal(sha256(await readFile(out)), sha256(content));

    // Exactly one worker ran it, and the API process ran none of it.
    const ranIt = workers.filter((w) => w.logRecords().some((r) => r.migration === migration.id && /completed/.test(String(r.msg))));
    assert.equal(ranIt.length, 1, 'one worker completed the migration');
    assert.ok(!api.logRecords().some((r) => r.migration === migration.id && /copying|completed/.test(String(r.msg))), 'the API process moved no bytes');
    const decided = workers.flatMap((w) => w.logRecords()).find((r) => r.object === objectId && /spike/.test(String(r.msg)));
    assert.equal(decided?.accesses, 100, 'a worker saw the spike of 100 accesses');
  });
});
