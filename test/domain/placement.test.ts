import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { moveCost, planIngestPlacement, planPlacement, type PlacementSettings } from '../../src/domain/placement.js';
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

  it('writes a new object to the ingest tier without demand, and to the tier its forecast makes cheapest with it, never slower than the ingest tier', () => {
    const none = planIngestPlacement(tiers, 'public', MB, { accesses: 0, horizonHours: 24 }, settings);
    assert.equal(none.tier, 'public', 'no demand: as configured, even though a PUT-free tier would be cheaper to write');
    const busy = planIngestPlacement(tiers, 'public', MB, { accesses: 50, horizonHours: 24 }, settings);
    assert.equal(busy.tier, 'onprem');
    const cheapest = busy.costs.reduce((a, b) => (b.total < a.total ? b : a));
    assert.equal(cheapest.tier, busy.tier);
    assert.equal(busy.costs.find((c) => c.tier === 'public')!.move, tiers[2]!.pricing.putPer1000 / 1000, 'the first write costs the PUT');
    const fromPrivate = planIngestPlacement(tiers, 'private', MB, { accesses: 0.01, horizonHours: 24 }, settings);
    assert.deepEqual(fromPrivate.costs.map((c) => c.tier), ['onprem', 'private'], 'slower tiers than the ingest tier are not candidates');
    assert.equal(fromPrivate.tier, 'private');
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

