/**
 * The replay engine: what it does with time (scaling, chart samples), with objects (the
 * first request creates, the first size sticks), with the policy list (order, regret), and
 * the properties every result must have on every shared real trace and on a synthetic one.
 */
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { CostParts, PolicyResult, SimProfile } from '../../src/sim/model.js';
import { policyNames, resolvePolicies } from '../../src/sim/policy-set.js';
import { loadProfile } from '../../src/sim/profiles.js';
import { inTimeOrderBatches, readTraceBatches } from '../../src/sim/readers/index.js';
import { replay, type ReplayOptions } from '../../src/sim/replay.js';
import type { SimulationResult } from '../../src/sim/report/simulation-result.js';
import { generateAccesses } from '../../src/sim/synthetic.js';
import type { TraceOp, TraceRecord } from '../../src/sim/trace-record.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const MONTH_MS = 730 * HOUR;
const T0 = Date.UTC(2026, 0, 5);
const SEED = loadProfile('seed');
const PROFILES = [SEED, loadProfile('hybrid-cloud')];

const TRACES = new URL('../../../shared/traces/', import.meta.url);

function record(at: number, objectId: string, sizeBytes: number, op: TraceOp = 'read'): TraceRecord {
  return { at, objectId, sizeBytes, op };
}

async function* inBatches(records: readonly TraceRecord[], size = 4096): AsyncGenerator<TraceRecord[]> {
  for (let i = 0; i < records.length; i += size) yield records.slice(i, i + size);
}

async function run(records: readonly TraceRecord[], policies: string, options: Partial<ReplayOptions> = {}): Promise<SimulationResult> {
  const profile = options.profile ?? SEED;
  return replay(
    inBatches(records),
    { trace: 'test', format: 'csv', skippedBadRecords: () => 0, sortedInMemory: () => false },
    { timeScale: 1, ...options, profile, policies: resolvePolicies(policies, profile.tiers.map((t) => t.name)) },
  );
}

function byName(result: SimulationResult, name: string): PolicyResult {
  const found = result.policies.find((p) => p.name === name);
  assert.ok(found, `no ${name} in the result`);
  return found;
}

function close(actual: number, expected: number, what: string, relative = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= Math.max(Math.abs(expected) * relative, 1e-15), `${what}: got ${actual}, expected ${expected}`);
}

const sum = (parts: CostParts) => parts.storage + parts.requests + parts.retrieval + parts.migrations + parts.latencyPenalty;

/**
 * What keeping every object in `tier` costs, worked record by record: the first request of
 * an object writes it (one PUT), every later one is a read or a write of the object's
 * first size, storage runs from creation to the last request of the trace.
 */
function staticBill(profile: SimProfile, tier: number, records: readonly TraceRecord[], timeScale = 1): CostParts {
  const t = profile.tiers[tier]!;
  const parts: CostParts = { storage: 0, requests: 0, retrieval: 0, migrations: 0, latencyPenalty: 0 };
  const first = new Map<string, { at: number; size: number }>();
  const start = records[0]?.at ?? 0;
  const scaled = (at: number) => start + (at - start) * timeScale;
  let end = -Infinity;
  for (const r of records) {
    end = Math.max(end, scaled(r.at));
    const known = first.get(r.objectId);
    if (!known) {
      first.set(r.objectId, { at: scaled(r.at), size: r.sizeBytes });
      parts.requests += t.pricing.putPer1000 / 1000;
      continue;
    }
    const latencyMs = r.op === 'write' ? t.latency.firstByteMs : t.latency.firstByteMs + (t.latency.perMbMs * known.size) / MiB;
    parts.latencyPenalty += (latencyMs * profile.latencyPenaltyPerSecond) / 1000;
    if (r.op === 'write') parts.requests += t.pricing.putPer1000 / 1000;
    else {
      parts.requests += t.pricing.getPer1000 / 1000;
      parts.retrieval += (t.pricing.retrievalPerGb * known.size) / GiB;
    }
  }
  // A tier with a minimum billable size bills small objects as that size.
  for (const { at, size } of first.values()) parts.storage += (t.pricing.storageGbMonth * (Math.max(size, t.pricing.minBillableBytes ?? 0) / GiB) * (end - at)) / MONTH_MS;
  return parts;
}

function assertParts(actual: CostParts, expected: CostParts, what: string, relative = 1e-9): void {
  for (const part of Object.keys(expected) as Array<keyof CostParts>) close(actual[part], expected[part], `${what} ${part}`, relative);
}

