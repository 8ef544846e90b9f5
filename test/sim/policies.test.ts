/**
 * Each online policy of the simulator on tiny hand-made traces. Every expected bill is
 * worked out here from the profile's prices (the cost model written out by hand: storage
 * per GB-month of 730 hours, a PUT to create, GET + retrieval per read, PUT per write,
 * latency × penalty, a move reads out of the source and PUTs into the destination), from
 * the schedule of moves the rule should make. A policy that moves at the wrong request,
 * at the wrong idle time or into the wrong tier gets a different bill.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServicePolicySettings } from '../../src/sim/policies/service-settings.js';
import { resolvePolicies } from '../../src/sim/policy-set.js';
import { loadProfile } from '../../src/sim/profiles.js';
import { replay } from '../../src/sim/replay.js';
import type { CostParts, PolicyResult, SimProfile, TimelinePoint } from '../../src/sim/model.js';
import type { SimulationResult } from '../../src/sim/report/simulation-result.js';
import type { TraceOp, TraceRecord } from '../../src/sim/trace-record.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
/** The cost model's month: 730 hours. */
const MONTH_MS = 730 * HOUR;
/** A Monday, 00:00 UTC: every hand-made trace starts here. */
const T0 = Date.UTC(2026, 0, 5);

const SEED = loadProfile('seed');
const HYBRID_CLOUD = loadProfile('hybrid-cloud');
const [ONPREM, PRIVATE, PUBLIC] = [0, 1, 2];

// ---------------------------------------------------------------------------------------
// Replaying a hand-made trace.

function record(at: number, objectId: string, sizeBytes: number, op: TraceOp = 'read'): TraceRecord {
  return { at, objectId, sizeBytes, op };
}

async function run(
  records: TraceRecord[],
  policies: string[],
  options: { profile?: SimProfile; settings?: ServicePolicySettings; samplePoints?: number } = {},
): Promise<SimulationResult> {
  const profile = options.profile ?? SEED;
  const sorted = [...records].sort((a, b) => a.at - b.at);
  async function* batches(): AsyncGenerator<TraceRecord[]> {
    // Two batches, to cross a batch boundary as a file replay does.
    const half = Math.floor(sorted.length / 2);
    yield sorted.slice(0, half);
    yield sorted.slice(half);
  }
  return replay(
    batches(),
    { trace: 'hand-made', format: 'csv', skippedBadRecords: () => 0, sortedInMemory: () => false },
    {
      profile,
      policies: resolvePolicies(policies.join(','), profile.tiers.map((t) => t.name)),
      timeScale: 1,
      settings: options.settings,
      samplePoints: options.samplePoints,
    },
  );
}

function policy(result: SimulationResult, name: string): PolicyResult {
  const found = result.policies.find((p) => p.name === name);
  assert.ok(found, `no result for ${name}`);
  return found;
}

// ---------------------------------------------------------------------------------------
// The bill of a known schedule, by hand.

interface Move {
  at: number;
  to: number;
  /** The move follows the request at the same instant (a promotion the access triggered). */
  afterServing?: boolean;
}

interface Planned {
  sizeBytes: number;
  createdAt: number;
  createdIn: number;
  /** Every request after the creating one. */
  requests: Array<{ at: number; op: TraceOp }>;
  moves?: Move[];
}

interface Bill {
  costs: CostParts;
  total: number;
  accesses: number;
  migrations: number;
  bytesMoved: number;
  latenciesMs: number[];
  fastestHits: number;
}

