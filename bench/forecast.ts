/**
 * Benchmark: the forecaster's accuracy and speed. Prints figures only.
 *
 *   node --import tsx bench/forecast.ts [--objects 5000] [--days 21] [--score 1000000] [--no-traces]
 *
 * 1. Accuracy: on a seeded synthetic workload (daily cycles, flash crowds, one-hit and
 *    cooling objects, Zipf popularity) and on the real traces in ../shared/traces/ (their
 *    time stretched to --days, stated per trace), rolling-origin backtest of the baseline
 *    and the learned model on the same held-out origins: MAE and weighted MAPE of the
 *    accesses in the next 24 h, with training time. This is the training code the service
 *    runs (trainAndBacktest), in-process here so its time is measured without a worker.
 * 2. Scoring speed: features from hourly histories plus prediction for --score objects
 *    (target: 1,000,000 in under 10 s), for the baseline and the learned model.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { baselineForecast } from '../src/forecast/baseline.js';
import type { ObjectHistory } from '../src/forecast/dataset.js';
import { FEATURE_COUNT, LOOKBACK_HOURS, NO_GROUP, writeFeatures } from '../src/forecast/features.js';
import { parseGbdt, predictGbdt } from '../src/forecast/gbdt.js';
import { HOUR_MS } from '../src/forecast/hourly-series.js';
import { trainAndBacktest, type TrainingOutcome } from '../src/forecast/training.js';
import { generateAccesses } from '../src/sim/synthetic.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const OBJECTS = option('objects', 5000);
const DAYS = option('days', 21);
const SCORE = option('score', 1_000_000);
const TRACES_DIR = fileURLToPath(new URL('../../shared/traces/', import.meta.url));
const START = Date.UTC(2026, 0, 5);
const SETTINGS = { horizonHours: 24, strideHours: 6, minTrainingRows: 200, seed: 1 };

interface Access {
  at: number;
  objectId: string;
  sizeBytes: number;
  count: number;
}

/** Hourly histories on one axis from a stream of accesses; an object exists from its first access. */
function historiesFrom(accesses: Iterable<Access>, startMs: number, hours: number): ObjectHistory[] {
  const byId = new Map<string, ObjectHistory>();
  for (const a of accesses) {
    const index = Math.floor((a.at - startMs) / HOUR_MS);
    if (index < 0 || index >= hours) continue;
    let h = byId.get(a.objectId);
    if (!h) {
      const slash = a.objectId.indexOf('/');
      h = {
        objectId: a.objectId,
        group: slash > 0 ? a.objectId.slice(0, slash) : 'all',
        facts: { createdAt: a.at, sizeBytes: a.sizeBytes, lastAccessedAt: null },
        series: { startMs, counts: new Float64Array(hours) },
      };
      byId.set(a.objectId, h);
    }
    h.series.counts[index]! += a.count;
  }
  return [...byId.values()];
}

function report(name: string, detail: string, histories: ObjectHistory[], hours: number): TrainingOutcome {
  const t0 = performance.now();
  const outcome = trainAndBacktest(histories, hours, SETTINGS);
  const ms = performance.now() - t0;
  const pct = (v: number | null) => (v === null ? '-' : `${(v * 100).toFixed(1)}%`);
  console.log(`\n${name}: ${detail}`);
  console.log(`  objects ${histories.length}, axis ${hours} h`);
  if (outcome.kind === 'insufficient') {
    console.log(`  not enough history: ${outcome.trainRows} training rows, ${outcome.testRows} held out, ${outcome.accesses} accesses`);
    return outcome;
  }
  console.log(`  rows: ${outcome.trainRows} training, ${outcome.testRows} held out; dataset + training + backtest ${(ms / 1000).toFixed(2)} s`);
  console.log(`  ${'model'.padEnd(10)}${'MAE (accesses/24 h)'.padStart(22)}${'weighted MAPE'.padStart(16)}`);
  console.log(`  ${'baseline'.padEnd(10)}${outcome.baseline.mae.toFixed(3).padStart(22)}${pct(outcome.baseline.wmape).padStart(16)}`);
  console.log(`  ${'gbdt'.padEnd(10)}${outcome.learned.mae.toFixed(3).padStart(22)}${pct(outcome.learned.wmape).padStart(16)}`);
  const better = outcome.learned.mae < outcome.baseline.mae ? 'gbdt' : 'baseline';
  console.log(`  served: ${better} (MAE ${((1 - Math.min(outcome.learned.mae, outcome.baseline.mae) / outcome.baseline.mae) * 100).toFixed(1)}% below the baseline)`);
  return outcome;
}

