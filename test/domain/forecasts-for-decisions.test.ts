import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { emptyBurstState, nextBurstAt, recordBurstAccess, tierForBurst } from '../../src/domain/burst-forecast.js';
import { ObjectPrices } from '../../src/domain/cost-model.js';
import { foldGap, predictedGapMs, trustedThreshold } from '../../src/domain/gap-forecast.js';
import { NewcomerDemand } from '../../src/domain/newcomer-demand.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const tiers = DEFAULT_TIERS.map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt }));

describe('newcomer demand', () => {
  it('has no opinion before any object exists, then learns a rate over exposure', () => {
    const demand = new NewcomerDemand(DAY);
    assert.equal(demand.expected('a', 0), undefined);
    demand.created('a', 0);
    demand.accessed('a', 0, HOUR, 6);
    // 6 accesses in 12 h of exposure: 12 per day.
    assert.ok(Math.abs(demand.expected('a', 12 * HOUR)! - 12) < 1e-9);
    // Accesses after the first day of an object are not a newcomer's.
    demand.accessed('a', 0, 2 * DAY, 100);
    assert.ok(Math.abs(demand.expected('a', 3 * DAY)! - 6) < 1e-9, 'one closed day with 6 accesses');
  });

  it("a burst at the very instant objects appear reads as a high rate, not as no evidence", () => {
    const demand = new NewcomerDemand(DAY);
    demand.created('a', 0);
    demand.accessed('a', 0, 0, 3);
    assert.ok(demand.expected('a', 0)! > 1000);
  });

  it('a group that really differs from the rest is judged on its own figures', () => {
    const demand = new NewcomerDemand(DAY);
    for (let i = 0; i < 30; i++) {
      demand.created('busy', i * HOUR);
      demand.accessed('busy', i * HOUR, i * HOUR + 1000, 50);
      demand.created('quiet', i * HOUR);
    }
    const now = 40 * HOUR;
    const quiet = demand.expected('quiet', now)!;
    const busy = demand.expected('busy', now)!;
    const unknown = demand.expected('new-group', now)!;
    assert.ok(busy > 40, `busy ${busy}`);
    assert.ok(quiet < 0.5, `quiet ${quiet}`);
    assert.ok(unknown > quiet && unknown < busy, 'a group never seen gets the overall rate');
  });
});

describe('gap forecast and trust', () => {
  const prices = new ObjectPrices(tiers, 1 << 30, 0.00001);
  it('needs two gaps, then follows the geometric mean of recent gaps', () => {
    let mean = 0;
    let seen = 0;
    for (const gap of [1000, 4000]) {
      assert.equal(predictedGapMs(mean, seen), undefined);
      mean = foldGap(mean, seen++, gap);
    }
    const forecast = predictedGapMs(mean, seen)!;
    assert.ok(forecast > 1000 && forecast < 4000);
  });

  it('trusts a forecast only in the direction it points: short gaps ease promotions, long ones demotions', () => {
    const [onprem, , publicTier] = [0, 1, 2];
    assert.equal(trustedThreshold(prices, publicTier, onprem, undefined), 1);
    assert.ok(trustedThreshold(prices, publicTier, onprem, 1000) < 1, 'reads a second apart: promote early');
    assert.equal(trustedThreshold(prices, publicTier, onprem, 1e13), 1, 'reads centuries apart: no early promotion');
    assert.ok(trustedThreshold(prices, onprem, publicTier, 1e13) < 1, 'reads centuries apart: demote early');
    assert.equal(trustedThreshold(prices, onprem, publicTier, 1000), 1, 'reads a second apart: no early demotion');
  });
});

describe('burst forecast', () => {
  it('forecasts the next burst once two periods agree, and drops it when the rhythm breaks', () => {
    const state = emptyBurstState();
    let last = NaN;
    const burst = (at: number, reads: number) => {
      for (let i = 0; i < reads; i++) {
        recordBurstAccess(state, at + i * 60_000, last);
        last = at + i * 60_000;
      }
    };
    burst(9 * HOUR, 30);
    burst(DAY + 9 * HOUR, 30);
    assert.equal(nextBurstAt(state), undefined, 'one period is not a rhythm');
    burst(2 * DAY + 9 * HOUR, 30);
    assert.equal(nextBurstAt(state), 3 * DAY + 9 * HOUR);
    assert.equal(state.lastBurstAccesses, 30);
    burst(3 * DAY + 17 * HOUR, 30);
    assert.equal(nextBurstAt(state), undefined, 'a burst 8 h late breaks the rhythm');
  });

  it('moves up for a burst only when its reads pay for the trip there and back', () => {
    const state = emptyBurstState();
    state.lastBurstAccesses = 60;
    assert.equal(tierForBurst(new ObjectPrices(tiers, 1 << 20, 0.00001), 2, state), 0, '60 reads of 1 MiB from public cost more than a round trip');
    state.lastBurstAccesses = 1;
    assert.equal(tierForBurst(new ObjectPrices(tiers, 1 << 20, 0.00001), 2, state), 2, 'one read does not pay for two moves');
  });
});
