import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { TiercastError } from '../../src/domain/errors.js';
import { parseTimestamp } from '../../src/engine/access-import.js';
import { Prng, ZipfSampler } from '../../src/sim/prng.js';
import {
  describeObjects,
  generateAccesses,
  OBJECT_CLASSES,
  toCsvLines,
  type SyntheticAccess,
  type SyntheticObject,
  type SyntheticOptions,
} from '../../src/sim/synthetic.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** A Monday, so the window holds two whole weekends. */
const START = Date.UTC(2026, 0, 5);

function take<T>(iterable: Iterable<T>, n: number): T[] {
  const out: T[] = [];
  for (const item of iterable) {
    if (out.length === n) break;
    out.push(item);
  }
  return out;
}

function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

function variance(values: number[]): number {
  const m = mean(values);
  return values.reduce((sum, v) => sum + (v - m) ** 2, 0) / values.length;
}

describe('prng', () => {
  it('repeats a sequence for the same seed and stream, and differs otherwise', () => {
    const draws = (seed: number, stream?: number) => {
      const rng = new Prng(seed, stream);
      return Array.from({ length: 5 }, () => rng.nextUint32());
    };
    assert.deepEqual(draws(42), draws(42));
    assert.notDeepEqual(draws(42), draws(43));
    assert.notDeepEqual(draws(42), draws(42, 1));
    assert.notDeepEqual(draws(2 ** 40), draws(2 ** 40 + 1), 'high seed bits count');
  });

  it('draws uniforms in [0, 1) and integers within inclusive bounds', () => {
    const rng = new Prng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const u = rng.next();
      assert.ok(u >= 0 && u < 1);
      const k = rng.int(-2, 3);
      assert.ok(Number.isInteger(k) && k >= -2 && k <= 3);
      seen.add(k);
    }
    assert.equal(seen.size, 6);
    assert.throws(() => rng.int(3, 2), RangeError);
    assert.throws(() => rng.pick([]), RangeError);
    assert.equal(rng.pick(['only']), 'only');
  });

  it('matches the moments of the normal, exponential and Poisson laws', () => {
    const rng = new Prng(2);
    const normals = Array.from({ length: 40_000 }, () => rng.normal());
    assert.ok(Math.abs(mean(normals)) < 0.03);
    assert.ok(Math.abs(variance(normals) - 1) < 0.04);
    const exponentials = Array.from({ length: 40_000 }, () => rng.exponential(4));
    assert.ok(Math.abs(mean(exponentials) - 0.25) < 0.01);
    // Both Poisson methods: Knuth (small means) and PTRS (≥ 30). Mean and variance equal λ.
    for (const lambda of [0.01, 0.7, 5, 29, 30, 250, 10_000]) {
      const counts = Array.from({ length: 20_000 }, () => rng.poisson(lambda));
      assert.ok(counts.every((c) => Number.isInteger(c) && c >= 0));
      const tolerance = 5 * Math.sqrt(lambda / counts.length) + 1e-3;
      assert.ok(Math.abs(mean(counts) - lambda) < tolerance, `poisson(${lambda}) mean ${mean(counts)}`);
      assert.ok(Math.abs(variance(counts) / lambda - 1) < 0.06, `poisson(${lambda}) variance ${variance(counts)}`);
    }
    assert.equal(rng.poisson(0), 0);
    assert.throws(() => rng.poisson(-1), RangeError);
  });

  it('samples Zipf ranks with the law\'s probabilities', () => {
    const zipf = new ZipfSampler(100, 1);
    const rng = new Prng(3);
    const counts = new Array<number>(100).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[zipf.sample(rng)]!++;
    assert.ok(Math.abs(counts[0]! / draws - zipf.probability(0)) < 0.005);
    assert.ok(Math.abs(counts[9]! / draws - zipf.probability(9)) < 0.003);
    assert.ok(Math.abs(zipf.probability(0) / zipf.probability(1) - 2) < 1e-9, 'P(r) ∝ 1/(r+1)^s');
    const total = Array.from({ length: 100 }, (_, r) => zipf.probability(r)).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(total - 1) < 1e-12);
    assert.equal(new ZipfSampler(1, 0.9).sample(rng), 0);
  });
});