describe('replay: objects, policies and regret', () => {
  it('returns the policies in the order asked, adds optimal, and divides every total by optimal’s for the regret', async () => {
    const records = [record(T0, 'a', MiB), record(T0 + HOUR, 'a', MiB), record(T0 + 2 * HOUR, 'b', 4 * MiB), record(T0 + 30 * DAY, 'a', MiB)];
    const result = await run(records, 'static-public,seed-thresholds,static-onprem');
    assert.deepEqual(
      result.policies.map((p) => p.name),
      ['static-public', 'seed-thresholds', 'static-onprem', 'optimal'],
    );
    const optimal = byName(result, 'optimal');
    assert.ok(optimal.totalCostUsd > 0);
    for (const p of result.policies) assert.equal(p.regret, p.totalCostUsd / optimal.totalCostUsd, p.name);
    assert.equal(optimal.regret, 1);
    assert.equal(result.requests, 4);
    assert.equal(result.objects, 2);
    assert.equal(result.spanSeconds, (30 * DAY) / 1000);
  });

  it('an object keeps the size of its first request: later (range) requests of other sizes are charged for that size', async () => {
    const records = [record(T0, 'a', 64 * MiB), record(T0 + HOUR, 'a', 1000), record(T0 + 2 * HOUR, 'a', 10 * GiB, 'write'), record(T0 + 3 * HOUR, 'a', 1)];
    const result = await run(records, 'static-public,static-private');
    for (const tier of [1, 2]) {
      const name = `static-${SEED.tiers[tier]!.name}`;
      assertParts(byName(result, name).costs, staticBill(SEED, tier, records), name);
    }
    // 64 MiB read twice from public: the egress of 128 MiB, not of 1001 bytes.
    close(byName(result, 'static-public').costs.retrieval, 0.09 * (128 / 1024), 'egress');
  });

  it('several requests at the same millisecond and an object seen once are fine', async () => {
    const records = [record(T0, 'a', MiB), record(T0, 'a', MiB), record(T0, 'b', MiB), record(T0, 'a', MiB, 'write')];
    const result = await run(records, 'all');
    assert.equal(result.spanSeconds, 0);
    for (const p of result.policies) {
      assert.equal(p.accesses, 2, p.name);
      assert.ok(Number.isFinite(p.totalCostUsd) && p.totalCostUsd >= 0, p.name);
    }
  });

  it('reports progress every 65,536 requests with the requests and objects so far', async () => {
    const records = Array.from({ length: 140_000 }, (_, i) => record(T0 + i, `o${i % 1000}`, 4096));
    const seen: Array<{ requests: number; objects: number }> = [];
    await run(records, 'static-onprem', { onProgress: (p) => seen.push({ ...p }) });
    assert.deepEqual(seen, [
      { requests: 65_536, objects: 1000 },
      { requests: 131_072, objects: 1000 },
    ]);
  });
});

describe('replay: --time-scale', () => {
  const records = [
    record(T0, 'a', 8 * MiB),
    record(T0 + 10 * MINUTE, 'a', 8 * MiB),
    record(T0 + 20 * MINUTE, 'b', MiB),
    record(T0 + HOUR, 'b', MiB, 'write'),
    record(T0 + 2 * HOUR, 'a', 8 * MiB),
  ];

  for (const k of [24, 0.5]) {
    it(`K = ${k}: the span is K times as long, storage costs K times as much, request fees stay`, async () => {
      const plain = await run(records, 'static-onprem,static-public');
      const scaled = await run(records, 'static-onprem,static-public', { timeScale: k });
      assert.equal(scaled.timeScale, k);
      assert.equal(scaled.spanSeconds, plain.spanSeconds * k);
      assert.equal(scaled.startedAt, T0, 'time is stretched around the first request');
      for (const name of ['static-onprem', 'static-public']) {
        const [a, b] = [byName(plain, name).costs, byName(scaled, name).costs];
        close(b.storage, a.storage * k, `${name} storage`, 1e-12);
        assert.equal(b.requests, a.requests, `${name} requests`);
        assert.equal(b.retrieval, a.retrieval, `${name} retrieval`);
        assert.equal(b.latencyPenalty, a.latencyPenalty, `${name} latency`);
        assertParts(b, staticBill(SEED, name === 'static-onprem' ? 0 : 2, records, k), name, 1e-12);
      }
    });
  }

  it('stretching turns a 2-hour burst into two days: idle demotion that never fired now fires', async () => {
    // fabricpool-auto demotes after 31 idle days: 1.5 hours idle × 600 = 37.5 days.
    const burst = [record(T0, 'a', MiB), record(T0 + 30 * MINUTE, 'a', MiB), record(T0 + 2 * HOUR, 'b', MiB)];
    assert.equal(byName(await run(burst, 'fabricpool-auto'), 'fabricpool-auto').migrations, 0);
    assert.equal(byName(await run(burst, 'fabricpool-auto', { timeScale: 600 }), 'fabricpool-auto').migrations, 1);
  });
});