async function traceWorkloads(hours: number): Promise<void> {
  let readers: typeof import('../src/sim/readers/index.js');
  try {
    readers = await import('../src/sim/readers/index.js');
  } catch {
    console.log('\n(trace readers not available in this checkout: real traces skipped)');
    return;
  }
  const traces = [
    { name: 'cloudphysics-io', file: 'cloudphysics-io/cloudPhysicsIO.vscsi', note: '1 MiB extents as objects' },
    { name: 'elastic-apache-semicomplete', file: 'elastic-apache-semicomplete/apache_logs', note: 'URLs as objects' },
    { name: 'meta-cdn (short bigcache)', file: 'meta-cachelib-samples/meta_cdn_short_bigcache_traces.csv', note: '' },
    { name: 'tencent-cbs', file: 'tencent-cbs-sample/cloud_storage-sample.csv', note: 'a 1 s sample: too short to mean much when stretched' },
  ];
  for (const trace of traces) {
    const path = TRACES_DIR + trace.file;
    if (!existsSync(path)) continue;
    const records: Access[] = [];
    try {
      for await (const r of readers.readTrace(path, { skipBad: true })) records.push({ at: r.at, objectId: r.objectId, sizeBytes: r.sizeBytes, count: 1 });
    } catch (error) {
      console.log(`\n${trace.name}: cannot read (${(error as Error).message})`);
      continue;
    }
    if (records.length === 0) continue;
    records.sort((a, b) => a.at - b.at);
    const first = records[0]!.at;
    const span = Math.max(1, records[records.length - 1]!.at - first);
    // Stretch the trace over the axis after the lookback, so that it yields rolling origins.
    const target = (hours - LOOKBACK_HOURS) * HOUR_MS;
    const scale = target / span;
    const axisStart = START - LOOKBACK_HOURS * HOUR_MS;
    const stretched = records.map((r) => ({ ...r, at: START + (r.at - first) * scale - 1 }));
    const histories = historiesFrom(stretched, axisStart, hours);
    report(trace.name, `${records.length} requests over ${(span / 3_600_000).toFixed(2)} h, time stretched ×${scale.toFixed(1)}${trace.note ? `; ${trace.note}` : ''}`, histories, hours);
  }
}

function scoringSpeed(histories: ObjectHistory[], modelJson: string | undefined): void {
  console.log(`\nscoring ${SCORE.toLocaleString('en')} objects (features from 192 h of hourly history, then the model)`);
  const t = START + LOOKBACK_HOURS * HOUR_MS;
  const features = new Float64Array(SCORE * FEATURE_COUNT);
  let t0 = performance.now();
  for (let r = 0; r < SCORE; r++) {
    const h = histories[r % histories.length]!;
    writeFeatures(features, r * FEATURE_COUNT, h.series, LOOKBACK_HOURS, t, h.facts, NO_GROUP);
  }
  const featureMs = performance.now() - t0;
  t0 = performance.now();
  let sum = 0;
  for (let r = 0; r < SCORE; r++) sum += baselineForecast(features, r * FEATURE_COUNT);
  const baselineMs = performance.now() - t0;
  console.log(`  features          ${(featureMs / 1000).toFixed(2)} s  (${Math.round(SCORE / (featureMs / 1000)).toLocaleString('en')} objects/s)`);
  console.log(`  baseline predict  ${(baselineMs / 1000).toFixed(2)} s  → total ${((featureMs + baselineMs) / 1000).toFixed(2)} s  (checksum ${sum.toFixed(0)})`);
  if (modelJson) {
    const model = parseGbdt(modelJson);
    t0 = performance.now();
    const out = predictGbdt(model, features, SCORE, FEATURE_COUNT);
    const gbdtMs = performance.now() - t0;
    console.log(`  gbdt predict      ${(gbdtMs / 1000).toFixed(2)} s  → total ${((featureMs + gbdtMs) / 1000).toFixed(2)} s  (${model.trees.length} trees; first forecast ${out[0]!.toFixed(2)})`);
  }
  console.log(`  target: 1,000,000 objects in under 10 s; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}

const hours = DAYS * 24 + LOOKBACK_HOURS;
const axisStart = START - LOOKBACK_HOURS * HOUR_MS;
const synthetic = historiesFrom(
  generateAccesses({ seed: 42, objects: OBJECTS, days: DAYS + LOOKBACK_HOURS / 24, start: axisStart, meanDailyAccesses: OBJECTS * 20 }),
  axisStart,
  hours,
);
const outcome = report('synthetic (seed 42)', `${OBJECTS} objects over ${DAYS} days plus the lookback: steady, daily, flash, one-hit and cooling classes`, synthetic, hours);
if (!args.includes('--no-traces')) await traceWorkloads(hours);
scoringSpeed(synthetic, outcome.kind === 'trained' ? outcome.model : undefined);
