/**
 * GET /api/events: the dashboard's live feed of migration state changes, over a real HTTP
 * connection to an in-process app (real SQLite catalog, real folder tiers, the in-process
 * bus). A reactive migration is driven by real accesses; its state changes must arrive in
 * order, with the object's tier change, and connections must be cleaned up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TOPICS } from '../../src/bus/event-bus.js';
import { buildServer } from '../../src/api/server.js';
import type { Api } from '../../src/api/types.js';
import type { MigrationEvent } from '../../src/engine/migration-events.js';
import type { ObjectJson } from '../../src/api/schemas.js';
import { startTestApp, type TestApp } from '../helpers/fixture.js';
import { join } from 'node:path';
import { scaleOutStack, type ScaleOutStack } from '../helpers/scale-out-stack.js';
import { startServer, type ServerProcess } from '../helpers/server-process.js';
import { skipUnless } from '../helpers/services.js';
import { openEventStream, type SseConnection, type SseEvent } from '../helpers/sse.js';
import { waitFor } from '../helpers/wait.js';

const STATES_IN_ORDER = ['planned', 'copying', 'verifying', 'switched', 'completed'];

describe('GET /api/events (server-sent events)', () => {
  let testApp: TestApp;
  let api: Api;
  let base: string;
  const open: SseConnection[] = [];

  const connect = async (query = '', headers: Record<string, string> = {}) => {
    const connection = await openEventStream(`${base}/api/events${query}`, headers);
    open.push(connection);
    return connection;
  };
  const ingest = async (content: string): Promise<ObjectJson> => {
    const response = await fetch(`${base}/api/objects?name=live.txt`, { method: 'POST', body: content, headers: { 'content-type': 'text/plain' } });
    assert.equal(response.status, 201);
    return (await response.json()) as ObjectJson;
  };
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await response.text();
    assert.ok(response.status < 300, `${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as Record<string, unknown>;
  };
  const migrationEventsOf = (connection: SseConnection, objectId: string) =>
    connection.events.filter((e) => e.event === 'migration').map((e) => JSON.parse(e.data) as MigrationEvent).filter((m) => m.object_id === objectId);
  const completedFor = (objectId: string) => (e: SseEvent) => e.event === 'migration' && JSON.parse(e.data).object_id === objectId && JSON.parse(e.data).status === 'completed';

  before(async () => {
    testApp = await startTestApp();
    api = await buildServer(testApp.app);
    await api.listen({ host: '127.0.0.1', port: 0 });
    const address = api.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  after(async () => {
    for (const connection of open) connection.close();
    await api?.close();
    await testApp?.close();
  });

  test('a reactive migration\'s state changes arrive in order, with the object\'s new tier', async () => {
    const stream = await connect('?heartbeat_seconds=1');
    assert.equal(stream.status, 200);
    assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
    await waitFor(() => api.liveFeed.clientCount === 1, { description: 'the connection to be listening' });

    const object = await ingest('hot content');
    assert.equal(object.current_tier, 'public');
    await post(`/api/objects/${object.object_id}/access`, { count: 100 });
    await stream.waitForEvent(completedFor(object.object_id), 15_000, `the completed migration of ${object.object_id}`);

    const changes = migrationEventsOf(stream, object.object_id);
    assert.deepEqual(changes.map((m) => m.status), STATES_IN_ORDER);
    assert.ok(changes.every((m) => m.migration_id === changes[0]!.migration_id), 'one migration');
    assert.ok(changes.every((m) => m.reason === 'reactive_access_spike' && m.source_tier === 'public' && m.destination_tier === 'onprem'));
    for (let i = 1; i < changes.length; i++) assert.ok(changes[i]!.at >= changes[i - 1]!.at, 'times never go back');

    // The tier change comes right after the switch, before completion.
    const order = stream.events.filter((e) => e.data.includes(object.object_id)).map((e) => (e.event === 'migration' ? JSON.parse(e.data).status : e.event));
    assert.deepEqual(order, ['planned', 'copying', 'verifying', 'switched', 'object-tier', 'completed']);
    const tier = JSON.parse(stream.events.find((e) => e.event === 'object-tier')!.data);
    assert.deepEqual(tier, { object_id: object.object_id, tier: 'onprem', previous_tier: 'public', migration_id: changes[0]!.migration_id, at: tier.at });
    assert.equal(((await (await fetch(`${base}/api/objects/${object.object_id}`)).json()) as ObjectJson).current_tier, 'onprem', 'the catalog agrees');

    const ids = stream.events.map((e) => Number(e.id?.split('-')[1]));
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), `event ids increase: ${ids.join(', ')}`);
    await waitFor(() => stream.comments.some((c) => c.startsWith('heartbeat')), { timeoutMs: 5000, description: 'a heartbeat comment' });
  });

  test('every connection gets every event; a closed connection is removed', async () => {
    const first = await connect();
    const second = await connect();
    await waitFor(() => api.liveFeed.clientCount >= 2, { description: 'two listening connections' });
    const before = api.liveFeed.clientCount;
    const object = await ingest('manual move');
    await post(`/api/objects/${object.object_id}/migrate`, { tier: 'private' });
    await first.waitForEvent(completedFor(object.object_id));
    await second.waitForEvent(completedFor(object.object_id));
    assert.deepEqual(migrationEventsOf(first, object.object_id), migrationEventsOf(second, object.object_id));

    second.close();
    await waitFor(() => api.liveFeed.clientCount === before - 1, { description: 'the closed connection to be removed from the feed' });
    first.close();
    await waitFor(() => api.liveFeed.clientCount === before - 2, { description: 'both connections to be removed' });
  });

  test('events published by another process on the bus arrive; malformed ones are skipped', async () => {
    const stream = await connect();
    await waitFor(() => api.liveFeed.clientCount >= 1);
    // What a migration worker in another process publishes (through Kafka in scale-out).
    const remote: MigrationEvent = {
      migration_id: 'remote-1', object_id: 'elsewhere', status: 'failed', reason: 'proactive_prediction',
      source_tier: 'private', destination_tier: 'public', size_bytes: 10, error: 'tier \'public\' is unavailable', at: Date.now(),
    };
    // A new Kafka consumer group reads the topic from its start: old events are history, not news.
    const old = { ...remote, migration_id: 'remote-old', at: Date.now() - 2 * 3_600_000 };
    await testApp.app.bus.publish<unknown>(TOPICS.migrationEvents, [
      { key: 'elsewhere', value: { nonsense: true } },
      { key: 'elsewhere', value: old },
      { key: 'elsewhere', value: remote },
    ]);
    const received = await stream.waitForEvent((e) => e.event === 'migration' && e.data.includes('remote-1'));
    assert.deepEqual(JSON.parse(received.data), remote);
    assert.ok(!stream.events.some((e) => e.data.includes('nonsense')), 'the malformed event was not forwarded');
    assert.ok(!stream.events.some((e) => e.data.includes('remote-old')), 'an event from before the feed started was not forwarded');
    assert.ok(!stream.events.some((e) => e.event === 'object-tier' && e.data.includes('elsewhere')), 'a failed migration changes no tier');
  });

  test('a client that reconnects with Last-Event-ID gets what it missed', async () => {
    const stream = await connect();
    await waitFor(() => api.liveFeed.clientCount >= 1);
    const object = await ingest('resume');
    await post(`/api/objects/${object.object_id}/migrate`, { tier: 'onprem' });
    await stream.waitForEvent(completedFor(object.object_id));
    const lastSeen = stream.events.at(-1)!.id!;
    stream.close();

    await post(`/api/objects/${object.object_id}/migrate`, { tier: 'private' });
    await waitFor(async () => (await testApp.app.catalog.getObject(object.object_id))?.tier === 'private', { description: 'the second move to finish' });
    await testApp.app.bus.drain();

    const resumed = await connect('', { 'last-event-id': lastSeen });
    const missed = await resumed.waitForEvent(completedFor(object.object_id));
    assert.equal(JSON.parse(missed.data).destination_tier, 'private');
    assert.ok(!resumed.events.some((e) => e.id === lastSeen), 'nothing up to the last seen event is sent again');
    const unknown = await connect('', { 'last-event-id': 'from-another-process-7' });
    await waitFor(() => unknown.comments.length > 0, { description: 'the greeting' });
    assert.deepEqual(unknown.events, [], 'an id from another process replays nothing');
  });

  test('the OpenAPI document describes the stream and its events', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    assert.ok(doc.paths['/api/events']?.get?.responses['200']?.content?.['text/event-stream'], 'GET /api/events answers text/event-stream');
    assert.ok(doc.components.schemas.MigrationEvent?.properties?.status);
    assert.ok(doc.components.schemas.ObjectTierEvent?.properties?.tier);
  });
});

describe('GET /api/events with the migration worker in another process (Kafka + PostgreSQL)', { skip: skipUnless('postgres') || skipUnless('kafka') || skipUnless('s3'), timeout: 180_000 }, () => {
  let stack: ScaleOutStack;
  const processes: ServerProcess[] = [];

  before(async () => {
    stack = await scaleOutStack('sse');
  });

  after(async () => {
    try {
      for (const process of processes) {
        const exit = await process.stop(30_000);
        assert.equal(exit.code, 0, `pid ${process.pid} did not shut down cleanly with a live connection open:\n${process.stderr.join('\n')}`);
      }
    } finally {
      await stack?.cleanup();
    }
  });

  test('an API process streams the state changes of a migration a worker process runs', async () => {
    const shared = { bus: { type: 'kafka', brokers: stack.env.KAFKA_BOOTSTRAP_SERVERS!.split(','), clientId: `tiercast-${stack.runId}` } };
    const api = await startServer({ dataDir: join(stack.dir, 'api-data'), configFile: await stack.writeConfig('api', shared), role: 'api', env: stack.env, startTimeoutMs: 60_000 });
    processes.push(api);
    const worker = await startServer({ dataDir: join(stack.dir, 'worker-data'), configFile: await stack.writeConfig('worker', shared), role: 'worker', env: stack.env, startTimeoutMs: 60_000 });
    processes.push(worker);

    const stream = await openEventStream(`${api.url}/api/events`);
    const ingest = async (name: string) => {
      const response = await fetch(`${api.url}/api/objects?name=${name}&tier=public`, { method: 'POST', body: `content of ${name}`, headers: { 'content-type': 'text/plain' } });
      assert.equal(response.status, 201, await response.clone().text());
      return (await response.json()) as ObjectJson;
    };
    const object = await ingest('remote.txt');
    const accessed = await fetch(`${api.url}/api/objects/${object.object_id}/access`, { method: 'POST', body: JSON.stringify({ count: 100 }), headers: { 'content-type': 'application/json' } });
    assert.equal(accessed.status, 202);
    const done = await stream.waitForEvent(
      (e) => e.event === 'migration' && JSON.parse(e.data).object_id === object.object_id && JSON.parse(e.data).status === 'completed',
      90_000,
      `the completed migration of ${object.object_id}, run by the worker`,
    );
    const changes = stream.events.filter((e) => e.event === 'migration' && JSON.parse(e.data).object_id === object.object_id).map((e) => JSON.parse(e.data) as MigrationEvent);
    assert.deepEqual(changes.map((m) => m.status), STATES_IN_ORDER);
    const tier = stream.events.find((e) => e.event === 'object-tier' && JSON.parse(e.data).object_id === object.object_id);
    assert.equal(JSON.parse(tier!.data).tier, 'onprem');
    const migrationId = JSON.parse(done.data).migration_id as string;
    assert.ok(worker.logRecords().some((r) => r.migration === migrationId && /completed/.test(String(r.msg))), 'the worker ran it');
    assert.ok(!api.logRecords().some((r) => r.migration === migrationId && /copying|completed/.test(String(r.msg))), 'the API process moved nothing');
  });
});
