import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { ObjectPrices } from '../../src/domain/cost-model.js';
import { expectedCosts } from '../../src/domain/expected-cost.js';
import { PolicyLedger } from '../../src/sim/ledger.js';
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

describe('one cost model for the service and the simulator', () => {
  it("prices one object's month both ways: the simulator's ledger and the decisions' ObjectPrices agree", () => {
    const profiles = DEFAULT_TIERS.map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt }));
    // The public tier bills at least 128 KiB per object, as S3 Standard-IA does.
    profiles[2] = { ...profiles[2]!, pricing: { ...profiles[2]!.pricing, minBillableBytes: 128 * 1024 } };
    const penalty = 0.00001;
    const DAY = 86_400_000;
    for (const size of [1000, 3 * 1024 * 1024]) {
      const ledger = new PolicyLedger(profiles, penalty);
      const access = { object: 0, at: 0, sizeBytes: size, op: 'read' as const, created: true };
      ledger.create(access, 2);
      for (let i = 1; i <= 7; i++) ledger.serve({ ...access, at: i * DAY, created: false });
      ledger.move(0, 0, 10 * DAY);
      const bill = ledger.result('x', 'x', 30 * DAY);

      const prices = new ObjectPrices(profiles, size, penalty);
      // Ten days in public with seven reads, entered by a write; then twenty in onprem, entered by a move.
      const inPublic = expectedCosts(prices, -1, 7, 10 * DAY)[2]!;
      const inOnprem = expectedCosts(prices, 2, 0, 20 * DAY)[0]!;
      const total = inPublic.total + inOnprem.total;
      assert.ok(Math.abs(bill.totalCostUsd - total) <= 1e-12 * total, `${size} B: ledger ${bill.totalCostUsd} vs decisions ${total}`);
    }
  });
});
