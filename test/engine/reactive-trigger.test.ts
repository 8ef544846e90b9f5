import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import { settle, startTestApp, type TestApp } from '../helpers/fixture.js';

const MIN = 60_000;
let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function open(clock: ManualClock): Promise<TestApp> {
  current = await startTestApp({
    clock,
    // Reactive alone: with the proactive policy on, demotions are the forecaster's.
    patch: { proactive: { enabled: false }, reactive: { rule: 'thresholds', spikeWindowSeconds: 300, coolingPeriodSeconds: 3600, minResidencySeconds: 600, demoteRatio: 0.1 } },
  });
  return current;
}


describe('reactive trigger (virtual time)', () => {
  it('promotes on a spike at once, then demotes one tier per cooling period once the object goes cold', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    const t = await open(clock);
    const object = await t.app.objects.ingest({ body: Readable.from([Buffer.from('report')]) });
    await t.app.objects.simulateAccess(object.objectId, 100);
    await settle(t.app);
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'onprem');
    const spike = await t.app.catalog.listMigrations({ objectId: object.objectId, limit: 10, offset: 0 });
    assert.deepEqual(spike.items.map((m) => [m.reason, m.status, m.sourceTier, m.destinationTier]), [['reactive_access_spike', 'completed', 'public', 'onprem']]);

    // Still within the cooling period: the sweep keeps it.
    clock.advance(30 * MIN);
    assert.equal(await t.app.reactive.sweep(), 0);

    // A full cooling period with nothing: one tier down, then the next after another period.
    clock.advance(31 * MIN);
    assert.equal(await t.app.reactive.sweep(), 1);
    await settle(t.app);
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'private');
    clock.advance(30 * MIN);
    assert.equal(await t.app.reactive.sweep(), 0, 'a fresh arrival in private waits out its own cooling period');
    clock.advance(31 * MIN);
    assert.equal(await t.app.reactive.sweep(), 1);
    await settle(t.app);
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'public');
    const reasons = (await t.app.catalog.listMigrations({ objectId: object.objectId, limit: 10, offset: 0 })).items.map((m) => m.reason);
    assert.deepEqual(reasons.sort(), ['reactive_access_spike', 'reactive_cooling', 'reactive_cooling']);
  });

  it('keeps a promoted object in place while a trickle (≥ promoteAt × demoteRatio per cooling period) continues: no ping-pong', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    const t = await open(clock);
    const object = await t.app.objects.ingest({ body: Readable.from([Buffer.from('dashboard')]) });
    await t.app.objects.simulateAccess(object.objectId, 120);
    await settle(t.app);
    for (let hour = 0; hour < 6; hour++) {
      clock.advance(20 * MIN);
      await t.app.objects.simulateAccess(object.objectId, 12);
      await settle(t.app);
      clock.advance(40 * MIN);
      await t.app.reactive.sweep();
      await settle(t.app);
    }
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'onprem');
    assert.equal((await t.app.catalog.listMigrations({ objectId: object.objectId, limit: 10, offset: 0 })).total, 1);
  });

  it('does not treat imported history as a spike happening now', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    const t = await open(clock);
    const object = await t.app.objects.ingest({ body: Readable.from([Buffer.from('old')]) });
    const dayAgo = clock.now() - 24 * 60 * MIN;
    const { result, touched } = await t.app.accessImport.importRows([{ at: dayAgo, objectId: object.objectId, count: 500 }]);
    assert.equal(result.accesses, 500);
    t.app.reactive.notify(touched);
    await settle(t.app);
    const after = await t.app.objects.get(object.objectId);
    assert.equal(after.tier, 'public');
    assert.equal(after.accessCount, 500);
    assert.equal(after.lastAccessedAt, dayAgo);
  });

  it('leaves an object where a manual move put it while the hold lasts, and for good when pinned', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    const t = await open(clock);
    const object = await t.app.objects.ingest({ body: Readable.from([Buffer.from('archive')]) });
    await t.app.planner.planManual(object, 'private', clock.now() + 30 * MIN);
    await settle(t.app);
    await t.app.objects.simulateAccess(object.objectId, 500);
    await settle(t.app);
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'private', 'a spike during the hold does not undo the manual move');

    clock.advance(31 * MIN);
    await t.app.objects.simulateAccess(object.objectId, 500);
    await settle(t.app);
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'onprem', 'after the hold the policy acts again');

    await t.app.catalog.setPinnedUntil(object.objectId, Number.MAX_SAFE_INTEGER);
    clock.advance(100 * 24 * 60 * MIN);
    assert.equal(await t.app.reactive.sweep(), 0, 'a pinned object is never demoted');
    await t.app.objects.release(object.objectId);
    assert.equal(await t.app.reactive.sweep(), 1, 'once released, the cold object is demoted');
  });
});
