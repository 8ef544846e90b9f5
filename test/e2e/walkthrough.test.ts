/**
 * The seed README's demonstration walkthrough, run through the real `tiercast` CLI against a
 * real `tiercast serve` child process (JSON logs, default tiers and policy).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildProgram } from '../../src/cli/main.js';
import { storedFiles } from '../helpers/files.js';
import { tempDir } from '../helpers/fixture.js';
import { runCli, startServer, type CliResult, type ServerProcess } from '../helpers/server-process.js';
import { waitFor } from '../helpers/wait.js';
import type { MigrationJson, ObjectJson } from '../../src/api/schemas.js';


const SEED_OBJECT_FIELDS = ['object_id', 'current_tier', 'size_bytes', 'access_count', 'last_accessed_at', 'created_at'];
const SEED_MIGRATION_FIELDS = ['id', 'object_id', 'timestamp', 'source_tier', 'destination_tier', 'reason', 'status'];
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const MIGRATION_TIMEOUT_MS = 15_000;

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');


describe('seed walkthrough through the CLI against a running server', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let dataDir: string;
  let server: ServerProcess;

  const cli = (...args: string[]) => runCli(args, { api: server.url, cwd: dir.path });
  /** Runs a CLI command with --json and parses its output; fails the test on a non-zero exit. */
  const cliJson = async <T>(...args: string[]): Promise<T> => {
    const result = await cli(...args, '--json');
    assert.equal(result.code, 0, `tiercast ${args.join(' ')} --json failed:\n${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };
  const getObject = (id: string) => cliJson<ObjectJson>('get-object', id);
  /** Ingests `content` (written to `fileName` in the working folder) and returns the new id. */
  const ingest = async (fileName: string, content: Buffer | string, ...extra: string[]): Promise<string> => {
    await writeFile(join(dir.path, fileName), content);
    const result = await cli('ingest-object', '--file', fileName, ...extra);
    assert.equal(result.code, 0, result.stderr);
    const id = /^object_id: (\S+)$/m.exec(result.stdout)?.[1];
    assert.ok(id, `ingest-object printed no object_id:\n${result.stdout}`);
    return id;
  };
  /**
   * Polls the REST API (cheap) until a migration of the object satisfies `predicate`, then
   * returns what the CLI's `get-migrations --json` shows for it.
   */
  const waitForMigration = async (objectId: string, predicate: (m: MigrationJson) => boolean, description: string) => {
    const url = `${server.url}/api/migrations?object_id=${encodeURIComponent(objectId)}`;
    await waitFor(async () => ((await (await fetch(url)).json()) as { migrations: MigrationJson[] }).migrations.some(predicate), {
      timeoutMs: MIGRATION_TIMEOUT_MS,
      description,
    });
    const page = await cliJson<{ migrations: MigrationJson[] }>('get-migrations', '--object', objectId);
    const migration = page.migrations.find(predicate);
    assert.ok(migration, `get-migrations --json shows ${description}: ${JSON.stringify(page.migrations)}`);
    return migration;
  };

  before(async () => {
    dir = await tempDir('tiercast-e2e-walkthrough-');
    dataDir = join(dir.path, 'data');
    server = await startServer({ dataDir });
  });

  after(async () => {
    try {
      if (server) {
        const exit = await server.stop();
        assert.equal(exit.code, 0, `the server did not shut down cleanly on SIGTERM:\n${server.stderr.join('\n')}`);
      }
    } finally {
      await dir?.cleanup();
    }
  });

  test('ingest, access spike, reactive migration, objects and metrics (seed steps 1 and 2)', async () => {
    const content = 'Tiercast sample document.\nIt starts in the public tier and moves when it gets hot.\n';
    const objectId = await ingest('sample_document.txt', content);

    const ingested = await getObject(objectId);
    assert.equal(ingested.current_tier, 'public', 'a new object lands in the public tier');
    assert.equal(ingested.size_bytes, Buffer.byteLength(content));
    assert.equal(ingested.name, 'sample_document.txt');
    assert.equal(ingested.access_count, 0);

    const access = await cli('simulate-access', objectId, '--count', '100');
    assert.equal(access.code, 0, access.stderr);
    assert.match(access.stdout, new RegExp(`recorded 100 accesses to ${objectId}`));

    const migration = await waitForMigration(
      objectId,
      (m) => m.reason === 'reactive_access_spike' && m.status === 'completed',
      `a completed reactive_access_spike migration of ${objectId}`,
    );
    for (const field of SEED_MIGRATION_FIELDS) assert.ok(field in migration, `migrations carry the seed field ${field}`);
    assert.equal(migration.object_id, objectId);
    assert.equal(migration.source_tier, 'public');
    assert.ok(['private', 'onprem'].includes(migration.destination_tier), `moved to a faster tier, got ${migration.destination_tier}`);
    assert.match(migration.timestamp, ISO_TIME);

    const listed = await cliJson<{ objects: ObjectJson[]; total: number }>('get-objects');
    const object = listed.objects.find((o) => o.object_id === objectId);
    assert.ok(object, 'get-objects lists the object');
    for (const field of SEED_OBJECT_FIELDS) assert.ok(field in object, `objects carry the seed field ${field}`);
    assert.equal(object.current_tier, migration.destination_tier);
    assert.equal(object.access_count, 100);
    assert.match(object.created_at, ISO_TIME);
    assert.match(object.last_accessed_at ?? '', ISO_TIME);

    // The readable table says the same.
    const table = await cli('get-migrations');
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /reactive_access_spike\s+completed/);

    const metrics = await cliJson<{
      total_objects: number;
      total_bytes: number;
      tier_distribution: Record<string, number>;
      bytes_per_tier: Record<string, number>;
      estimated_monthly_cost: number;
    }>('get-metrics');
    assert.equal(metrics.total_objects, listed.total);
    assert.deepEqual(Object.keys(metrics.tier_distribution).sort(), ['onprem', 'private', 'public']);
    assert.deepEqual(Object.keys(metrics.bytes_per_tier).sort(), ['onprem', 'private', 'public']);
    assert.equal(Object.values(metrics.tier_distribution).reduce((a, b) => a + b, 0), metrics.total_objects);
    assert.equal(Object.values(metrics.bytes_per_tier).reduce((a, b) => a + b, 0), metrics.total_bytes);
    assert.ok(metrics.tier_distribution[migration.destination_tier]! >= 1);
    assert.ok(metrics.bytes_per_tier[migration.destination_tier]! >= Buffer.byteLength(content));
    assert.equal(typeof metrics.estimated_monthly_cost, 'number');
    assert.ok(metrics.estimated_monthly_cost >= 0);

    // Non-TTY logs are JSON lines that narrate the decision and the move.
    const spike = await server.waitForLog((r) => r.object === objectId && /spike/.test(String(r.msg)));
    assert.equal(spike.accesses, 100);
    await server.waitForLog((r) => r.migration === migration.id && /completed/.test(String(r.msg)));
    assert.ok(server.stdout.length > 0);
    for (const line of server.stdout) {
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof record.level, 'number', `log line without a level: ${line}`);
      assert.equal(typeof record.msg, 'string', `log line without a msg: ${line}`);
    }
  });

  test('seed step 3: a new object inherits its siblings\' demand and is promoted proactively, for a reason it can read', async () => {
    const objectId = await ingest('another_sample.txt', 'A second sample: nobody has read it yet.\n');
    // The sweep runs every 60 s; run-proactive runs it now instead of waiting.
    const sweep = await cliJson<{ planned: Array<{ object_id: string; reason: string }> }>('run-proactive');
    const planned = sweep.planned.find((p) => p.object_id === objectId);
    assert.ok(planned, `the sweep planned a move of the new object: ${JSON.stringify(sweep.planned)}`);
    assert.equal(planned.reason, 'proactive_prediction');
    const migration = await waitForMigration(objectId, (m) => m.reason === 'proactive_prediction' && m.status === 'completed', 'a completed proactive_prediction migration');
    const why = migration.explanation as Record<string, unknown>;
    assert.ok((why.predicted_accesses as number) > 0, 'the explanation carries the forecast');
    assert.ok((why.top_features as Record<string, number>).group_mean_24h! > 0, 'inherited from its siblings');
    assert.ok('public' in (why.expected_cost_usd as Record<string, number>), 'and the expected cost per tier');
    const readable = await cli('get-migration', migration.id);
    assert.equal(readable.code, 0, readable.stderr);
    assert.match(readable.stdout, /reason\s+proactive_prediction/);
    assert.match(readable.stdout, /why:[\s\S]*"predicted_accesses"[\s\S]*"saving_usd"/);

    const prediction = await cliJson<{ predicted_next_24h: number; model_family: string; features: Record<string, number> }>('predict-access', objectId);
    assert.ok(prediction.predicted_next_24h > 0);
    assert.equal(prediction.model_family, 'baseline');
    assert.ok('accesses_24h' in prediction.features);
    assert.ok((await getObject(objectId)).predicted_next_24h! > 0, 'get-objects shows the latest forecast');

    const training = await cli('train-model');
    assert.equal(training.code, 0, training.stderr);
    assert.match(training.stdout, /not enough history to train/, 'a fresh catalog says plainly that it keeps the baseline');
  });

  test('get-object --out downloads identical bytes', async () => {
    const content = randomBytes(3 * 1024 * 1024 + 17);
    const objectId = await ingest('random.bin', content);
    const out = join(dir.path, 'downloaded.bin');
    const result = await cli('get-object', objectId, '--out', out);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /wrote .*downloaded\.bin .* from tier public/);
    const downloaded = await readFile(out);
    assert.equal(downloaded.length, content.length);
    assert.equal(sha256(downloaded), sha256(content));
  });

  test('migrate --tier public plans a manual migration that completes', async () => {
    const objectId = await ingest('private.txt', 'kept in private until asked to move\n', '--tier', 'private');
    assert.equal((await getObject(objectId)).current_tier, 'private');

    const planned = await cliJson<MigrationJson>('migrate', objectId, '--tier', 'public');
    assert.equal(planned.reason, 'manual');
    assert.equal(planned.source_tier, 'private');
    assert.equal(planned.destination_tier, 'public');

    const done = await waitForMigration(objectId, (m) => m.id === planned.id && m.status === 'completed', `manual migration ${planned.id} to complete`);
    assert.equal(done.reason, 'manual');
    const moved = await getObject(objectId);
    assert.equal(moved.current_tier, 'public');
    const files = (await storedFiles(dataDir)).filter((f) => f.includes(objectId));
    assert.equal(files.length, 1, `one stored copy remains: ${files.join(', ')}`);
    assert.ok(files[0]!.startsWith('public/'), `the copy is in public: ${files[0]}`);
    assert.notEqual(moved.pinned_until, null, 'a manual move holds the object against the policies for a while');
  });

  test('migrate --pin keeps an object in place until unpin releases it', async () => {
    const objectId = await ingest('pinned.txt', 'stays where it is told\n');
    const planned = await cliJson<MigrationJson>('migrate', objectId, '--tier', 'private', '--pin');
    await waitForMigration(objectId, (m) => m.id === planned.id && m.status === 'completed', `pinned move ${planned.id} to complete`);
    assert.equal((await getObject(objectId)).pinned_until, 'forever');
    const released = await cliJson<ObjectJson>('unpin', objectId);
    assert.equal(released.pinned_until, null);
    assert.equal((await getObject(objectId)).pinned_until, null);
  });

  test('import-accesses loads a CSV access log into the history', async () => {
    const objectId = await ingest('history.txt', 'an object with a past\n');
    const before = await getObject(objectId);
    assert.equal(before.access_count, 0);

    // A day ago: outside the spike window and the cooling period, so nothing moves.
    const dayAgo = Date.now() - 24 * 3_600_000;
    const csv = [
      'timestamp,object_id,count',
      `${new Date(dayAgo).toISOString()},${objectId},3`,
      `${Math.floor(dayAgo / 1000) + 60},${objectId}`,
      `${new Date(dayAgo + 120_000).toISOString()},${objectId},2`,
    ].join('\n');
    await writeFile(join(dir.path, 'accesses.csv'), `${csv}\n`);

    const result = await cli('import-accesses', '--file', 'accesses.csv');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /imported 6 accesses of 1 objects \(3 rows\)/);

    const after = await getObject(objectId);
    assert.equal(after.access_count, before.access_count + 6);
    assert.equal(after.last_accessed_at, new Date(dayAgo + 120_000).toISOString());
    assert.equal(after.current_tier, 'public', 'old accesses are no spike');
  });

  test('delete-object, then get-object fails with a one-line error and no stack trace', async () => {
    const objectId = await ingest('doomed.txt', 'short-lived\n');
    const deleted = await cli('delete-object', objectId);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.match(deleted.stdout, new RegExp(`deleted ${objectId}`));
    assert.deepEqual((await storedFiles(dataDir)).filter((f) => f.includes(objectId)), [], 'the stored bytes are gone');

    for (const args of [['get-object', objectId], ['get-object', objectId, '--out', join(dir.path, 'never.bin')]]) {
      const result: CliResult = await cli(...args);
      assert.notEqual(result.code, 0, `${args.join(' ')} must fail`);
      assert.equal(result.stdout, '');
      const errorLines = result.stderr.split('\n').filter((l) => l.startsWith('error:'));
      assert.equal(errorLines.length, 1, `exactly one error line:\n${result.stderr}`);
      assert.match(errorLines[0]!, new RegExp(`^error: .*${objectId}.* does not exist$`));
      assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
      assert.ok(result.stderr.split('\n').filter(Boolean).length <= 2, `at most the error and a hint:\n${result.stderr}`);
    }
  });

  test('--help works on every command and lists its options', async () => {
    const program = buildProgram(() => undefined);
    const commands = program.commands.map((c) => ({ name: c.name(), flags: c.options.map((o) => o.long).filter((f): f is string => !!f) }));
    for (const seedCommand of ['ingest-object', 'simulate-access', 'get-objects', 'get-metrics', 'get-migrations']) {
      assert.ok(commands.some((c) => c.name === seedCommand), `the CLI has the seed's ${seedCommand}`);
    }
    const top = await cli('--help');
    assert.equal(top.code, 0);
    for (const { name } of commands) assert.match(top.stdout, new RegExp(`\\b${name}\\b`), `top-level help lists ${name}`);

    await Promise.all(
      commands.map(async ({ name, flags }) => {
        const result = await cli(name, '--help');
        assert.equal(result.code, 0, `${name} --help exited ${result.code}: ${result.stderr}`);
        assert.match(result.stdout, new RegExp(`Usage: tiercast ${name}`));
        for (const flag of flags) assert.ok(result.stdout.includes(flag), `${name} --help mentions ${flag}`);
      }),
    );
  });

  test('--json prints exactly the REST response body', async () => {
    // Equal once nothing is in flight (a download above counts an access a moment later).
    await waitFor(
      async () => {
        const viaCli = await cliJson<unknown>('get-objects');
        const viaRest = (await (await fetch(`${server.url}/api/objects?sort=created_at&order=desc&limit=100&offset=0`)).json()) as unknown;
        assert.deepEqual(viaCli, viaRest);
        return true;
      },
      { timeoutMs: 5000, intervalMs: 200, description: 'get-objects --json to equal GET /api/objects' },
    );
    const migrationsCli = await cliJson<unknown>('get-migrations');
    const migrationsRest = (await (await fetch(`${server.url}/api/migrations?limit=50&offset=0`)).json()) as unknown;
    assert.deepEqual(migrationsCli, migrationsRest);
  });
});