function expectedBill(profile: SimProfile, objects: Planned[], endAt: number): Bill {
  const costs: CostParts = { storage: 0, requests: 0, retrieval: 0, migrations: 0, latencyPenalty: 0 };
  const bill: Bill = { costs, total: 0, accesses: 0, migrations: 0, bytesMoved: 0, latenciesMs: [], fastestHits: 0 };
  const penaltyPerMs = profile.latencyPenaltyPerSecond / 1000;
  for (const object of objects) {
    const gb = object.sizeBytes / GiB;
    const mib = object.sizeBytes / MiB;
    let tier = object.createdIn;
    let since = object.createdAt;
    costs.requests += profile.tiers[tier]!.pricing.putPer1000 / 1000;
    const holdUntil = (at: number) => {
      costs.storage += (profile.tiers[tier]!.pricing.storageGbMonth * gb * (at - since)) / MONTH_MS;
      since = at;
    };
    const moveTo = (move: Move) => {
      holdUntil(move.at);
      const from = profile.tiers[tier]!.pricing;
      costs.migrations += from.getPer1000 / 1000 + from.retrievalPerGb * gb + profile.tiers[move.to]!.pricing.putPer1000 / 1000;
      bill.migrations++;
      bill.bytesMoved += object.sizeBytes;
      tier = move.to;
    };
    const moves = [...(object.moves ?? [])];
    for (const request of object.requests) {
      while (moves.length > 0 && (moves[0]!.at < request.at || (moves[0]!.at === request.at && !moves[0]!.afterServing))) moveTo(moves.shift()!);
      const t = profile.tiers[tier]!;
      const latencyMs = request.op === 'write' ? t.latency.firstByteMs : t.latency.firstByteMs + t.latency.perMbMs * mib;
      if (request.op === 'write') costs.requests += t.pricing.putPer1000 / 1000;
      else {
        costs.requests += t.pricing.getPer1000 / 1000;
        costs.retrieval += t.pricing.retrievalPerGb * gb;
      }
      costs.latencyPenalty += latencyMs * penaltyPerMs;
      bill.latenciesMs.push(latencyMs);
      bill.accesses++;
      if (tier === 0) bill.fastestHits++;
      while (moves.length > 0 && moves[0]!.at === request.at && moves[0]!.afterServing) moveTo(moves.shift()!);
    }
    for (const move of moves) {
      assert.ok(move.at <= endAt, 'a planned move after the end of the trace');
      moveTo(move);
    }
    holdUntil(endAt);
  }
  bill.total = costs.storage + costs.requests + costs.retrieval + costs.migrations + costs.latencyPenalty;
  return bill;
}

