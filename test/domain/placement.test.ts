import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { ObjectPrices } from '../../src/domain/cost-model.js';
import { cheapestTier, expectedCosts, ingestTierFor } from '../../src/domain/expected-cost.js';
import { moveCost, planPlacement, type PlacementSettings } from '../../src/domain/placement.js';
import type { TierProfile } from '../../src/domain/tier.js';

const tiers: TierProfile[] = DEFAULT_TIERS.map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt }));
const settings: PlacementSettings = { latencyPenaltyPerSecond: 0.00001, moveMargin: 0.1, maxPlanningHours: 30 * 24 };
const MB = 1024 * 1024;

describe('cost-based placement', () => {
  it('moves a busy object to the fast tier: the latency penalty outweighs storage and the move', () => {
    const d = planPlacement(tiers, { currentTier: 'public', sizeBytes: MB }, { accesses: 500, horizonHours: 24 }, settings);
    assert.equal(d.bestTier, 'onprem');
    assert.ok(d.move);
    const stay = d.costs.find((c) => c.tier === 'public')!;
    const best = d.costs.find((c) => c.tier === 'onprem')!;
    assert.ok(Math.abs(d.saving - (stay.total - best.total)) < 1e-15);
    assert.ok(d.saving > best.move * settings.moveMargin);
    assert.equal(d.windowHours, 24);
  });

  it('keeps an object where it is when no tier is cheaper by more than the move costs', () => {
    const d = planPlacement(tiers, { currentTier: 'public', sizeBytes: 1024 ** 3 }, { accesses: 0.5, horizonHours: 24 }, settings);
    assert.equal(d.move, false);
    assert.equal(d.bestTier, 'public');
    assert.equal(d.saving, 0);
  });

  it('plans a quiet object over its expected gap to the next access, so a cold object is demoted once that gap passes break-even', () => {
    const d = planPlacement(tiers, { currentTier: 'onprem', sizeBytes: 64 * MB }, { accesses: 0.001, horizonHours: 24 }, settings);
    assert.equal(d.windowHours, settings.maxPlanningHours, 'an expected gap of 1,000 days is capped at the planning limit');
    assert.ok(d.move);
    assert.notEqual(d.bestTier, 'onprem');
    // The same object planned over the horizon alone would not pay for its move to public.
    const shortSighted = planPlacement(tiers, { currentTier: 'onprem', sizeBytes: 64 * MB }, { accesses: 0.001, horizonHours: 24 }, { ...settings, maxPlanningHours: 24 });
    assert.ok(shortSighted.bestTier !== 'public');
  });

  it('charges the move as a read out of the source and a write into the destination', () => {
    const [onprem, , pub] = tiers;
    const cost = moveCost(pub!, onprem!, 1024 ** 3);
    assert.ok(Math.abs(cost - (0.0004 / 1000 + 0.09 + 0)) < 1e-12);
  });

  it('a larger margin holds back marginal moves', () => {
    const marginal = planPlacement(tiers, { currentTier: 'public', sizeBytes: 10 * MB }, { accesses: 6, horizonHours: 24 }, settings);
    const strict = planPlacement(tiers, { currentTier: 'public', sizeBytes: 10 * MB }, { accesses: 6, horizonHours: 24 }, { ...settings, moveMargin: 1000 });
    assert.ok(marginal.move, 'with the default margin the move pays');
    assert.equal(strict.move, false);
  });

  it('writes a new object to the tier of least expected cost for its group, its first write included; with no evidence, to the tier never far from the best', () => {
    const prices = new ObjectPrices(tiers, MB, settings.latencyPenaltyPerSecond);
    const day = 24 * 3_600_000;
    assert.equal(ingestTierFor(prices, 50, day), 0, 'busy: onprem');
    assert.equal(ingestTierFor(prices, 0, day), 1, "never read: private, which stores for less than onprem and charges no PUT, unlike public");
    // A profile where the choice is close: dear fast storage, a free slow tier that charges per read.
    const close: TierProfile[] = [
      { name: 'fast', pricing: { storageGbMonth: 300, getPer1000: 0, putPer1000: 0, retrievalPerGb: 0 }, latency: { firstByteMs: 1, perMbMs: 0 }, promoteAt: 1 },
      { name: 'slow', pricing: { storageGbMonth: 0, getPer1000: 0, putPer1000: 0, retrievalPerGb: 10 }, latency: { firstByteMs: 1, perMbMs: 0 }, promoteAt: 0 },
    ];
    const closePrices = new ObjectPrices(close, 1024 ** 3, 0);
    // A day in fast costs about $9.86 of storage; a read from slow $10.
    assert.equal(ingestTierFor(closePrices, 0, 30 * day), 1, 'evidence of no reads: slow');
    assert.equal(ingestTierFor(closePrices, 5, day), 0, 'evidence of five reads in a day: fast');
    assert.equal(ingestTierFor(closePrices, undefined, day / 2), 0, 'no evidence, half a day: fast risks ~$4.93 if unread, slow $10 if read');
    assert.equal(ingestTierFor(closePrices, undefined, 2 * day), 1, 'no evidence, two days: fast risks ~$19.7, slow $10');
    const costs = expectedCosts(prices, -1, 50, day);
    assert.equal(cheapestTier(costs), 0);
    assert.equal(costs[2]!.entry, tiers[2]!.pricing.putPer1000 / 1000, 'the first write costs the PUT');
  });

  it('does not demote an object accessed more recently than minIdleMsBeforeDemotion, whatever the forecast says; promotions are not held back', () => {
    const guarded = { ...settings, minIdleMsBeforeDemotion: 60 * 60_000 };
    const cold = { accesses: 0, horizonHours: 24 };
    const idle = planPlacement(tiers, { currentTier: 'onprem', sizeBytes: 1024 ** 3, idleMs: 2 * 60 * 60_000 }, cold, guarded);
    assert.ok(idle.move, 'idle for two hours with no demand forecast: demoted');
    const inUse = planPlacement(tiers, { currentTier: 'onprem', sizeBytes: 1024 ** 3, idleMs: 60_000 }, cold, guarded);
    assert.equal(inUse.move, false, 'read a minute ago: stays');
    assert.equal(inUse.bestTier, 'onprem');
    const busy = planPlacement(tiers, { currentTier: 'public', sizeBytes: MB, idleMs: 1_000 }, { accesses: 500, horizonHours: 24 }, guarded);
    assert.equal(busy.bestTier, 'onprem', 'a promotion is never held back by recent use');
  });
});