describe('replay: chart samples', () => {
  // One read an hour for two days: far sparser than the one-minute first sample step.
  const size = GiB;
  const reads = Array.from({ length: 47 }, (_, i) => T0 + (i + 1) * HOUR);
  const records = [record(T0, 'a', size), ...reads.map((at) => record(at, 'a', size))];
  const endAt = reads.at(-1)!;
  const samplePoints = 200;

  /**
   * static-public's bill for what happened before `at`: a sample is taken before the
   * requests at its instant, except the last one, taken when the replay is over.
   */
  function costBefore(at: number, last: boolean): number {
    if (at <= T0) return 0;
    const t = SEED.tiers[2]!;
    const done = reads.filter((r) => r < at || (last && r === at)).length;
    const read = t.pricing.getPer1000 / 1000 + t.pricing.retrievalPerGb + ((t.latency.firstByteMs + t.latency.perMbMs * 1024) * SEED.latencyPenaltyPerSecond) / 1000;
    return t.pricing.putPer1000 / 1000 + (t.pricing.storageGbMonth * (at - T0)) / MONTH_MS + done * read;
  }

  let timeline: PolicyResult['timeline'];
  before(async () => {
    timeline = byName(await run(records, 'static-public', { samplePoints }), 'static-public').timeline;
  });

  it('cover the whole span, in time order, from the first request to the last', () => {
    assert.equal(timeline[0]!.at, T0);
    assert.equal(timeline.at(-1)!.at, endAt);
    for (let i = 1; i < timeline.length; i++) assert.ok(timeline[i]!.at > timeline[i - 1]!.at, `sample ${i} is after sample ${i - 1}`);
    assert.ok(timeline.length >= samplePoints && timeline.length <= 2 * samplePoints, `${timeline.length} samples`);
    const longestGap = Math.max(...timeline.slice(1).map((p, i) => p.at - timeline[i]!.at));
    assert.ok(longestGap <= (2 * (endAt - T0)) / samplePoints, `a gap of ${longestGap / MINUTE} minutes`);
  });

  it('date each cost correctly: the cumulative cost at a sample is the bill up to that instant', () => {
    timeline.forEach((point, i) => close(point.cumulativeCostUsd, costBefore(point.at, i === timeline.length - 1), `cumulative cost at +${(point.at - T0) / MINUTE} min`));
    for (const point of timeline.slice(1)) assert.deepEqual(point.bytesPerTier, [0, 0, size]);
  });
});

// ---------------------------------------------------------------------------------------
// Properties every result has, on every shared trace and a synthetic one.

/** The trace files simulate reads; the other two files in ../shared/traces are not traces it can read (ids only; space-separated). */
const READABLE = [
  'cloudphysics-io/cloudPhysicsIO.csv',
  'cloudphysics-io/cloudPhysicsIO.oracleGeneral.bin',
  'cloudphysics-io/cloudPhysicsIO.vscsi',
  'elastic-apache-semicomplete/apache_logs',
  'meta-cachelib-samples/meta_cdn_bigcache.csv',
  'meta-cachelib-samples/meta_cdn_short_bigcache_traces.csv',
  'meta-cachelib-samples/meta_kv_traces_1.csv',
  'meta-cachelib-samples/meta_kv_traces_2.csv',
  'meta-cachelib-samples/meta_tectonic_block_traces_1.csv',
  'meta-cachelib-samples/meta_tectonic_block_traces_2.csv',
  'meta-cachelib-samples/twitter_sample.csv',
  'msr-systor-samples/msr-cambridge1-sample.csv',
  'msr-systor-samples/systor17-additional-sample.csv',
  'msr-systor-samples/systor17-traces-sample.csv',
  'tencent-cbs-sample/cloud_storage-sample.csv',
];
const NOT_TRACES = ['cloudphysics-io/cloudPhysicsIO.txt', 'tencent-photo-sample/cloud_photos-sample.txt'];