function close(actual: number, expected: number, what: string, relative = 1e-9): void {
  const tolerance = Math.max(Math.abs(expected) * relative, 1e-15);
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: got ${actual}, expected ${expected}`);
}

/** The nearest-rank 99th percentile. */
function p99(latencies: number[]): number {
  const sorted = [...latencies].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(0.99 * sorted.length) - 1)]!;
}

function assertBill(result: PolicyResult, bill: Bill): void {
  const name = result.name;
  assert.equal(result.migrations, bill.migrations, `${name}: migrations`);
  assert.equal(result.bytesMoved, bill.bytesMoved, `${name}: bytes moved`);
  assert.equal(result.accesses, bill.accesses, `${name}: accesses`);
  for (const part of Object.keys(bill.costs) as Array<keyof CostParts>) close(result.costs[part], bill.costs[part], `${name}: ${part}`);
  close(result.totalCostUsd, bill.total, `${name}: total`);
  if (bill.accesses > 0) {
    close(result.meanLatencyMs, bill.latenciesMs.reduce((a, b) => a + b, 0) / bill.accesses, `${name}: mean latency`);
    // The latency summary keeps 1%-wide buckets.
    close(result.p99LatencyMs, p99(bill.latenciesMs), `${name}: p99 latency`, 0.011);
    close(result.fastestTierShare, bill.fastestHits / bill.accesses, `${name}: fastest-tier share`);
  }
}

// ---------------------------------------------------------------------------------------
// Where objects are over time, from a policy's timeline: with objects of sizes 1, 2, 4, ...
// GiB, the bytes a tier holds spell out which objects are in it.

/** The tier holding object `k` (size 2^k GiB) at a timeline sample. */
function tierAt(point: TimelinePoint, k: number): number {
  const tiers = point.bytesPerTier.map((bytes) => Math.round(bytes / GiB));
  const tier = tiers.findIndex((mask) => (mask & (1 << k)) !== 0);
  assert.ok(tier >= 0, `object ${k} is in no tier at ${new Date(point.at).toISOString()}`);
  return tier;
}

function sampleAt(result: PolicyResult, at: number): TimelinePoint {
  const point = result.timeline.find((p) => p.at === at);
  assert.ok(point, `${result.name} has no timeline sample at ${new Date(at).toISOString()}`);
  return point;
}

/** Times at which object `k` changed tier, with the new tier (to the sample's resolution). */
function tierChanges(result: PolicyResult, k: number): Array<{ at: number; tier: number }> {
  const changes: Array<{ at: number; tier: number }> = [];
  let previous = -1;
  for (const point of result.timeline) {
    if (point.bytesPerTier.every((b) => b === 0)) continue; // before the first request
    if (Math.round(point.bytesPerTier.reduce((a, b) => a + b, 0) / GiB) & (1 << k)) {
      const tier = tierAt(point, k);
      if (tier !== previous) changes.push({ at: point.at, tier });
      previous = tier;
    }
  }
  return changes;
}

// ---------------------------------------------------------------------------------------

describe('static-<tier>', () => {
  const A = 3 * MiB;
  const B = 700 * KiB;
  const endAt = T0 + 10 * DAY;
  const records = [
    record(T0, 'a', A),
    record(T0 + HOUR, 'a', A),
    record(T0 + 2 * HOUR, 'a', A, 'write'),
    record(T0 + 10 * DAY, 'a', A),
    record(T0 + DAY, 'b', B),
    record(T0 + 5 * DAY, 'b', B),
    record(T0 + 5 * DAY, 'b', B),
  ];
  const plan = (tier: number): Planned[] => [
    {
      sizeBytes: A,
      createdAt: T0,
      createdIn: tier,
      requests: [
        { at: T0 + HOUR, op: 'read' },
        { at: T0 + 2 * HOUR, op: 'write' },
        { at: T0 + 10 * DAY, op: 'read' },
      ],
    },
    { sizeBytes: B, createdAt: T0 + DAY, createdIn: tier, requests: [{ at: T0 + 5 * DAY, op: 'read' }, { at: T0 + 5 * DAY, op: 'read' }] },
  ];

  for (const profile of [SEED, HYBRID_CLOUD]) {
    it(`${profile.name}: each static placement costs its storage over the span, a creation PUT and each access's fees`, async () => {
      const names = profile.tiers.map((t) => `static-${t.name}`);
      const result = await run(records, names, { profile });
      assert.equal(result.requests, 7);
      assert.equal(result.objects, 2);
      profile.tiers.forEach((_, tier) => assertBill(policy(result, names[tier]!), expectedBill(profile, plan(tier), endAt)));
    });
  }

  it('works one example through with the seed figures: 3 MiB in public for 10 days, 2 reads and a write', async () => {
    const result = await run(records.filter((r) => r.objectId === 'a'), ['static-public']);
    const gb = 3 / 1024;
    const storage = (0.005 * gb * 240) / 730;
    const requests = 0.005 / 1000 + 2 * (0.0004 / 1000) + 0.005 / 1000;
    const retrieval = 2 * 0.09 * gb;
    const latencyMs = 2 * (150 + 10 * 3) + 150;
    const p = policy(result, 'static-public');
    close(p.costs.storage, storage, 'storage');
    close(p.costs.requests, requests, 'requests');
    close(p.costs.retrieval, retrieval, 'retrieval');
    close(p.costs.latencyPenalty, latencyMs * 0.00001 / 1000, 'latency penalty');
    assert.equal(p.costs.migrations, 0);
  });
});