describe('synthetic workload', () => {
  // Busier than the default so that per-object proportions are not drowned in Poisson noise.
  const options: SyntheticOptions = { seed: 7, objects: 2000, days: 14, start: START, meanDailyAccesses: 40_000 };
  const end = START + options.days * DAY_MS;
  let objects: SyntheticObject[];
  let accesses: SyntheticAccess[];
  /** Each object's access instants, one entry per access (counts expanded). */
  const timesOf = new Map<string, number[]>();

  before(() => {
    objects = describeObjects(options);
    accesses = [...generateAccesses(options)];
    for (const object of objects) timesOf.set(object.id, []);
    for (const access of accesses) for (let i = 0; i < access.count; i++) timesOf.get(access.objectId)!.push(access.at);
  });

  const ofClass = <C extends SyntheticObject['class']>(c: C) => objects.filter((o): o is Extract<SyntheticObject, { class: C }> => o.class === c);

  it('gives the same stream for the same seed and a different one for another seed', () => {
    const small = { seed: 11, objects: 300, days: 3, start: START };
    assert.deepEqual([...generateAccesses(small)], [...generateAccesses(small)]);
    assert.deepEqual(describeObjects(small), describeObjects(small));
    assert.notDeepEqual(take(generateAccesses({ ...small, seed: 12 }), 500), take(generateAccesses(small), 500));
  });

  it('yields accesses in time order, within the window, never before creation', () => {
    const byId = new Map(objects.map((o) => [o.id, o]));
    let previous = -Infinity;
    for (const access of accesses) {
      const object = byId.get(access.objectId);
      assert.ok(object, `unknown object ${access.objectId}`);
      assert.ok(access.at >= previous, 'non-decreasing timestamps');
      previous = access.at;
      assert.ok(Number.isInteger(access.at) && access.at >= START && access.at < end);
      assert.ok(access.at >= object.createdAt, `${access.objectId} accessed before its creation`);
      assert.equal(access.sizeBytes, object.sizeBytes);
      assert.ok(Number.isInteger(access.count) && access.count >= 1);
    }
  });

  it('keeps the invariants for a window off the hour grid and of fractional days', () => {
    const odd = { seed: 4, objects: 40, days: 1.3, start: START + 1_234_567 };
    const oddEnd = odd.start + 1.3 * DAY_MS;
    const created = new Map(describeObjects(odd).map((o) => [o.id, o.createdAt]));
    const stream = [...generateAccesses(odd)];
    assert.ok(stream.length > 50);
    stream.forEach((a, i) => {
      assert.ok(a.at >= odd.start && a.at < oddEnd && a.at >= created.get(a.objectId)!);
      if (i > 0) assert.ok(a.at >= stream[i - 1]!.at);
    });
  });

  it('describes readable ids grouped by class, sizes within 1 KiB – 1 GiB, creation within the window', () => {
    assert.equal(new Set(objects.map((o) => o.id)).size, objects.length);
    for (const object of objects) {
      assert.match(object.id, /^(steady|daily|flash|one-hit|cooling)\/obj-\d{6}$/);
      assert.ok(object.id.startsWith(`${object.class}/`));
      assert.ok(Number.isInteger(object.sizeBytes) && object.sizeBytes >= 1024 && object.sizeBytes <= 1024 ** 3);
      assert.ok(object.createdAt >= START && object.createdAt < end);
    }
    const existing = objects.filter((o) => o.createdAt === START).length;
    assert.ok(existing > 0 && existing < objects.length, 'some objects exist at the start, others are created later');
    const sizes = objects.map((o) => o.sizeBytes).sort((a, b) => a - b);
    assert.ok(sizes[0]! < 64 * 1024 && sizes.at(-1)! > 16 * 1024 ** 2, 'log-normal sizes span orders of magnitude');
  });

  it('matches the class shares in object counts', () => {
    const check = (opts: SyntheticOptions, shares: Record<string, number>) => {
      const described = describeObjects(opts);
      assert.equal(described.length, opts.objects);
      for (const c of OBJECT_CLASSES) {
        const count = described.filter((o) => o.class === c).length;
        assert.ok(Math.abs(count - shares[c]! * opts.objects) < 1, `${c}: ${count} of ${opts.objects}`);
      }
    };
    check(options, { steady: 0.3, daily: 0.2, flash: 0.05, 'one-hit': 0.3, cooling: 0.15 });
    check(
      { seed: 1, objects: 1001, days: 1, start: START, dailyCycleShare: 0.1, flashCrowdShare: 0.123, oneHitShare: 0.5, coolingShare: 0 },
      { steady: 0.277, daily: 0.1, flash: 0.123, 'one-hit': 0.5, cooling: 0 },
    );
  });

  it('delivers meanDailyAccesses per day on average, as the objects\' expectations say', () => {
    const total = accesses.reduce((sum, a) => sum + a.count, 0);
    const target = 40_000 * options.days;
    assert.ok(Math.abs(total / target - 1) < 0.03, `${total} accesses, expected about ${target}`);
    const expected = objects.reduce((sum, o) => sum + o.expectedAccesses, 0);
    assert.ok(Math.abs(expected / target - 1) < 1e-6);
  });

  it('daily objects put most of their accesses in their peak window, fewer at weekends', () => {
    let checked = 0;
    let weekday = 0;
    let weekend = 0;
    for (const object of ofClass('daily')) {
      const times = timesOf.get(object.id)!;
      for (const t of times) {
        const dayOfWeek = new Date(t).getUTCDay();
        if (dayOfWeek === 0 || dayOfWeek === 6) weekend++;
        else weekday++;
      }
      if (times.length < 200) continue; // too few for a proportion to mean much
      checked++;
      const inPeak = times.filter((t) => (new Date(t).getUTCHours() - object.peakHour + 24) % 24 < object.peakWidthHours).length;
      assert.ok(inPeak / times.length >= 0.6, `${object.id}: ${inPeak} of ${times.length} in its peak window`);
    }
    assert.ok(checked >= 50, `only ${checked} daily objects were busy enough to check`);
    // Two weekends in 14 days: per day, weekend traffic must be well below weekday traffic.
    assert.ok(weekend / 4 < 0.6 * (weekday / 10), `weekday ${weekday}, weekend ${weekend}`);
    assert.ok(ofClass('daily').some((o) => o.peakHour === 9), 'some peak at 09:00 UTC');
  });

  it('steady objects follow Zipf: the top 10% take a clear majority of steady accesses', () => {
    const counts = ofClass('steady')
      .map((o) => timesOf.get(o.id)!.length)
      .sort((a, b) => b - a);
    const top = counts.slice(0, Math.ceil(counts.length / 10)).reduce((s, c) => s + c, 0);
    const all = counts.reduce((s, c) => s + c, 0);
    assert.ok(top / all >= 0.55, `top 10% share ${top / all}`);
  });

  it('one-hit objects are read only within their first day, exactly as described', () => {
    for (const object of ofClass('one-hit')) {
      const times = timesOf.get(object.id)!;
      assert.deepEqual(times, object.accessTimes);
      assert.ok(times.length <= 4);
      for (const t of times) assert.ok(t >= object.createdAt && t < object.createdAt + DAY_MS);
    }
    const described = ofClass('one-hit');
    assert.ok(described.filter((o) => o.accessTimes.length === 1).length > described.length / 3, 'mostly a single access');
  });

  it('flash objects have their busiest hour within a few hours of the flash', () => {
    const offsets: number[] = [];
    for (const object of ofClass('flash')) {
      if (object.flashAt > end - 12 * HOUR_MS) continue; // a crowd cut off by the window's end
      const perHour = new Map<number, number>();
      for (const t of timesOf.get(object.id)!) perHour.set(Math.floor(t / HOUR_MS), (perHour.get(Math.floor(t / HOUR_MS)) ?? 0) + 1);
      let busiest = 0;
      let most = -1;
      for (const [hour, count] of perHour) {
        if (count > most || (count === most && hour < busiest)) [busiest, most] = [hour, count];
      }
      const offset = busiest - Math.floor(object.flashAt / HOUR_MS);
      assert.ok(offset >= 0 && offset <= 6, `${object.id}: busiest hour ${offset} h after its flash`);
      offsets.push(offset);
    }
    assert.ok(offsets.length >= 50);
    assert.ok(offsets.sort((a, b) => a - b)[offsets.length >> 1]! <= 1, 'typically the flash hour or the next');
  });

  it('cooling objects are busy at first and near silent days later', () => {
    let firstDay = 0;
    let sixDaysOn = 0;
    for (const object of ofClass('cooling')) {
      if (object.createdAt > end - 7 * DAY_MS) continue;
      for (const t of timesOf.get(object.id)!) {
        const age = t - object.createdAt;
        if (age < DAY_MS) firstDay++;
        else if (age >= 6 * DAY_MS && age < 7 * DAY_MS) sixDaysOn++;
      }
    }
    assert.ok(firstDay > 0 && sixDaysOn < firstDay / 5, `first day ${firstDay}, sixth day ${sixDaysOn}`);
  });

  it('formats the trace CSV: header, epoch seconds with milliseconds, one line per access', () => {
    const lines = [...toCsvLines([
      { at: 1_767_571_200_007, objectId: 'steady/obj-000001', sizeBytes: 2048, count: 1 },
      { at: 1_767_571_201_250, objectId: 'flash/obj-000002', sizeBytes: 10, count: 2 },
    ])];
    assert.deepEqual(lines, [
      'timestamp,object_id,size',
      '1767571200.007,steady/obj-000001,2048',
      '1767571201.250,flash/obj-000002,10',
      '1767571201.250,flash/obj-000002,10',
    ]);
    assert.equal(parseTimestamp(lines[1]!.split(',')[0]!), 1_767_571_200_007, 'the access-log reader reads the timestamp back');
    const sample = take(toCsvLines(generateAccesses({ seed: 3, objects: 50, days: 1, start: START })), 20);
    for (const line of sample.slice(1)) assert.match(line, /^\d+\.\d{3},[a-z-]+\/obj-\d{6},\d+$/);
  });

  it('rejects bad options with an error naming the option', () => {
    const bad: [Partial<SyntheticOptions>, RegExp][] = [
      [{ objects: 0 }, /objects/],
      [{ days: 0 }, /days/],
      [{ start: 1.5 }, /start/],
      [{ oneHitShare: 0.7, dailyCycleShare: 0.5 }, /shares add up/],
      [{ flashCrowdShare: -0.1 }, /flashCrowdShare/],
      [{ zipfExponent: Number.NaN }, /zipfExponent/],
      [{ sizeDistribution: { minBytes: 10, maxBytes: 5 } }, /sizeDistribution/],
    ];
    for (const [patch, message] of bad) {
      assert.throws(
        () => generateAccesses({ seed: 1, objects: 10, days: 1, start: START, ...patch }).next(),
        (error: unknown) => error instanceof TiercastError && error.code === 'invalid_input' && message.test(error.message),
      );
    }
  });

  it('streams: the first 10 accesses of a one-year workload come after 10 next() calls', () => {
    const year = generateAccesses({ seed: 5, objects: 10_000, days: 365, start: START });
    const first: SyntheticAccess[] = [];
    for (let i = 0; i < 10; i++) {
      const step = year.next();
      assert.equal(step.done, false);
      if (!step.done) first.push(step.value);
    }
    year.return();
    assert.ok(first.every((a, i) => a.at >= START && a.at < START + HOUR_MS && (i === 0 || a.at >= first[i - 1]!.at)));
  });

  it('generates a workload of about a million accesses', (t) => {
    const started = performance.now();
    let total = 0;
    let events = 0;
    for (const access of generateAccesses({ seed: 9, objects: 10_000, days: 20, start: START })) {
      total += access.count;
      events++;
    }
    const seconds = (performance.now() - started) / 1000;
    assert.ok(Math.abs(total / 1_000_000 - 1) < 0.02, `${total} accesses`);
    t.diagnostic(`${events} events (${total} accesses) in ${seconds.toFixed(2)} s: ${Math.round(total / seconds)} accesses/s`);
  });
});