async function readSorted(path: string): Promise<TraceRecord[]> {
  const records: TraceRecord[] = [];
  const batches = readTraceBatches(path, { skipBad: true });
  for await (const batch of inTimeOrderBatches(batches, { maxBuffered: 10_000_000, path })) records.push(...batch);
  return records;
}

function syntheticRecords(): TraceRecord[] {
  const records: TraceRecord[] = [];
  for (const a of generateAccesses({ seed: 7, objects: 1500, days: 10, start: T0 })) {
    for (let i = 0; i < a.count; i++) records.push({ at: a.at, objectId: a.objectId, sizeBytes: a.sizeBytes, op: 'read' });
  }
  return records;
}

/** Stretches a short trace to about a day, so that the policies' day-scale rules get to act. */
function dayScale(records: readonly TraceRecord[]): number {
  const span = records.length > 1 ? records.at(-1)!.at - records[0]!.at : 0;
  return span > 0 && span < DAY ? Math.round(DAY / span) : 1;
}

function assertInvariants(result: SimulationResult, records: readonly TraceRecord[], timeScale: number, what: string): void {
  const optimal = byName(result, 'optimal');
  const optimalReactive = byName(result, 'optimal-reactive');
  assert.equal(result.policies.length, policyNames(result.profile.tiers.map((t) => t.name)).length, `${what}: every policy ran`);
  assert.ok(optimal.totalCostUsd > 0, `${what}: optimal costs something`);
  assert.ok(optimal.totalCostUsd <= optimalReactive.totalCostUsd * (1 + 1e-9), `${what}: optimal ${optimal.totalCostUsd} > optimal-reactive ${optimalReactive.totalCostUsd}`);
  for (const p of result.policies) {
    const name = `${what}: ${p.name}`;
    assert.ok(p.totalCostUsd >= optimal.totalCostUsd * (1 - 1e-9), `${name} costs ${p.totalCostUsd}, less than optimal ${optimal.totalCostUsd}`);
    assert.ok(p.regret !== null && p.regret >= 1 - 1e-9, `${name}: regret ${p.regret}`);
    close(sum(p.costs), p.totalCostUsd, `${name}: parts sum to the total`, 1e-12);
    for (const part of Object.values(p.costs)) assert.ok(part >= 0, `${name}: a negative cost part`);
    assert.equal(p.accesses, result.requests - result.objects, `${name}: accesses = requests - objects`);
    assert.ok(p.fastestTierShare >= 0 && p.fastestTierShare <= 1, name);
    assert.ok(p.meanLatencyMs > 0 && p.p99LatencyMs > 0 || p.accesses === 0, `${name}: latencies`);
  }
  result.profile.tiers.forEach((tier, index) => {
    const name = `static-${tier.name}`;
    assertParts(byName(result, name).costs, staticBill(result.profile, index, records, timeScale), `${what}: ${name}`, 1e-8);
  });
}

describe('replay: invariants on every shared trace and a synthetic one, both built-in profiles', () => {
  it('the folder holds the traces this test knows, and no other', () => {
    const folder = fileURLToPath(TRACES);
    const files = readdirSync(folder)
      .filter((d) => statSync(join(folder, d)).isDirectory())
      .flatMap((d) => readdirSync(join(folder, d)).map((f) => `${d}/${f}`))
      .filter((f) => !f.endsWith('.md'));
    assert.deepEqual(files.sort(), [...READABLE, ...NOT_TRACES].sort());
  });

  const cases: Array<{ name: string; load: () => Promise<TraceRecord[]> }> = [
    ...READABLE.map((file) => ({ name: file, load: () => readSorted(fileURLToPath(new URL(file, TRACES))) })),
    { name: 'synthetic (seed 7, 1,500 objects, 10 days)', load: async () => syntheticRecords() },
  ];
  for (const c of cases) {
    it(`${c.name}: nothing beats optimal, optimal ≤ optimal-reactive, regret ≥ 1, parts add up, accesses = requests − objects, static bills match`, async () => {
      const records = await c.load();
      assert.ok(records.length > 0);
      const timeScale = dayScale(records);
      for (const profile of PROFILES) {
        const result = await run(records, 'all', { profile, timeScale });
        assert.equal(result.requests, records.length);
        assert.equal(result.objects, new Set(records.map((r) => r.objectId)).size);
        assertInvariants(result, records, timeScale, `${c.name} (${profile.name}, ×${timeScale})`);
      }
    });
  }
});