describe('seed-thresholds', () => {
  const size = MiB;
  // One read an hour: a spike window never sees more than one, only the cumulative count grows.
  const reads = Array.from({ length: 120 }, (_, i) => T0 + (i + 1) * HOUR);
  const endAt = T0 + 60 * DAY;
  const records = [record(T0, 'a', size), ...reads.map((at) => record(at, 'a', size)), record(endAt, 'end', size)];
  const requests = reads.map((at) => ({ at, op: 'read' as const }));

  it('seed profile: the 20th access moves an object from public to private, the 100th to onprem, and nothing demotes it', async () => {
    const result = await run(records, ['seed-thresholds']);
    const bill = expectedBill(
      SEED,
      [
        { sizeBytes: size, createdAt: T0, createdIn: PUBLIC, requests, moves: [{ at: reads[19]!, to: PRIVATE, afterServing: true }, { at: reads[99]!, to: ONPREM, afterServing: true }] },
        { sizeBytes: size, createdAt: endAt, createdIn: PUBLIC, requests: [] },
      ],
      endAt,
    );
    assertBill(policy(result, 'seed-thresholds'), bill);
  });

  it('hybrid-cloud profile: written to s3-standard, the 100th access promotes to onprem-nvme; 19 accesses move nothing', async () => {
    const few = reads.slice(0, 19);
    const result = await run([...records, record(T0, 'b', size), ...few.map((at) => record(at, 'b', size))], ['seed-thresholds'], { profile: HYBRID_CLOUD });
    const bill = expectedBill(
      HYBRID_CLOUD,
      [
        { sizeBytes: size, createdAt: T0, createdIn: 1, requests, moves: [{ at: reads[99]!, to: 0, afterServing: true }] },
        { sizeBytes: size, createdAt: endAt, createdIn: 1, requests: [] },
        { sizeBytes: size, createdAt: T0, createdIn: 1, requests: few.map((at) => ({ at, op: 'read' as const })) },
      ],
      endAt,
    );
    assertBill(policy(result, 'seed-thresholds'), bill);
  });
});

describe('s3-intelligent-tiering', () => {
  it('writes to the fastest tier, steps down after 30 and 90 idle days, comes back on an access; under 128 KiB never moves', async () => {
    const big = MiB;
    const readAt = T0 + DAY;
    const returnAt = readAt + 100 * DAY;
    const endAt = returnAt + 10 * DAY;
    const everyTwentyDays = [20, 40, 60, 80, 100].map((d) => T0 + d * DAY);
    const records = [
      record(T0, 'a', big),
      record(readAt, 'a', big),
      record(returnAt, 'a', big, 'write'),
      record(T0, 'small', 128 * KiB - 1),
      record(T0, 'edge', 128 * KiB),
      record(T0, 'busy', big),
      ...everyTwentyDays.map((at) => record(at, 'busy', big)),
      record(endAt, 'end', big),
    ];
    const result = await run(records, ['s3-intelligent-tiering']);
    const bill = expectedBill(
      SEED,
      [
        {
          sizeBytes: big,
          createdAt: T0,
          createdIn: ONPREM,
          requests: [{ at: readAt, op: 'read' }, { at: returnAt, op: 'write' }],
          moves: [
            { at: readAt + 30 * DAY, to: PRIVATE },
            { at: readAt + 90 * DAY, to: PUBLIC },
            { at: returnAt, to: ONPREM, afterServing: true },
          ],
        },
        { sizeBytes: 128 * KiB - 1, createdAt: T0, createdIn: ONPREM, requests: [] },
        { sizeBytes: 128 * KiB, createdAt: T0, createdIn: ONPREM, requests: [], moves: [{ at: T0 + 30 * DAY, to: PRIVATE }, { at: T0 + 90 * DAY, to: PUBLIC }] },
        { sizeBytes: big, createdAt: T0, createdIn: ONPREM, requests: everyTwentyDays.map((at) => ({ at, op: 'read' as const })) },
        { sizeBytes: big, createdAt: endAt, createdIn: ONPREM, requests: [] },
      ],
      endAt,
    );
    assertBill(policy(result, 's3-intelligent-tiering'), bill);
  });
});

