import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TiercastError } from '../../src/domain/errors.js';
import { BYTES_PER_GB, type TierProfile } from '../../src/domain/tier.js';
import { LatencyStats } from '../../src/sim/latency-stats.js';
import { emptyCostParts, totalOf, type CostParts, type PolicyResult, type SimAccess, type SimProfile } from '../../src/sim/model.js';
import { OfflineOptimum, type OptimumMode } from '../../src/sim/optimal.js';
import { Prng } from '../../src/sim/prng.js';
import { chargeAccess, creationCost, moveCost as migrationCost, storageCost } from '../../src/domain/cost-model.js';
import type { TraceOp } from '../../src/sim/trace-record.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const MODES: OptimumMode[] = ['optimal', 'optimal-reactive'];

// ---------------------------------------------------------------------------------------
// Random tiny worlds: profiles with varied fees, objects with a handful of requests.

interface TinyObject {
  sizeBytes: number;
  /** Creation time, then the time of every later request. */
  times: number[];
  /** Op of every later request (times[i + 1]). */
  ops: TraceOp[];
}

interface TinyTrace {
  profile: SimProfile;
  objects: TinyObject[];
  endAt: number;
}

function logUniform(rng: Prng, lo: number, hi: number): number {
  return Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
}

function randomProfile(rng: Prng, tierCount: number): SimProfile {
  const fee = (lo: number, hi: number) => (rng.chance(0.2) ? 0 : logUniform(rng, lo, hi));
  const tiers: TierProfile[] = Array.from({ length: tierCount }, (_, i) => ({
    name: `t${i}`,
    pricing: {
      storageGbMonth: logUniform(rng, 0.001, 0.3),
      getPer1000: fee(1e-4, 0.05),
      putPer1000: fee(1e-4, 0.1),
      retrievalPerGb: fee(1e-3, 0.2),
    },
    latency: { firstByteMs: logUniform(rng, 0.05, 500), perMbMs: fee(0.01, 50) },
    promoteAt: 0,
  }));
  return {
    name: 'random',
    description: 'random fees for tests',
    ingestTier: `t${rng.int(0, tierCount - 1)}`,
    latencyPenaltyPerSecond: rng.chance(0.2) ? 0 : logUniform(rng, 1e-6, 1e-2),
    tiers,
  };
}

function randomGap(rng: Prng): number {
  return rng.chance(0.05) ? 0 : Math.round(logUniform(rng, 1, 200 * DAY_MS));
}

function randomTrace(rng: Prng, options: { tiers: number; objects: number; maxRequests: number }): TinyTrace {
  const profile = randomProfile(rng, options.tiers);
  const objects: TinyObject[] = [];
  let endAt = 0;
  for (let i = 0; i < options.objects; i++) {
    const requests = rng.int(1, options.maxRequests);
    const times = [rng.int(0, DAY_MS)];
    const ops: TraceOp[] = [];
    for (let r = 1; r < requests; r++) {
      times.push(times[r - 1]! + randomGap(rng));
      ops.push(rng.pick(['read', 'read', 'write', 'other'] as const));
    }
    objects.push({ sizeBytes: Math.round(logUniform(rng, 1e3, 1e11)), times, ops });
    endAt = Math.max(endAt, times[times.length - 1]!);
  }
  return { profile, objects, endAt: endAt + (rng.chance(0.1) ? 0 : randomGap(rng)) };
}

/** The trace as the replay hands it over: time order, dense indexes in order of creation. */
function accessesOf(trace: TinyTrace): SimAccess[] {
  const order = trace.objects.map((o, i) => ({ i, at: o.times[0]! })).sort((a, b) => a.at - b.at || a.i - b.i);
  const dense = new Map(order.map((entry, k) => [entry.i, k]));
  const all: (SimAccess & { seq: number })[] = [];
  trace.objects.forEach((o, i) => {
    o.times.forEach((at, r) => {
      all.push({ object: dense.get(i)!, at, sizeBytes: o.sizeBytes, op: r === 0 ? 'write' : o.ops[r - 1]!, created: r === 0, seq: r });
    });
  });
  all.sort((a, b) => a.at - b.at || a.object - b.object || a.seq - b.seq);
  return all.map(({ seq: _seq, ...access }) => access);
}

