/**
 * The server side of the dashboard over real HTTP (in-process app, real SQLite catalog and
 * folders): the page and its assets at every view path, the simulation reports (listed,
 * served, traversal refused), an object's hourly history and the accesses per minute.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify from 'fastify';
import { dashboardRoutes, WEB_DIR } from '../../src/api/routes/dashboard.js';
import { buildServer } from '../../src/api/server.js';
import type { Api } from '../../src/api/types.js';
import type { ObjectJson } from '../../src/api/schemas.js';
import { ManualClock } from '../../src/domain/clock.js';
import { startTestApp, tempDir, type TestApp } from '../helpers/fixture.js';

const NOW = Date.UTC(2026, 5, 10, 14, 30, 20);
const MIN = 60_000;
const HOUR = 60 * MIN;

async function listen(api: Api): Promise<string> {
  await api.listen({ host: '127.0.0.1', port: 0 });
  const address = api.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
}

/** One GET with the path sent exactly as given (fetch would normalise dot segments). */
function rawGet(base: string, path: string): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), text }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard routes on a real HTTP server', () => {
  let testApp: TestApp;
  let api: Api;
  let base: string;
  let reportsDir: string;
  let cleanupOutside: (() => Promise<void>) | undefined;
  const clock = new ManualClock(NOW);

  before(async () => {
    const outside = await tempDir('tiercast-reports-');
    reportsDir = join(outside.path, 'reports');
    testApp = await startTestApp({ clock, patch: { reportsDir } });
    api = await buildServer(testApp.app);
    base = await listen(api);

    const good = join(reportsDir, 'week-1');
    await mkdir(good, { recursive: true });
    await writeFile(
      join(good, 'result.json'),
      JSON.stringify({
        trace: 'week.csv', requests: 1000, objects: 50, span_seconds: 604800, profile: { name: 'seed' },
        policies: [{ name: 'hybrid', total_cost_usd: 0.5, regret: 1.2, mean_latency_ms: 12, p99_latency_ms: 40, migrations: 9, bytes_moved: 1e6, timeline: { at_ms: [1, 2] } }],
      }),
    );
    await writeFile(join(good, 'index.html'), '<!doctype html><title>week-1</title><img src="cost.svg">');
    await writeFile(join(good, 'cost.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await symlink(join(outside.path, 'secret.txt'), join(good, 'leak.txt'));
    await writeFile(join(outside.path, 'secret.txt'), 'SECRET-OUTSIDE');
    await mkdir(join(reportsDir, 'broken'));
    await writeFile(join(reportsDir, 'broken', 'result.json'), '{"trace": ');
    await mkdir(join(reportsDir, 'no-result'));
    await writeFile(join(reportsDir, 'no-result', 'index.html'), 'half written');
    await writeFile(join(reportsDir, 'stray-file.json'), '{}');
    // week-1 is the newest.
    await utimes(join(reportsDir, 'broken', 'result.json'), new Date(NOW - HOUR), new Date(NOW - HOUR));
    await utimes(join(good, 'result.json'), new Date(NOW), new Date(NOW));
    cleanupOutside = outside.cleanup;
  });

  after(async () => {
    await api?.close();
    await testApp?.close();
    await cleanupOutside?.();
  });

  test('the page answers at every view path; its assets are cached for good; other paths stay API errors', { skip: existsSync(join(WEB_DIR, 'index.html')) ? false : 'dist/web is not built: run npm run build' }, async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /<div id="app"><\/div>/);
    for (const path of ['/objects', '/objects/some-id', '/migrations', '/actions', '/simulations']) {
      const response = await fetch(`${base}${path}`);
      assert.equal(response.status, 200, path);
      assert.equal(await response.text(), html, `${path} serves the same page`);
    }
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `the page loads its script and styles: ${assets.join(', ')}`);
    for (const asset of assets) {
      const response = await fetch(`${base}${asset}`);
      assert.equal(response.status, 200, asset);
      assert.match(response.headers.get('cache-control') ?? '', /immutable/);
      assert.equal(Buffer.from(await response.arrayBuffer()).equals(await readFile(join(WEB_DIR, asset))), true, `${asset} is the built file`);
    }
    assert.doesNotMatch(html, /(?:src|href)="(?:https?:)?\/\//, 'nothing is loaded from another host');
    const unknown = await fetch(`${base}/api/nothing-here`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: string }).error, 'not_found');
    assert.equal((await fetch(`${base}/assets/missing.js`)).status, 404);
  });

  test('an unbuilt dashboard says how to build it', async () => {
    const empty = await tempDir('tiercast-noweb-');
    const bare = Fastify() as unknown as Api;
    try {
      await dashboardRoutes(bare, empty.path);
      const url = await listen(bare);
      const response = await fetch(`${url}/objects`);
      assert.equal(response.status, 503);
      assert.match(await response.text(), /npm run build/);
    } finally {
      await bare.close();
      await empty.cleanup();
    }
  });

  test('GET /api/simulations lists the report folders of reportsDir, newest first, with their policy table', async () => {
    const body = (await (await fetch(`${base}/api/simulations`)).json()) as {
      reports_dir: string;
      simulations: Array<{ name: string; report_url: string; error: string | null; requests?: number; span_seconds?: number; policies: Array<Record<string, unknown>> }>;
    };
    assert.equal(body.reports_dir, reportsDir);
    assert.deepEqual(body.simulations.map((s) => s.name), ['week-1', 'broken'], 'only folders with a result.json');
    const [week, broken] = body.simulations;
    assert.equal(week!.report_url, '/reports/week-1/');
    assert.equal(week!.error, null);
    assert.equal(week!.requests, 1000);
    assert.equal(week!.span_seconds, 604800);
    assert.deepEqual(week!.policies, [{ name: 'hybrid', total_cost_usd: 0.5, regret: 1.2, mean_latency_ms: 12, p99_latency_ms: 40, migrations: 9, bytes_moved: 1e6 }], 'figures, not timelines');
    assert.match(broken!.error ?? '', /^result\.json is not valid JSON/);

    const full = (await (await fetch(`${base}/api/simulations/week-1`)).json()) as { policies: Array<{ timeline?: unknown }> };
    assert.deepEqual(full.policies[0]?.timeline, { at_ms: [1, 2] }, 'the whole result.json');
    assert.equal((await fetch(`${base}/api/simulations/nope`)).status, 404);
  });

  test('a report is served under /reports/<name>/; nothing outside its folder is', async () => {
    const redirect = await fetch(`${base}/reports/week-1`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/reports/week-1/');
    const index = await fetch(`${base}/reports/week-1/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await index.text(), /<title>week-1<\/title>/);
    const image = await fetch(`${base}/reports/week-1/cost.svg`);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/svg+xml');

    for (const path of [
      '/reports/week-1/../../secret.txt',
      '/reports/week-1/%2e%2e/%2e%2e/secret.txt',
      '/reports/week-1/..%2f..%2fsecret.txt',
      '/reports/..%2f..%2f/secret.txt',
      '/reports/%2e%2e/secret.txt',
      '/reports/week-1/leak.txt',
      '/reports/week-1/%00',
      '/reports/week-1//etc/passwd',
    ]) {
      const response = await rawGet(base, path);
      assert.ok(response.status >= 400 && response.status < 500, `${path} is refused, got ${response.status}`);
      assert.doesNotMatch(response.text, /SECRET-OUTSIDE|root:/, `${path} leaks nothing`);
    }
    assert.equal((await fetch(`${base}/reports/week-1/missing.png`)).status, 404);
    assert.equal((await fetch(`${base}/reports/unknown/`)).status, 404);
  });

  test('GET /api/objects/{id}/history: accesses per hour up to the current hour', async () => {
    const object = (await (await fetch(`${base}/api/objects?name=h.txt&tier=public`, { method: 'POST', body: 'history' })).json()) as ObjectJson;
    const hourStart = Math.floor(NOW / HOUR) * HOUR;
    await testApp.app.catalog.recordAccesses([
      { objectId: object.object_id, bucketStart: hourStart - 2 * HOUR, count: 5, lastAccessAt: hourStart - 2 * HOUR + 1 },
      { objectId: object.object_id, bucketStart: hourStart + 5 * MIN, count: 3, lastAccessAt: hourStart + 5 * MIN + 1 },
      { objectId: object.object_id, bucketStart: hourStart + 6 * MIN, count: 4, lastAccessAt: hourStart + 6 * MIN + 1 },
      { objectId: object.object_id, bucketStart: hourStart - 30 * HOUR, count: 99, lastAccessAt: hourStart - 30 * HOUR + 1 },
    ]);
    const history = (await (await fetch(`${base}/api/objects/${object.object_id}/history?hours=4`)).json()) as { start: string; step_seconds: number; counts: number[] };
    assert.equal(history.start, new Date(hourStart - 3 * HOUR).toISOString());
    assert.equal(history.step_seconds, 3600);
    assert.deepEqual(history.counts, [0, 5, 0, 7], 'the 30-hour-old accesses are outside the window');
    assert.equal((await fetch(`${base}/api/objects/nope/history`)).status, 404);
    assert.equal((await fetch(`${base}/api/objects/${object.object_id}/history?hours=0`)).status, 400);
  });

  test('GET /api/accesses/per-minute: every object\'s accesses per minute and the recent rate', async () => {
    const objects = await Promise.all(
      ['a', 'b'].map(async (n) => (await (await fetch(`${base}/api/objects?name=${n}&tier=public`, { method: 'POST', body: n })).json()) as ObjectJson),
    );
    const minute = Math.floor(NOW / MIN) * MIN;
    await testApp.app.catalog.recordAccesses([
      { objectId: objects[0]!.object_id, bucketStart: minute - 2 * MIN, count: 10, lastAccessAt: minute - 2 * MIN },
      { objectId: objects[1]!.object_id, bucketStart: minute - 2 * MIN, count: 6, lastAccessAt: minute - 2 * MIN },
      { objectId: objects[1]!.object_id, bucketStart: minute, count: 4, lastAccessAt: minute },
      { objectId: objects[0]!.object_id, bucketStart: minute - 20 * MIN, count: 50, lastAccessAt: minute - 20 * MIN },
    ]);
    const rate = (await (await fetch(`${base}/api/accesses/per-minute?minutes=10`)).json()) as { start: string; counts: number[]; per_minute: number };
    assert.equal(rate.start, new Date(minute - 9 * MIN).toISOString());
    // The history test's accesses lie in this hour too, at minutes 5 and 6 of it (outside these 10 minutes).
    assert.deepEqual(rate.counts, [0, 0, 0, 0, 0, 0, 0, 16, 0, 4]);
    // 20 accesses over the last 4 full minutes and the 20 s of the current one.
    assert.equal(rate.per_minute, Math.round((20 / (4 + 20 / 60)) * 10) / 10);
    assert.equal((await fetch(`${base}/api/accesses/per-minute?minutes=2`)).status, 400);
  });

  test('the objects list sorts by the predicted next 24 h', async () => {
    const [low, high] = await Promise.all(
      ['low', 'high'].map(async (n) => (await (await fetch(`${base}/api/objects?name=${n}&tier=public`, { method: 'POST', body: n })).json()) as ObjectJson),
    );
    await testApp.app.catalog.savePredictions([
      { objectId: low!.object_id, accesses: 3, horizonHours: 24, modelVersion: 0, at: NOW },
      { objectId: high!.object_id, accesses: 300, horizonHours: 24, modelVersion: 0, at: NOW },
    ]);
    const page = (await (await fetch(`${base}/api/objects?sort=predicted_next_24h&order=desc&limit=2`)).json()) as { objects: ObjectJson[] };
    assert.deepEqual(page.objects.map((o) => [o.object_id, o.predicted_next_24h]), [[high!.object_id, 300], [low!.object_id, 3]]);
  });
});