describe('fabricpool-auto', () => {
  it('writes to the fastest tier, moves to the slowest after 31 cooling days, back on a read but not on a write', async () => {
    const size = 5 * MiB;
    const endAt = T0 + 90 * DAY;
    const records = [
      record(T0, 'a', size),
      record(T0 + 40 * DAY, 'a', size, 'write'),
      record(T0 + 50 * DAY, 'a', size),
      // A write while still hot restarts the cooling days.
      record(T0, 'b', size),
      record(T0 + 20 * DAY, 'b', size, 'write'),
      record(endAt, 'end', size),
    ];
    const result = await run(records, ['fabricpool-auto']);
    const bill = expectedBill(
      SEED,
      [
        {
          sizeBytes: size,
          createdAt: T0,
          createdIn: ONPREM,
          requests: [{ at: T0 + 40 * DAY, op: 'write' }, { at: T0 + 50 * DAY, op: 'read' }],
          moves: [
            { at: T0 + 31 * DAY, to: PUBLIC },
            { at: T0 + 50 * DAY, to: ONPREM, afterServing: true },
            { at: T0 + 81 * DAY, to: PUBLIC },
          ],
        },
        { sizeBytes: size, createdAt: T0, createdIn: ONPREM, requests: [{ at: T0 + 20 * DAY, op: 'write' }], moves: [{ at: T0 + 51 * DAY, to: PUBLIC }] },
        { sizeBytes: size, createdAt: endAt, createdIn: ONPREM, requests: [] },
      ],
      endAt,
    );
    assertBill(policy(result, 'fabricpool-auto'), bill);
  });

  it('hybrid-cloud profile: the cold tier is the slowest one (s3-glacier-ir), skipping the two between', async () => {
    const size = 5 * MiB;
    const endAt = T0 + 40 * DAY;
    const result = await run([record(T0, 'a', size), record(endAt, 'end', size)], ['fabricpool-auto'], { profile: HYBRID_CLOUD });
    const bill = expectedBill(
      HYBRID_CLOUD,
      [
        { sizeBytes: size, createdAt: T0, createdIn: 0, requests: [], moves: [{ at: T0 + 31 * DAY, to: 3 }] },
        { sizeBytes: size, createdAt: endAt, createdIn: 0, requests: [] },
      ],
      endAt,
    );
    assertBill(policy(result, 'fabricpool-auto'), bill);
  });
});

/**
 * Two tiers whose figures make the break-even arithmetic easy to follow: `fast` stores at
 * $0.10/GB-month and reads for its latency only; `slow` stores at $0.01 and charges
 * $0.02/GB to read out (a move up reads it out too), with a 1 s first byte.
 */
const TWO: SimProfile = {
  name: 'two',
  description: 'fast and dear, slow and cheap with retrieval',
  ingestTier: 'slow',
  latencyPenaltyPerSecond: 0.00001,
  tiers: [
    { name: 'fast', pricing: { storageGbMonth: 0.1, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0 }, latency: { firstByteMs: 1, perMbMs: 0 }, promoteAt: 100 },
    { name: 'slow', pricing: { storageGbMonth: 0.01, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0.02 }, latency: { firstByteMs: 1000, perMbMs: 0 }, promoteAt: 0 },
  ],
};
const [FAST, SLOW] = [0, 1];