function runOptimum(trace: TinyTrace, mode: OptimumMode, chooseIngestTier = false): PolicyResult {
  const optimum = new OfflineOptimum(trace.profile, mode, { chooseIngestTier });
  for (const access of accessesOf(trace)) optimum.observe(access);
  return optimum.finish(trace.endAt);
}

// ---------------------------------------------------------------------------------------
// Brute force: every schedule of one object, charged with the the cost model functions.

interface Schedule {
  parts: CostParts;
  migrations: number;
  /** Tier that served each access after creation, in order. */
  servedBy: number[];
}

interface BruteForceResult {
  cost: number;
  /** Every schedule within 1e-9 of the best (rounding can reorder near-ties). */
  nearBest: Schedule[];
}

/**
 * Enumerates, for every gap, the tier held right after the request before it and (for
 * `optimal`) the tier moved to right before the request after it; the tier serving each
 * request is the one the object is in at that moment. `optimal-reactive` holds one tier
 * per gap, chosen at the request before it. After the last request one more tier is
 * chosen until the end.
 */
function bruteForce(profile: SimProfile, object: TinyObject, endAt: number, mode: OptimumMode, chooseIngestTier = false): BruteForceResult {
  const tiers = profile.tiers;
  const ingest = tiers.findIndex((t) => t.name === profile.ingestTier);
  const size = object.sizeBytes;
  const move = (from: number, to: number) => (from === to ? 0 : migrationCost(tiers[from]!, tiers[to]!, size));
  const moved = (from: number, to: number) => (from === to ? 0 : 1);
  const found: { cost: number; schedule: Schedule }[] = [];
  let best = Infinity;
  const record = (parts: CostParts, migrations: number, servedBy: number[]) => {
    const cost = totalOf(parts);
    if (cost <= best * (1 + 1e-9)) found.push({ cost, schedule: { parts: { ...parts }, migrations, servedBy: [...servedBy] } });
    best = Math.min(best, cost);
  };
  const requests = object.times.length;

  const visit = (k: number, tier: number, parts: CostParts, migrations: number, servedBy: number[]) => {
    if (k === requests - 1) {
      for (let rest = 0; rest < tiers.length; rest++) {
        const next = { ...parts };
        next.migrations += move(tier, rest);
        next.storage += storageCost(tiers[rest]!, size, endAt - object.times[k]!);
        record(next, migrations + moved(tier, rest), servedBy);
      }
      return;
    }
    const gap = object.times[k + 1]! - object.times[k]!;
    for (let held = 0; held < tiers.length; held++) {
      const servingChoices = mode === 'optimal' ? tiers.map((_, i) => i) : [held];
      for (const serving of servingChoices) {
        const next = { ...parts };
        next.migrations += move(tier, held) + move(held, serving);
        next.storage += storageCost(tiers[held]!, size, gap);
        chargeAccess(next, tiers[serving]!, size, object.ops[k]!, profile.latencyPenaltyPerSecond);
        servedBy.push(serving);
        visit(k + 1, serving, next, migrations + moved(tier, held) + moved(held, serving), servedBy);
        servedBy.pop();
      }
    }
  };

  const creationTiers = chooseIngestTier ? tiers.map((_, i) => i) : [ingest];
  for (const created of creationTiers) {
    const parts = emptyCostParts();
    parts.requests += creationCost(tiers[created]!);
    visit(0, created, parts, 0, []);
  }
  return { cost: best, nearBest: found.filter((f) => f.cost <= best * (1 + 1e-9)).map((f) => f.schedule) };
}

