import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { TiercastError, tierUnavailable } from '../../src/domain/errors.js';
import type { MigrationRecord } from '../../src/domain/migration.js';
import { hashStream } from '../../src/storage/stream-hash.js';
import type { TierBackend } from '../../src/storage/tier-backend.js';
import { storedFiles } from '../helpers/files.js';
import { settle, startTestApp, type TestApp } from '../helpers/fixture.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function open(patch: Record<string, unknown> = {}): Promise<TestApp> {
  current = await startTestApp({ patch: { migration: { retryBaseDelayMs: 10, ...((patch.migration as object) ?? {}) }, ...patch } });
  return current;
}



async function untilMigration(t: TestApp, id: string, until: (m: MigrationRecord) => boolean, timeoutMs = 10_000): Promise<MigrationRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const migration = await t.app.catalog.getMigration(id);
    if (migration && until(migration)) return migration;
    if (Date.now() > deadline) assert.fail(`migration ${id} did not reach the expected state; it is ${migration?.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Wraps a real backend so that its first `failures` puts fail as a tier outage would. */
function flakyPuts(real: TierBackend, failures: number): TierBackend {
  let left = failures;
  return Object.assign(Object.create(real) as TierBackend, {
    async put(...args: Parameters<TierBackend['put']>) {
      if (left-- > 0) {
        args[1].destroy();
        throw tierUnavailable('onprem', 'connection reset (injected)');
      }
      return real.put(...args);
    },
  });
}

/** Wraps a real backend so that every put stores the bytes with one of them flipped. */
function corruptingPuts(real: TierBackend): TierBackend {
  return Object.assign(Object.create(real) as TierBackend, {
    async put(key: string, body: Readable, options?: Parameters<TierBackend['put']>[2]) {
      let first = true;
      const flipped = body.map((chunk: Buffer) => {
        if (!first) return chunk;
        first = false;
        const copy = Buffer.from(chunk);
        copy[0] = copy[0]! ^ 0xff;
        return copy;
      });
      return real.put(key, flipped, options);
    },
  });
}

describe('migration executor', () => {
  it('moves an object: copy, verify, switch, then delete the source', async () => {
    const t = await open();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const object = await t.app.objects.ingest({ body: Readable.from([data]), name: 'a.bin' });
    const planned = await t.app.planner.planManual(object, 'onprem', null);
    await settle(t.app);
    const done = await t.app.catalog.getMigration(planned.id);
    assert.equal(done?.status, 'completed');
    assert.equal(done?.reason, 'manual');
    assert.equal(done?.bytesCopied, data.length);
    assert.ok(done?.finishedAt);
    const moved = await t.app.objects.get(object.objectId);
    assert.equal(moved.tier, 'onprem');
    assert.equal(moved.version, 1);
    assert.deepEqual(await storedFiles(t.dataDir), [`onprem/${object.storageKey}`], 'the source copy is deleted, nothing else is left');
    const { stream } = await t.app.objects.openContent(object.objectId);
    assert.equal((await hashStream(stream)).sha256, sha256(data));
  });

  it('allows one active migration per object', async () => {
    const t = await open({ migration: { bandwidthBytesPerSecond: 1024 * 1024 } });
    const object = await t.app.objects.ingest({ body: Readable.from([randomBytes(2 * 1024 * 1024)]) });
    const first = await t.app.planner.planManual(object, 'onprem', null);
    await assert.rejects(t.app.planner.planManual(object, 'private', null), (error: TiercastError) => error.code === 'conflict' && /already has a migration in progress/.test(error.message));
    await settle(t.app);
    assert.equal((await t.app.catalog.getMigration(first.id))?.status, 'completed');
  });

  it('lets an overwrite during the copy win: the migration is cancelled and the new bytes stay', async () => {
    const t = await open({ migration: { bandwidthBytesPerSecond: 2 * 1024 * 1024 } });
    const original = randomBytes(8 * 1024 * 1024);
    const object = await t.app.objects.ingest({ body: Readable.from([original]) });
    const planned = await t.app.planner.planManual(object, 'onprem', null);
    await untilMigration(t, planned.id, (m) => m.status === 'copying' && m.bytesCopied > 0);

    const replacement = randomBytes(1000);
    const overwritten = await t.app.objects.overwrite(object.objectId, Readable.from([replacement]));
    assert.equal(overwritten.version, 2);
    await settle(t.app);

    const migration = await t.app.catalog.getMigration(planned.id);
    assert.equal(migration?.status, 'cancelled');
    assert.match(migration?.error ?? '', /overwritten/);
    const now = await t.app.objects.get(object.objectId);
    assert.equal(now.tier, 'public', 'the object stays where the overwrite put it');
    assert.equal(now.sha256, sha256(replacement));
    const { stream } = await t.app.objects.openContent(object.objectId);
    assert.equal((await hashStream(stream)).sha256, sha256(replacement));
    assert.deepEqual(await storedFiles(t.dataDir), [`public/${now.storageKey}`], 'neither the old generation nor the partial copy is left');
  });

  it('retries a tier outage with backoff and then completes', async () => {
    const t = await open();
    const realBackend = t.app.tiers.backend.bind(t.app.tiers);
    const flaky = flakyPuts(realBackend('onprem'), 2);
    t.app.tiers.backend = (name: string) => (name === 'onprem' ? flaky : realBackend(name));
    const object = await t.app.objects.ingest({ body: Readable.from([randomBytes(4096)]) });
    const planned = await t.app.planner.planManual(object, 'onprem', null);
    const done = await untilMigration(t, planned.id, (m) => m.status === 'completed' || m.status === 'failed');
    assert.equal(done.status, 'completed');
    assert.equal(done.attempts, 3, 'two failed attempts, one that worked');
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'onprem');
  });

  it('gives up after maxAttempts and leaves the object readable where it was', async () => {
    const t = await open({ migration: { maxAttempts: 2 } });
    const realBackend = t.app.tiers.backend.bind(t.app.tiers);
    const flaky = flakyPuts(realBackend('onprem'), 100);
    t.app.tiers.backend = (name: string) => (name === 'onprem' ? flaky : realBackend(name));
    const data = randomBytes(4096);
    const object = await t.app.objects.ingest({ body: Readable.from([data]) });
    const planned = await t.app.planner.planManual(object, 'onprem', null);
    const done = await untilMigration(t, planned.id, (m) => m.status === 'failed' || m.status === 'completed');
    assert.equal(done.status, 'failed');
    assert.match(done.error ?? '', /tier 'onprem' is unavailable.*gave up after 2 attempts/);
    const { object: still, stream } = await t.app.objects.openContent(object.objectId);
    assert.equal(still.tier, 'public');
    assert.equal((await hashStream(stream)).sha256, sha256(data));
  });

  it('fails at once, without retrying, when the source copy is gone', async () => {
    const t = await open();
    const object = await t.app.objects.ingest({ body: Readable.from([randomBytes(100)]) });
    await t.app.tiers.backend('public').delete(object.storageKey);
    const planned = await t.app.planner.planManual(object, 'private', null);
    const done = await untilMigration(t, planned.id, (m) => m.status === 'failed' || m.status === 'completed');
    assert.equal(done.status, 'failed');
    assert.equal(done.attempts, 1);
    assert.match(done.error ?? '', /does not exist/);
    assert.deepEqual(await storedFiles(t.dataDir), []);
  });

  it('cancels a migration whose object is deleted during the copy and removes the partial copy', async () => {
    const t = await open({ migration: { bandwidthBytesPerSecond: 2 * 1024 * 1024 } });
    const object = await t.app.objects.ingest({ body: Readable.from([randomBytes(6 * 1024 * 1024)]) });
    const planned = await t.app.planner.planManual(object, 'onprem', null);
    await untilMigration(t, planned.id, (m) => m.status === 'copying' && m.bytesCopied > 0);
    await t.app.objects.delete(object.objectId);
    await settle(t.app);
    assert.equal((await t.app.catalog.getMigration(planned.id))?.status, 'cancelled');
    assert.deepEqual(await storedFiles(t.dataDir), []);
  });

  for (const verify of ['stream', 'reread'] as const) {
    it(`detects a corrupted copy (verify=${verify}), retries, fails, and keeps the object intact in its source`, async () => {
      const t = await open({ migration: { verify, maxAttempts: 2 } });
      const realBackend = t.app.tiers.backend.bind(t.app.tiers);
      const corrupting = corruptingPuts(realBackend('private'));
      t.app.tiers.backend = (name: string) => (name === 'private' ? corrupting : realBackend(name));
      const data = randomBytes(256 * 1024);
      const object = await t.app.objects.ingest({ body: Readable.from([data]) });
      const planned = await t.app.planner.planManual(object, 'private', null);
      const done = await untilMigration(t, planned.id, (m) => m.status === 'failed' || m.status === 'completed');
      assert.equal(done.status, 'failed');
      assert.equal(done.attempts, 2);
      assert.match(done.error ?? '', /does not match/);
      const { object: still, stream } = await t.app.objects.openContent(object.objectId);
      assert.equal(still.tier, 'public');
      assert.equal((await hashStream(stream)).sha256, sha256(data));
      assert.deepEqual(await storedFiles(t.dataDir), [`public/${object.storageKey}`], 'the corrupt copy is removed');
    });
  }
});