describe('reactive (the break-even rule alone)', () => {
  // By hand, for 1 GiB: a read costs $0.02 + 1 s × $0.00001 from slow and 1 ms × $0.00001
  // from fast; a move up reads it out ($0.02), a move down is free. The rule's switch
  // price is half a round trip plus half a read's difference (the read an online policy
  // serves from where it is, since it moves only after an access).
  const readSlow = 0.02 + 1 * 0.00001;
  const readFast = 0.001 * 0.00001;
  const switchPrice = (0.02 + 0) / 2 + (readSlow - readFast) / 2;
  const storageDiffPerMs = ((0.1 - 0.01) * 1) / MONTH_MS;

  it('promotes at the read where the extra paid by staying reaches a switch there and back, and demotes after idling as long as a switch there and back costs in storage', async () => {
    // Starting in slow, what staying has cost more than fast runs from −switch to +switch.
    let paid = -switchPrice;
    let k = 0;
    while (paid < switchPrice) {
      paid += readSlow - readFast;
      k++;
    }
    assert.equal(k, 2, 'the figures above make the second read the break-even');
    const reads = Array.from({ length: 5 }, (_, i) => T0 + HOUR + i * SECOND);
    const promotedAt = reads[k - 1]!;
    const demotedAt = reads.at(-1)! + (2 * switchPrice) / storageDiffPerMs;
    const endAt = demotedAt + DAY;
    const records = [record(T0, 'a', GiB), ...reads.map((at) => record(at, 'a', GiB)), record(endAt, 'end', GiB)];
    const result = await run(records, ['reactive'], { profile: TWO });
    const bill = expectedBill(
      TWO,
      [
        { sizeBytes: GiB, createdAt: T0, createdIn: SLOW, requests: reads.map((at) => ({ at, op: 'read' as const })), moves: [{ at: promotedAt, to: FAST, afterServing: true }, { at: demotedAt, to: SLOW }] },
        { sizeBytes: GiB, createdAt: endAt, createdIn: SLOW, requests: [] },
      ],
      endAt,
    );
    assertBill(policy(result, 'reactive'), bill);
  });

  it('leaves an object where it is when its reads never add up to the move: one read a day in slow', async () => {
    const reads = Array.from({ length: 10 }, (_, i) => T0 + (i + 1) * DAY);
    const records = [record(T0, 'a', GiB), ...reads.map((at) => record(at, 'a', GiB))];
    // A read a day pays $0.02 more in slow; a day in fast costs $0.003 more: so it does move up
    // at the second read, and idling a day in fast (< a switch there and back) keeps it there.
    const result = await run(records, ['reactive', 'static-slow', 'static-fast'], { profile: TWO });
    const reactive = policy(result, 'reactive');
    assert.equal(reactive.migrations, 1, 'moved up once, never back: a day idle costs less than a round trip');
    assert.ok(reactive.totalCostUsd <= policy(result, 'static-slow').totalCostUsd, 'not worse than never moving');
  });

  it('with free moves between two tiers, a read-heavy object is not shuttled down between reads (the read it would serve late is priced)', async () => {
    const free: SimProfile = {
      ...TWO,
      name: 'free-moves',
      tiers: [TWO.tiers[0]!, { ...TWO.tiers[1]!, pricing: { ...TWO.tiers[1]!.pricing, retrievalPerGb: 0 } }],
    };
    const reads = Array.from({ length: 100 }, (_, i) => T0 + HOUR + i * MINUTE);
    const result = await run([record(T0, 'a', MiB), ...reads.map((at) => record(at, 'a', MiB))], ['reactive', 'optimal-reactive'], { profile: free });
    const reactive = policy(result, 'reactive');
    assert.ok(reactive.migrations <= 2, `${reactive.migrations} migrations for 100 reads a minute apart`);
    assert.ok(reactive.fastestTierShare > 0.9, `served ${reactive.fastestTierShare} from fast`);
  });
});

