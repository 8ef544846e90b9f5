import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { DEFAULT_TIERS } from '../../src/config/defaults.js';
import { ManualClock } from '../../src/domain/clock.js';
import { ObjectPrices } from '../../src/domain/cost-model.js';
import { breakEvenDelayMs, initialWork, serve } from '../../src/domain/work-function.js';
import { BreakEvenTrigger } from '../../src/engine/break-even-trigger.js';
import { settle, startTestApp, type TestApp } from '../helpers/fixture.js';

const MIN = 60_000;
let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** The break-even rule alone (the proactive sweep off), on the seed's tiers or others given. */
async function open(clock: ManualClock, tiers = DEFAULT_TIERS): Promise<TestApp> {
  current = await startTestApp({ clock, patch: { proactive: { enabled: false }, tiers } });
  return current;
}

describe('break-even rule in the service (virtual time)', () => {
  it('promotes an object in public once its reads have cost more than the move, with the figures behind the decision', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    const t = await open(clock);
    const object = await t.app.objects.ingest({ body: Readable.from([Buffer.from('report')]) });
    assert.equal(object.tier, 'public');
    await t.app.objects.simulateAccess(object.objectId, 100);
    await settle(t.app);
    const after = await t.app.objects.get(object.objectId);
    assert.notEqual(after.tier, 'public');
    const migrations = await t.app.catalog.listMigrations({ objectId: object.objectId, limit: 10, offset: 0 });
    assert.equal(migrations.total, 1);
    const [move] = migrations.items;
    assert.equal(move!.reason, 'reactive_access_spike');
    assert.equal(move!.status, 'completed');
    const why = move!.explanation as Record<string, unknown>;
    assert.equal(why.policy, 'break-even');
    assert.equal(why.accesses_since_entering_tier, 100);
    assert.ok((why.extra_paid_by_staying_usd as number) >= (why.break_even_usd as number) * (1 - 1e-6), JSON.stringify(why));
  });

  it('leaves an untouched object where it is: no access, no move', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    const t = await open(clock);
    const object = await t.app.objects.ingest({ body: Readable.from([Buffer.from('never read')]) });
    assert.equal(await t.app.reactive.sweep(), 0);
    clock.advance(365 * 24 * 60 * MIN);
    assert.equal(await t.app.reactive.sweep(), 0);
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'public');
  });

  it("demotes an idle object at its own break-even timer, not before, with one due check instead of a sweep over every object", async () => {
    // A dear fast tier, so that idling there reaches break-even within hours for a tiny object.
    const tiers = structuredClone(DEFAULT_TIERS);
    tiers[0]!.pricing.storageGbMonth = 1e4;
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    const t = await open(clock, tiers);
    const body = Buffer.from('hot for a moment');
    const object = await t.app.objects.ingest({ body: Readable.from([body]) });
    await t.app.objects.simulateAccess(object.objectId, 100);
    await settle(t.app);
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'onprem');
    const others = await Promise.all(Array.from({ length: 5 }, (_, i) => t.app.objects.ingest({ body: Readable.from([Buffer.from(`idle ${i}`)]) })));

    // The timer the domain rule gives: from a fresh start in onprem (a move lands at break-even), idle.
    const prices = new ObjectPrices(
      t.app.tiers.profiles,
      body.length,
      t.app.config.proactive.latencyPenaltyPerSecond,
    );
    const w = new Float64Array(3);
    initialWork(w, prices, 0);
    const due = breakEvenDelayMs(w, prices, 0);
    assert.ok(due > 10 * MIN && due < 30 * 24 * 60 * MIN, `break-even after ${due / MIN} minutes`);
    assert.equal(await t.app.reactive.sweep(), 0, 'the first step after a start sets every timer');
    // predict-access shows the same timer, and what staying has cost so far.
    assert.ok(t.app.reactive instanceof BreakEvenTrigger);
    const state = await t.app.reactive.inspect(await t.app.objects.get(object.objectId));
    assert.ok(Math.abs(Date.parse(state.decision_due_at!) - (clock.now() + due)) <= 1, `due ${state.decision_due_at}`);
    assert.ok(state.extra_paid_by_staying_usd.private! < state.break_even_usd.private!);
    clock.advance(due - MIN);
    assert.equal(await t.app.reactive.sweep(), 0, 'a minute before break-even: stays');
    clock.advance(2 * MIN);
    assert.equal(await t.app.reactive.sweep(), 1, 'past break-even: demoted');
    await settle(t.app);
    const demoted = await t.app.catalog.listMigrations({ objectId: object.objectId, reason: 'reactive_cooling', limit: 10, offset: 0 });
    assert.equal(demoted.total, 1);
    for (const other of others) assert.equal((await t.app.objects.get(other.objectId)).tier, 'public', 'untouched objects stay');
  });

  it('moves an object with a steady daily rhythm up shortly before its next burst (proactive_prediction), not earlier', async () => {
    const midnight = Date.UTC(2026, 2, 2);
    const clock = new ManualClock(midnight);
    const t = await open(clock);
    const object = await t.app.objects.ingest({ body: Readable.from([Buffer.from('daily report')]) });
    // Three mornings of history before it was uploaded here: 60 reads from 09:00 each day.
    const rows = [3, 2, 1].flatMap((daysAgo) => Array.from({ length: 60 }, (_, i) => ({ at: midnight - daysAgo * 24 * 60 * MIN + 9 * 60 * MIN + i * MIN, objectId: object.objectId, count: 1 })));
    const { touched } = await t.app.accessImport.importRows(rows);
    t.app.reactive.notify(touched);
    await settle(t.app);
    assert.equal((await t.app.objects.get(object.objectId)).tier, 'public', 'old history is no reason to move now');
    clock.advance(8 * 60 * MIN);
    assert.equal(await t.app.reactive.sweep(), 0, '08:00: not yet');
    clock.advance(45 * MIN);
    assert.equal(await t.app.reactive.sweep(), 1, '08:45: ahead of the 09:00 burst');
    await settle(t.app);
    const [move] = (await t.app.catalog.listMigrations({ objectId: object.objectId, limit: 10, offset: 0 })).items;
    assert.equal(move!.reason, 'proactive_prediction');
    assert.equal(move!.status, 'completed');
    assert.equal((move!.explanation as Record<string, unknown>).reads_in_last_burst, 60);
    assert.notEqual((await t.app.objects.get(object.objectId)).tier, 'public');
  });

  it('the count rule stays available: rule thresholds', async () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 9));
    current = await startTestApp({ clock, patch: { proactive: { enabled: false }, reactive: { rule: 'thresholds' } } });
    const object = await current.app.objects.ingest({ body: Readable.from([Buffer.from('report')]) });
    await current.app.objects.simulateAccess(object.objectId, 99);
    await settle(current.app);
    assert.equal((await current.app.objects.get(object.objectId)).tier, 'private', '99 accesses: private (promoteAt 20), not onprem (100)');
  });

  it('serve() with many accesses at once equals serving them one by one', () => {
    const prices = new ObjectPrices(structuredClone(DEFAULT_TIERS).map(({ name, pricing, latency, promoteAt }) => ({ name, pricing, latency, promoteAt })), 4096, 0.00001);
    const a = new Float64Array(3);
    const b = new Float64Array(3);
    initialWork(a, prices, 2);
    initialWork(b, prices, 2);
    serve(a, prices, 'read', 40);
    for (let i = 0; i < 40; i++) serve(b, prices, 'read');
    assert.deepEqual(Array.from(a), Array.from(b));
  });
});
