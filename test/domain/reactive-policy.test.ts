import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { decideReactive, type ReactiveInput, type ReactiveSettings } from '../../src/domain/reactive-policy.js';
import type { TierProfile } from '../../src/domain/tier.js';

const tiers: TierProfile[] = DEFAULT_TIERS.map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt }));
const MIN = 60_000;
const settings: ReactiveSettings = { spikeWindowMs: 5 * MIN, coolingPeriodMs: 60 * MIN, demoteRatio: 0.1, minResidencyMs: 10 * MIN, demote: true };
const now = Date.UTC(2026, 5, 1, 12);

function input(overrides: Partial<ReactiveInput>): ReactiveInput {
  return { currentTier: 'public', accessesInSpikeWindow: 0, accessesInCoolingPeriod: 0, tierSince: now - 1000, now, ...overrides };
}

describe('reactive policy', () => {
  it("promotes the seed demo's 100 accesses from public straight to onprem", () => {
    const decision = decideReactive(tiers, input({ accessesInSpikeWindow: 100, accessesInCoolingPeriod: 100 }), settings);
    assert.ok(decision.action === 'promote');
    assert.equal(decision.targetTier, 'onprem');
    assert.equal(decision.reason, 'reactive_access_spike');
    assert.equal(decision.explanation.accesses_in_window, 100);
  });

  it('promotes a smaller spike only to the middle tier, and ignores one below every threshold', () => {
    const middle = decideReactive(tiers, input({ accessesInSpikeWindow: 20 }), settings);
    assert.ok(middle.action === 'promote' && middle.targetTier === 'private');
    assert.equal(decideReactive(tiers, input({ accessesInSpikeWindow: 19 }), settings).action, 'stay');
  });

  it('promotes at once, without waiting for any residency in the current tier', () => {
    const decision = decideReactive(tiers, input({ currentTier: 'private', tierSince: now, accessesInSpikeWindow: 150 }), settings);
    assert.ok(decision.action === 'promote' && decision.targetTier === 'onprem');
  });

  it('never promotes to the tier an object is already in', () => {
    assert.equal(decideReactive(tiers, input({ currentTier: 'onprem', accessesInSpikeWindow: 10_000, accessesInCoolingPeriod: 10_000 }), settings).action, 'stay');
  });

  it('keeps a cold object until a full cooling period has passed in its tier', () => {
    const tooSoon = decideReactive(tiers, input({ currentTier: 'onprem', tierSince: now - 59 * MIN }), settings);
    assert.equal(tooSoon.action, 'stay');
    const cooled = decideReactive(tiers, input({ currentTier: 'onprem', tierSince: now - 60 * MIN }), settings);
    assert.ok(cooled.action === 'demote');
    assert.equal(cooled.targetTier, 'private');
    assert.equal(cooled.reason, 'reactive_cooling');
  });

  it('demotes one tier at a time', () => {
    const decision = decideReactive(tiers, input({ currentTier: 'onprem', tierSince: now - 10 * 60 * MIN }), settings);
    assert.ok(decision.action === 'demote' && decision.targetTier === 'private');
  });

  it('applies hysteresis: a trickle of promoteAt × demoteRatio accesses keeps an object where a spike put it', () => {
    const longAgo = now - 5 * 60 * MIN;
    // onprem needs 100 in the spike window to get in, but only 10 per cooling period to stay.
    assert.equal(decideReactive(tiers, input({ currentTier: 'onprem', tierSince: longAgo, accessesInCoolingPeriod: 10 }), settings).action, 'stay');
    assert.equal(decideReactive(tiers, input({ currentTier: 'onprem', tierSince: longAgo, accessesInCoolingPeriod: 9 }), settings).action, 'demote');
  });

  it('honours a minimum residency longer than the cooling period', () => {
    const long = { ...settings, minResidencyMs: 120 * MIN };
    assert.equal(decideReactive(tiers, input({ currentTier: 'private', tierSince: now - 90 * MIN }), long).action, 'stay');
    assert.equal(decideReactive(tiers, input({ currentTier: 'private', tierSince: now - 120 * MIN }), long).action, 'demote');
  });

  it('never demotes below the slowest tier', () => {
    assert.equal(decideReactive(tiers, input({ currentTier: 'public', tierSince: 0 }), settings).action, 'stay');
  });

  it('throws on a tier it does not know', () => {
    assert.throws(() => decideReactive(tiers, input({ currentTier: 'glacier' }), settings), /unknown tier 'glacier'/);
  });

  it('leaves demotions to the proactive policy when told to, but still promotes on a spike', () => {
    const proactive = { ...settings, demote: false };
    assert.equal(decideReactive(tiers, input({ currentTier: 'onprem', tierSince: 0 }), proactive).action, 'stay');
    const spike = decideReactive(tiers, input({ accessesInSpikeWindow: 100 }), proactive);
    assert.ok(spike.action === 'promote' && spike.targetTier === 'onprem');
  });
});