/** What a path's figures are, for comparing near-tied schedules. */
function figuresKey(object: TinyObject, schedule: Schedule): string {
  const reads = schedule.servedBy.filter((_, i) => object.ops[i] !== 'write').sort();
  const writes = schedule.servedBy.filter((_, i) => object.ops[i] === 'write').sort();
  return JSON.stringify([schedule.migrations, reads, writes]);
}

function closeTo(actual: number, expected: number, relative: number, what: string): void {
  const tolerance = relative * Math.max(Math.abs(expected), Math.abs(actual), 1e-300);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} differs from ${expected} by more than ${relative} relative`);
}

// ---------------------------------------------------------------------------------------
// Costs of other schedules, charged in the test from the cost model.

/** Everything kept in one tier from creation (written to the ingest tier and moved at once, or written there directly). */
function staticCost(trace: TinyTrace, tier: number, writtenDirectly: boolean): number {
  const tiers = trace.profile.tiers;
  const ingest = tiers.findIndex((t) => t.name === trace.profile.ingestTier);
  const parts = emptyCostParts();
  for (const o of trace.objects) {
    const created = writtenDirectly ? tier : ingest;
    parts.requests += creationCost(tiers[created]!);
    if (created !== tier) parts.migrations += migrationCost(tiers[created]!, tiers[tier]!, o.sizeBytes);
    parts.storage += storageCost(tiers[tier]!, o.sizeBytes, trace.endAt - o.times[0]!);
    o.ops.forEach((op) => chargeAccess(parts, tiers[tier]!, o.sizeBytes, op, trace.profile.latencyPenaltyPerSecond));
  }
  return totalOf(parts);
}

/**
 * A random feasible schedule: in `anytime` mode up to three moves at random instants inside
 * every gap (so also several tiers per gap, and moves just before a request); otherwise a
 * random move only right after each request.
 */
function randomScheduleCost(trace: TinyTrace, rng: Prng, anytime: boolean): number {
  const tiers = trace.profile.tiers;
  const ingest = tiers.findIndex((t) => t.name === trace.profile.ingestTier);
  const parts = emptyCostParts();
  for (const o of trace.objects) {
    let tier = ingest;
    parts.requests += creationCost(tiers[ingest]!);
    const stops = [...o.times, trace.endAt];
    for (let k = 0; k + 1 < stops.length; k++) {
      const start = stops[k]!;
      const end = stops[k + 1]!;
      const moveTimes = anytime ? Array.from({ length: rng.int(0, 3) }, () => rng.uniform(start, end)).sort((a, b) => a - b) : rng.chance(0.5) ? [start] : [];
      let at = start;
      for (const moveAt of moveTimes) {
        parts.storage += storageCost(tiers[tier]!, o.sizeBytes, moveAt - at);
        const next = rng.int(0, tiers.length - 1);
        if (next !== tier) parts.migrations += migrationCost(tiers[tier]!, tiers[next]!, o.sizeBytes);
        tier = next;
        at = moveAt;
      }
      parts.storage += storageCost(tiers[tier]!, o.sizeBytes, end - at);
      if (k < o.ops.length) chargeAccess(parts, tiers[tier]!, o.sizeBytes, o.ops[k]!, trace.profile.latencyPenaltyPerSecond);
    }
  }
  return totalOf(parts);
}

// ---------------------------------------------------------------------------------------

describe('offline optimum', () => {
  for (const mode of MODES) {
    it(`${mode} equals a brute-force enumeration of every schedule on 400 random tiny traces`, () => {
      const rng = new Prng(4, mode === 'optimal' ? 1 : 2);
      let withMoves = 0;
      for (let n = 0; n < 400; n++) {
        const trace = randomTrace(rng, { tiers: rng.int(2, 3), objects: rng.int(1, 3), maxRequests: 6 });
        const expected = trace.objects.reduce((sum, o) => sum + bruteForce(trace.profile, o, trace.endAt, mode).cost, 0);
        const result = runOptimum(trace, mode);
        closeTo(result.totalCostUsd, expected, 1e-12, `trace ${n} total`);
        if (result.migrations > 0) withMoves++;
      }
      // The traces must exercise moving, or the comparison says little.
      assert.ok(withMoves > 100, `only ${withMoves} of 400 optimal schedules moved an object`);
    });
  }

  it('with chooseIngestTier, equals a brute force that may write each object into any tier', () => {
    const rng = new Prng(5);
    for (let n = 0; n < 200; n++) {
      const trace = randomTrace(rng, { tiers: rng.int(2, 3), objects: rng.int(1, 3), maxRequests: 5 });
      for (const mode of MODES) {
        const expected = trace.objects.reduce((sum, o) => sum + bruteForce(trace.profile, o, trace.endAt, mode, true).cost, 0);
        closeTo(runOptimum(trace, mode, true).totalCostUsd, expected, 1e-12, `trace ${n} ${mode}`);
      }
    }
  });

  it('reports the figures of the brute-force best path: cost parts, accesses, migrations, bytes moved, fastest share, latency', () => {
    const rng = new Prng(6);
    let compared = 0;
    const traces = 300;
    for (let n = 0; n < traces; n++) {
      const trace = randomTrace(rng, { tiers: rng.int(2, 3), objects: rng.int(1, 3), maxRequests: 6 });
      for (const mode of MODES) {
        const parts = emptyCostParts();
        const latency = new LatencyStats();
        let migrations = 0;
        let bytesMoved = 0;
        let fastest = 0;
        let accesses = 0;
        let determined = true;
        for (const o of trace.objects) {
          const { nearBest } = bruteForce(trace.profile, o, trace.endAt, mode);
          const path = nearBest.reduce((a, b) => (totalOf(b.parts) < totalOf(a.parts) ? b : a));
          // Schedules tied within 1e-9 may differ in their figures: then the trace says nothing.
          const samePath = nearBest.every(
            (s) => figuresKey(o, s) === figuresKey(o, path) && (Object.keys(parts) as (keyof CostParts)[]).every((k) => Math.abs(s.parts[k] - path.parts[k]) <= 1e-13 * totalOf(path.parts)),
          );
          if (!samePath) determined = false;
          for (const k of Object.keys(parts) as (keyof CostParts)[]) parts[k] += path.parts[k];
          migrations += path.migrations;
          bytesMoved += path.migrations * o.sizeBytes;
          path.servedBy.forEach((tier, i) => {
            const scratch = emptyCostParts();
            latency.add(chargeAccess(scratch, trace.profile.tiers[tier]!, o.sizeBytes, o.ops[i]!, trace.profile.latencyPenaltyPerSecond));
            if (tier === 0) fastest++;
            accesses++;
          });
        }
        if (!determined) continue;
        compared++;
        const result = runOptimum(trace, mode);
        const total = totalOf(parts);
        for (const k of Object.keys(parts) as (keyof CostParts)[]) {
          assert.ok(Math.abs(result.costs[k] - parts[k]) <= 1e-12 * total, `trace ${n} ${mode} ${k}: ${result.costs[k]} vs ${parts[k]}`);
        }
        assert.equal(result.accesses, accesses);
        assert.equal(result.migrations, migrations, `trace ${n} ${mode} migrations`);
        assert.equal(result.bytesMoved, bytesMoved);
        assert.equal(result.fastestTierShare, accesses === 0 ? 0 : fastest / accesses);
        closeTo(result.meanLatencyMs, latency.mean(), 1e-12, `trace ${n} ${mode} mean latency`);
        assert.equal(result.p99LatencyMs, latency.quantile(0.99));
        assert.equal(result.name, mode);
        assert.equal(result.regret, null);
        assert.deepEqual(result.timeline, []);
      }
    }
    assert.ok(compared > traces, `only ${compared} of ${2 * traces} results had a single best path`);
  });

  it('keeps growing per-object state correct over thousands of objects', () => {
    const rng = new Prng(7);
    const trace = randomTrace(rng, { tiers: 3, objects: 3000, maxRequests: 3 });
    for (const mode of MODES) {
      const expected = trace.objects.reduce((sum, o) => sum + bruteForce(trace.profile, o, trace.endAt, mode).cost, 0);
      closeTo(runOptimum(trace, mode).totalCostUsd, expected, 1e-12, mode);
    }
  });

  it('costs no more than optimal-reactive, which costs no more than any static placement or random schedule', () => {
    const rng = new Prng(8);
    let forecastingPays = 0;
    let movingPays = 0;
    for (let n = 0; n < 60; n++) {
      const trace = randomTrace(rng, { tiers: rng.int(2, 4), objects: rng.int(5, 40), maxRequests: 40 });
      const optimal = runOptimum(trace, 'optimal').totalCostUsd;
      const reactive = runOptimum(trace, 'optimal-reactive').totalCostUsd;
      const bound = (x: number) => x * (1 + 1e-12);
      assert.ok(optimal <= bound(reactive), `trace ${n}: optimal ${optimal} > optimal-reactive ${reactive}`);
      if (optimal < reactive * (1 - 1e-9)) forecastingPays++;
      let cheapestStatic = Infinity;
      trace.profile.tiers.forEach((tier, i) => {
        const cost = staticCost(trace, i, false);
        cheapestStatic = Math.min(cheapestStatic, cost);
        assert.ok(reactive <= bound(cost), `trace ${n}: optimal-reactive ${reactive} > static-${tier.name} ${cost}`);
      });
      if (reactive < cheapestStatic * (1 - 1e-9)) movingPays++;
      for (let k = 0; k < 20; k++) {
        const anytime = randomScheduleCost(trace, rng, true);
        assert.ok(optimal <= bound(anytime), `trace ${n}: optimal ${optimal} > a random schedule ${anytime}`);
        const atRequests = randomScheduleCost(trace, rng, false);
        assert.ok(reactive <= bound(atRequests), `trace ${n}: optimal-reactive ${reactive} > a random reactive schedule ${atRequests}`);
      }
      // Written straight into their tier, static placements skip the first move; so may the optimum then.
      const direct = Math.min(...trace.profile.tiers.map((_, i) => staticCost(trace, i, true)));
      assert.ok(runOptimum(trace, 'optimal-reactive', true).totalCostUsd <= bound(direct));
    }
    assert.ok(forecastingPays > 10 && movingPays > 10, `orderings must be strict often: ${forecastingPays}, ${movingPays}`);
  });

  it('promotes before a burst and demotes after it, worked by hand', () => {
    // Two tiers, one object of exactly 1 GiB, written to `cold` at t = 0, idle for 30 days,
    // read 1,000 times in the next hour (every 3.6 s from t = 720 h), then idle for 60 days.
    //   fast: $0.10/GB-month, GET $0.001 and PUT $0.001 per 1,000, no retrieval fee, 1 ms
    //   cold: $0.01/GB-month, GET $0.01 and PUT $0.01 per 1,000, $0.02/GB retrieval, 100 ms
    //   latency penalty $0.0001 per second waited
    // One read from cold: GET 0.00001 + retrieval 0.02 + penalty 0.1 s × 0.0001 = 0.00001
    //   → $0.02002. From fast: GET 0.000001 + penalty 0.001 s × 0.0001 → $0.0000011.
    // A move cold → fast: GET 0.00001 + retrieval 0.02 + PUT 0.000001 = $0.020011;
    //   fast → cold: GET 0.000001 + PUT 0.00001 = $0.000011.
    // Storage per hour (1 GB, month = 730 h): fast 0.1/730, cold 0.01/730.
    //
    // optimal: cold for 720 h, promote just before the first read, all 1,000 reads from fast,
    // fast for the 999 × 3.6 s = 3,596.4 s of the burst, demote right after the last read,
    // cold for the remaining 3.6 s + 60 days:
    //   creation 0.00001 + reads 1000 × 0.0000011 = 0.0011 + moves 0.020011 + 0.000011
    //   + storage (720 × 0.01 + 0.999 × 0.1 + 1440.001 × 0.01) / 730.
    // Not promoting costs 1,000 cold reads ≈ $20; staying in fast for 60 days costs ≈ $0.197
    // of storage against the $0.000011 demotion and ≈ $0.0197 in cold: both lose.
    // optimal-reactive cannot move just before the first read. It either serves that read
    // from cold and promotes right after it (one cold read instead of one fast read:
    // + 0.02002 - 0.0000011), or promotes at creation and pays fast instead of cold storage
    // for 30 days (+ 720 × 0.09 / 730 ≈ 0.0888): the first is cheaper.
    // (With only one idle day before the burst, promoting at creation would win: + 0.00296.)
    const profile: SimProfile = {
      name: 'hand',
      description: 'worked example',
      ingestTier: 'cold',
      latencyPenaltyPerSecond: 0.0001,
      tiers: [
        { name: 'fast', pricing: { storageGbMonth: 0.1, getPer1000: 0.001, putPer1000: 0.001, retrievalPerGb: 0 }, latency: { firstByteMs: 1, perMbMs: 0 }, promoteAt: 0 },
        { name: 'cold', pricing: { storageGbMonth: 0.01, getPer1000: 0.01, putPer1000: 0.01, retrievalPerGb: 0.02 }, latency: { firstByteMs: 100, perMbMs: 0 }, promoteAt: 0 },
      ],
    };
    const burstAt = 30 * DAY_MS;
    const endAt = burstAt + HOUR_MS + 60 * DAY_MS;
    const feed = (optimum: OfflineOptimum) => {
      optimum.observe({ object: 0, at: 0, sizeBytes: BYTES_PER_GB, op: 'write', created: true });
      for (let i = 0; i < 1000; i++) optimum.observe({ object: 0, at: burstAt + i * 3_600, sizeBytes: BYTES_PER_GB, op: 'read', created: false });
      return optimum.finish(endAt);
    };

    const optimal = feed(new OfflineOptimum(profile, 'optimal'));
    const storage = (720 * 0.01 + 0.999 * 0.1 + 1440.001 * 0.01) / 730;
    closeTo(optimal.costs.storage, storage, 1e-12, 'storage');
    closeTo(optimal.costs.requests, 0.00001 + 1000 * 0.000001, 1e-12, 'requests');
    assert.equal(optimal.costs.retrieval, 0);
    closeTo(optimal.costs.migrations, 0.020011 + 0.000011, 1e-12, 'migrations');
    closeTo(optimal.costs.latencyPenalty, 1000 * 0.0000001, 1e-12, 'latency penalty');
    closeTo(optimal.totalCostUsd, 0.00001 + 0.0011 + 0.020022 + storage, 1e-12, 'total');
    assert.equal(optimal.migrations, 2);
    assert.equal(optimal.bytesMoved, 2 * BYTES_PER_GB);
    assert.equal(optimal.accesses, 1000);
    assert.equal(optimal.fastestTierShare, 1);
    assert.equal(optimal.meanLatencyMs, 1);
    assert.equal(optimal.p99LatencyMs, 1);

    const reactive = feed(new OfflineOptimum(profile, 'optimal-reactive'));
    closeTo(reactive.totalCostUsd, optimal.totalCostUsd + 0.02002 - 0.0000011, 1e-12, 'reactive total');
    assert.equal(reactive.migrations, 2);
    assert.equal(reactive.fastestTierShare, 0.999);
    closeTo(reactive.meanLatencyMs, (100 + 999 * 1) / 1000, 1e-12, 'reactive mean latency');
    // LatencyStats reports percentiles to within its 1% bucket.
    assert.ok(reactive.p99LatencyMs >= 1 && reactive.p99LatencyMs <= 1.01, `p99 ${reactive.p99LatencyMs}`);
  });

  it('may be finished more than once and go on observing in between', () => {
    const rng = new Prng(9);
    const trace = randomTrace(rng, { tiers: 3, objects: 20, maxRequests: 10 });
    const accesses = accessesOf(trace);
    const half = Math.floor(accesses.length / 2);
    const optimum = new OfflineOptimum(trace.profile, 'optimal');
    accesses.slice(0, half).forEach((a) => optimum.observe(a));
    const early = optimum.finish(accesses[half - 1]!.at);
    const again = optimum.finish(accesses[half - 1]!.at);
    assert.deepEqual(again, early);
    accesses.slice(half).forEach((a) => optimum.observe(a));
    assert.equal(optimum.finish(trace.endAt).totalCostUsd, runOptimum(trace, 'optimal').totalCostUsd);
  });

  it('breaks an exact tie toward fewer migrations', () => {
    // Two tiers with identical fees: moving can never save anything, so nothing moves.
    const same = { storageGbMonth: 0.02, getPer1000: 0.001, putPer1000: 0.002, retrievalPerGb: 0.01 };
    const profile: SimProfile = {
      name: 'twins',
      description: 'identical tiers',
      ingestTier: 'b',
      latencyPenaltyPerSecond: 0.001,
      tiers: [
        { name: 'a', pricing: { ...same }, latency: { firstByteMs: 5, perMbMs: 1 }, promoteAt: 0 },
        { name: 'b', pricing: { ...same }, latency: { firstByteMs: 5, perMbMs: 1 }, promoteAt: 0 },
      ],
    };
    for (const mode of MODES) {
      const optimum = new OfflineOptimum(profile, mode);
      optimum.observe({ object: 0, at: 0, sizeBytes: 1e6, op: 'write', created: true });
      optimum.observe({ object: 0, at: 10, sizeBytes: 1e6, op: 'read', created: false });
      optimum.observe({ object: 0, at: 10, sizeBytes: 1e6, op: 'read', created: false });
      const result = optimum.finish(1000);
      assert.equal(result.migrations, 0);
      assert.equal(result.fastestTierShare, 0, 'served where it was written');
    }
  });

  it('refuses requests out of time order, before creation, or a second creation, with what to do', () => {
    const profile = randomProfile(new Prng(10), 2);
    const optimum = new OfflineOptimum(profile, 'optimal');
    optimum.observe({ object: 0, at: 100, sizeBytes: 10, op: 'write', created: true });
    const expectError = (fn: () => void, pattern: RegExp) =>
      assert.throws(fn, (error: unknown) => error instanceof TiercastError && error.code === 'invalid_input' && pattern.test(error.message) && error.hint !== undefined);
    expectError(() => optimum.observe({ object: 0, at: 99, sizeBytes: 10, op: 'read', created: false }), /object 0 is requested at 99 ms, before its previous request at 100 ms/);
    expectError(() => optimum.observe({ object: 1, at: 200, sizeBytes: 10, op: 'read', created: false }), /object 1 .* before it was created/);
    expectError(() => optimum.observe({ object: 5000, at: 200, sizeBytes: 10, op: 'read', created: false }), /object 5000 .* before it was created/);
    expectError(() => optimum.observe({ object: 0, at: 200, sizeBytes: 10, op: 'write', created: true }), /created twice/);
    expectError(() => optimum.finish(50), /ends at 50 ms, before object 0's last request/);
    assert.throws(() => new OfflineOptimum({ ...profile, ingestTier: 'nowhere' }, 'optimal'), /nowhere/);
  });
});
