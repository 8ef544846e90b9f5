import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectPrices } from '../../src/domain/cost-model.js';
import type { TierProfile } from '../../src/domain/tier.js';
import { breakEvenDelayMs, closeUnderMoves, decide, idle, initialWork, serve, workFromHistory } from '../../src/domain/work-function.js';
import { Prng } from '../../src/sim/prng.js';

const mulberry32 = (seed: number) => {
  const prng = new Prng(seed);
  return () => prng.next();
};

const HOUR = 3_600_000;

function randomTiers(random: () => number, count: number): TierProfile[] {
  // Fastest first: storage dearer, reads cheaper, the faster the tier.
  return Array.from({ length: count }, (_, i) => ({
    name: `t${i}`,
    pricing: {
      storageGbMonth: 0.1 / (1 + i + random()),
      getPer1000: i === 0 ? 0 : random() * 0.01,
      putPer1000: random() * 0.01,
      retrievalPerGb: i === 0 ? 0 : random() * 0.1,
    },
    latency: { firstByteMs: 1 + i * 50 * random(), perMbMs: i * 5 * random() },
    promoteAt: 0,
  }));
}

describe('work-function rule', () => {
  it('keeps the vector closed under moves (no tier dearer than another plus the switch) with its minimum at 0', () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 200; trial++) {
      const tiers = randomTiers(random, 2 + Math.floor(random() * 3));
      const prices = new ObjectPrices(tiers, Math.floor(random() * 1e9), 0.00001);
      const w = new Float64Array(tiers.length);
      initialWork(w, prices, Math.floor(random() * tiers.length));
      for (let step = 0; step < 20; step++) {
        if (random() < 0.5) serve(w, prices, random() < 0.8 ? 'read' : 'write', 1 + Math.floor(random() * 3));
        else idle(w, prices, random() * 100 * HOUR);
        const t = tiers.length;
        assert.equal(Math.min(...w), 0);
        for (let a = 0; a < t; a++) for (let c = 0; c < t; c++) assert.ok(w[c]! <= w[a]! + prices.switchCost[a * t + c]! * (1 + 1e-12) + 1e-18);
      }
    }
  });

  it('moves exactly when the extra paid by staying reaches the switch, never before', () => {
    const tiers = randomTiers(mulberry32(1), 2);
    const prices = new ObjectPrices(tiers, 1 << 20, 0.00001);
    const w = new Float64Array(2);
    initialWork(w, prices, 1);
    assert.equal(decide(w, prices, 1), 1, 'fresh in slow: stays');
    w[1] = w[0]! + prices.switchCost[1 * 2 + 0]! * 0.999;
    assert.equal(decide(w, prices, 1), 1, 'just short of break-even: stays');
    w[1] = w[0]! + prices.switchCost[1 * 2 + 0]!;
    assert.equal(decide(w, prices, 1), 0, 'at break-even: moves');
    assert.equal(decide(w, prices, 1, Float64Array.of(2, 2)), 1, 'a threshold above the switch is never reached');
    w[1] = w[0]!;
    assert.equal(decide(w, prices, 1, Float64Array.of(0, 1)), 0, 'a trusted forecast moves at half the way');
  });

  it('the break-even timer is when decide would first move if nothing else happens (checked by bisection on random states)', () => {
    const random = mulberry32(42);
    let checked = 0;
    for (let trial = 0; trial < 300; trial++) {
      const tiers = randomTiers(random, 2 + Math.floor(random() * 3));
      const prices = new ObjectPrices(tiers, Math.floor(random() * 1e10), 0.00001);
      const w = new Float64Array(tiers.length);
      initialWork(w, prices, Math.floor(random() * tiers.length));
      for (let k = 0; k < 5; k++) serve(w, prices, 'read');
      let current = 0;
      // Start where the rule itself would have the object.
      for (let guard = 0; guard < 5; guard++) current = decide(w, prices, current);
      const delay = breakEvenDelayMs(w, prices, current);
      const movesAfter = (g: number) => {
        const x = Float64Array.from(w);
        idle(x, prices, g);
        return decide(x, prices, current) !== current;
      };
      if (delay === Infinity) {
        assert.equal(movesAfter(1e15), false, 'no timer: never moves while idle');
        continue;
      }
      if (delay > 1e14) continue;
      assert.equal(movesAfter(delay * (1 + 1e-6) + 1), true, `moves just after the timer (${delay} ms)`);
      if (delay > 1) assert.equal(movesAfter(delay * (1 - 1e-6)), false, `not just before it (${delay} ms)`);
      checked++;
    }
    assert.ok(checked > 50, `${checked} timers checked`);
  });

  it('rebuilds from bucketed history the same vector that live updates give', () => {
    const tiers = randomTiers(mulberry32(3), 3);
    const prices = new ObjectPrices(tiers, 5e6, 0.00001);
    const since = 1_000 * HOUR;
    const buckets = [
      { bucketStart: since - HOUR, count: 9 }, // before it entered the tier: skipped
      { bucketStart: since + HOUR, count: 3 },
      { bucketStart: since + 5 * HOUR, count: 1 },
    ];
    const rebuilt = new Float64Array(3);
    workFromHistory(rebuilt, prices, 1, since, buckets, since + 9 * HOUR);
    const live = new Float64Array(3);
    initialWork(live, prices, 1);
    idle(live, prices, HOUR);
    serve(live, prices, 'read', 3);
    idle(live, prices, 4 * HOUR);
    serve(live, prices, 'read', 1);
    idle(live, prices, 4 * HOUR);
    assert.deepEqual(Array.from(rebuilt), Array.from(live));
  });

  it('closing twice changes nothing', () => {
    const tiers = randomTiers(mulberry32(9), 4);
    const prices = new ObjectPrices(tiers, 123_456, 0.00001);
    const w = Float64Array.from([3e-6, 0, 1e-3, 5e-7]);
    closeUnderMoves(w, prices);
    const once = Array.from(w);
    closeUnderMoves(w, prices);
    assert.deepEqual(Array.from(w), once);
  });
});
