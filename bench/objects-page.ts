/**
 * Benchmark: GET /api/objects (the dashboard's objects table) with 100,000 objects in the
 * catalog — response time of one page for each sort, a search, a tier filter and a deep
 * page, over a real HTTP connection. Prints figures only.
 *
 *   node --import tsx bench/objects-page.ts [--objects 100000] [--runs 30] [--limit 50]
 *
 * Builds an embedded Tiercast (SQLite catalog, timers off) in a temp data dir, inserts the
 * objects straight into the catalog (sizes, access counts, last accesses and forecasts
 * spread like a real catalog's), starts the REST API on a loopback port and times each
 * query `--runs` times after one warm-up request.
 */
import { randomUUID } from 'node:crypto';
import { buildServer } from '../src/api/server.js';
import type { Prediction } from '../src/domain/forecast.js';
import type { ObjectRecord } from '../src/domain/object.js';
import { startTestApp } from '../test/helpers/fixture.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number, got '${process.argv[i + 1]}'`);
  return value;
}

const OBJECTS = arg('objects', 100_000);
const RUNS = arg('runs', 30);
const LIMIT = arg('limit', 50);
const TIERS = ['onprem', 'private', 'public'];
const MIN = 60_000;

/** A deterministic spread: a few hot objects, many cold ones, a third never accessed. */
function objectAt(i: number, now: number): ObjectRecord {
  const accessed = i % 3 !== 0;
  const created = now - ((i * 7919) % (30 * 24 * 60)) * MIN;
  return {
    objectId: `obj-${String(i).padStart(6, '0')}-${randomUUID().slice(0, 8)}`,
    name: `folder-${i % 97}/file-${i}.${['txt', 'csv', 'parquet', 'jpg'][i % 4]}`,
    contentType: 'application/octet-stream',
    sizeBytes: 1024 + ((i * 104_729) % (64 * 1024 * 1024)),
    sha256: 'a'.repeat(64),
    version: 1,
    tier: TIERS[i % 7 === 0 ? 0 : i % 3 === 0 ? 1 : 2]!,
    storageKey: `obj-${i}/v1-bench`,
    createdAt: created,
    updatedAt: created,
    tierSince: created,
    accessCount: accessed ? (i * 31) % 5000 : 0,
    lastAccessedAt: accessed ? now - ((i * 13) % (7 * 24 * 60)) * MIN : null,
    pinnedUntil: null,
    prediction: i % 5 === 0 ? null : { accesses: (i * 17) % 300, horizonHours: 24, modelVersion: 0, at: now },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const testApp = await startTestApp();
const { app } = testApp;
try {
  const now = Date.now();
  const insertStarted = performance.now();
  const predictions: Prediction[] = [];
  for (let i = 0; i < OBJECTS; i++) {
    const object = objectAt(i, now);
    const { prediction, ...withoutPrediction } = object;
    await app.catalog.insertObject({ ...withoutPrediction, prediction: null });
    if (prediction) predictions.push({ objectId: object.objectId, ...prediction });
  }
  // accessCount and lastAccessedAt go in with the row; forecasts through the catalog call the sweep uses.
  for (let i = 0; i < predictions.length; i += 5_000) await app.catalog.savePredictions(predictions.slice(i, i + 5_000));
  console.log(`catalog: ${OBJECTS.toLocaleString('en')} objects inserted in ${((performance.now() - insertStarted) / 1000).toFixed(1)} s (${app.catalog.kind})`);

  const api = await buildServer(app);
  await api.listen({ host: '127.0.0.1', port: 0 });
  const address = api.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

  const queries: Array<[string, string]> = [
    ['newest first (default)', `limit=${LIMIT}`],
    ['sort by size, largest first', `sort=size_bytes&order=desc&limit=${LIMIT}`],
    ['sort by accesses, most first', `sort=access_count&order=desc&limit=${LIMIT}`],
    ['sort by last access, latest first', `sort=last_accessed_at&order=desc&limit=${LIMIT}`],
    ['sort by predicted next 24 h', `sort=predicted_next_24h&order=desc&limit=${LIMIT}`],
    ['sort by id', `sort=object_id&order=asc&limit=${LIMIT}`],
    ['tier filter (private)', `tier=private&limit=${LIMIT}`],
    ['search "file-4242"', `q=file-4242&limit=${LIMIT}`],
    ['last page', `sort=created_at&order=desc&limit=${LIMIT}&offset=${OBJECTS - LIMIT}`],
  ];
  console.log(`\nGET /api/objects?…, ${LIMIT} objects per page, ${RUNS} runs each (ms):`);
  console.log(`${'query'.padEnd(36)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}   total`);
  for (const [label, query] of queries) {
    const url = `${base}/api/objects?${query}`;
    const warm = await fetch(url);
    if (!warm.ok) throw new Error(`${url} answered ${warm.status}: ${await warm.text()}`);
    const { total } = (await warm.json()) as { total: number };
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const started = performance.now();
      const response = await fetch(url);
      await response.arrayBuffer();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    console.log(
      `${label.padEnd(36)} ${percentile(times, 50).toFixed(1).padStart(8)} ${percentile(times, 95).toFixed(1).padStart(8)} ${times.at(-1)!.toFixed(1).padStart(8)}   ${total.toLocaleString('en')}`,
    );
  }
  await api.close();
} finally {
  await testApp.close();
}
