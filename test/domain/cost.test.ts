import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { estimateMonthlyCost, monthlyStorageCost } from '../../src/domain/cost.js';
import { BYTES_PER_GB, readLatencyMs, type TierProfile } from '../../src/domain/tier.js';

const tiers: TierProfile[] = DEFAULT_TIERS.map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt }));

describe('cost model', () => {
  it("prices storage with the seed's $/GB-month figures", () => {
    assert.equal(monthlyStorageCost(tiers[0]!, 100 * BYTES_PER_GB), 1);
    assert.ok(Math.abs(monthlyStorageCost(tiers[2]!, 100 * BYTES_PER_GB) - 0.5) < 1e-12);
  });

  it('sums what each tier holds and compares with all-fastest and all-cheapest', () => {
    const estimate = estimateMonthlyCost(tiers, [
      { tier: 'onprem', objects: 1, bytes: 10 * BYTES_PER_GB },
      { tier: 'public', objects: 3, bytes: 30 * BYTES_PER_GB },
    ]);
    assert.ok(Math.abs(estimate.totalUsd - (0.1 + 0.15)) < 1e-12);
    assert.equal(estimate.perTierUsd.private, 0);
    assert.ok(Math.abs(estimate.allInFastestUsd - 0.4) < 1e-12);
    assert.ok(Math.abs(estimate.allInCheapestUsd - 0.2) < 1e-12);
    assert.ok(estimate.allInCheapestUsd <= estimate.totalUsd && estimate.totalUsd <= estimate.allInFastestUsd);
  });

  it('models read latency as first byte plus transfer time', () => {
    assert.equal(readLatencyMs(tiers[2]!, 0), 150);
    assert.equal(readLatencyMs(tiers[2]!, 2 * 1024 * 1024), 170);
  });
});