describe('hybrid (break-even with forecasts, as the service runs it)', () => {
  /**
   * A profile where keeping an object in the fast tier all day costs more than moving it
   * there for its peak (1 GiB: $0.99/day hot, $0.05 per read or move out of cold).
   */
  const PEAKY: SimProfile = {
    name: 'peaky',
    description: 'dear fast storage, dear reads from the cold tier',
    ingestTier: 'cold',
    latencyPenaltyPerSecond: 0.00001,
    tiers: [
      { name: 'hot', pricing: { storageGbMonth: 30, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0 }, latency: { firstByteMs: 1, perMbMs: 0 }, promoteAt: 100 },
      { name: 'cold', pricing: { storageGbMonth: 0.01, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0.05 }, latency: { firstByteMs: 100, perMbMs: 0 }, promoteAt: 0 },
    ],
  };
  const [HOT, COLD] = [0, 1];
  const PEAK_HOUR = 9;
  const days = 10;
  const peakStart = (day: number) => T0 + day * DAY + PEAK_HOUR * HOUR;
  /** 60 reads in the peak hour, every day. */
  const peakReads = (day: number) => Array.from({ length: 60 }, (_, i) => peakStart(day) + 30 * SECOND + i * MINUTE);

  it('a daily-peak object is moved up before its peak once three peaks show the rhythm, kept up through the peak, and down again in between', async () => {
    const records = [record(T0, 'daily/obj-0', GiB)];
    for (let day = 0; day < days; day++) records.push(...peakReads(day).map((at) => record(at, 'daily/obj-0', GiB)));
    records.push(record(T0 + days * DAY, 'end/obj-1', 0));
    const result = await run(records, ['hybrid', 'reactive'], { profile: PEAKY, samplePoints: 20_000 });
    const hybrid = policy(result, 'hybrid');
    assert.equal(hybrid.timeline[1]!.at - hybrid.timeline[0]!.at, MINUTE, 'one sample a minute');
    for (let day = 0; day < 3; day++) assert.equal(tierAt(sampleAt(hybrid, peakStart(day)), 0), COLD, `day ${day}: no rhythm yet, still cold when the peak begins`);
    for (let day = 3; day < days; day++) {
      assert.equal(tierAt(sampleAt(hybrid, peakStart(day)), 0), HOT, `day ${day}: hot when the peak begins`);
      const during = tierChanges(hybrid, 0).filter((c) => c.at > peakStart(day) && c.at < peakStart(day) + HOUR);
      assert.deepEqual(during, [], `day ${day}: not moved during its peak`);
      assert.equal(tierAt(sampleAt(hybrid, peakStart(day) + 12 * HOUR), 0), COLD, `day ${day}: cold again by the evening`);
    }
    assert.ok(hybrid.totalCostUsd < policy(result, 'reactive').totalCostUsd, 'the forecast earns its keep over the rule alone');
  });

  it("writes a newcomer of a busy group straight into the tier its group's reads make cheapest, and a newcomer of a quiet group into the ingest tier", async () => {
    const records: TraceRecord[] = [];
    // Over two days: twenty busy objects (each read 50 times in its first hour) and forty never read again.
    for (let i = 0; i < 40; i++) {
      const at = T0 + i * HOUR;
      records.push(record(at, `quiet/q${i}`, MiB));
      if (i % 2 === 1) continue;
      records.push(record(at, `busy/b${i}`, MiB));
      for (let r = 1; r <= 50; r++) records.push(record(at + r * MINUTE, `busy/b${i}`, MiB));
    }
    // The newcomers, 1 GiB and 2 GiB so the timeline shows where each is. In TWO, fast is
    // cheaper for 1 GiB over a day once more than 0.15 reads are expected.
    const newcomersAt = T0 + 2 * DAY;
    records.push(record(newcomersAt, 'busy/new', GiB), record(newcomersAt, 'quiet/new', 2 * GiB), record(newcomersAt + DAY, 'end', 0));
    const result = await run(records, ['hybrid'], { profile: TWO, samplePoints: 20_000 });
    const hybrid = policy(result, 'hybrid');
    const after = hybrid.timeline.find((p) => p.at > newcomersAt)!;
    const gib = after.bytesPerTier.map((b) => Math.floor(b / GiB));
    assert.equal(gib[FAST], 1, 'the busy newcomer is in fast from its first write');
    assert.equal(gib[SLOW], 2, 'the quiet newcomer is in the ingest tier, slow');
  });
});
