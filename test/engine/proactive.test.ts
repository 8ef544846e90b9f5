import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import type { AccessRow } from '../../src/engine/access-import.js';
import { settle, startTestApp, type TestApp } from '../helpers/fixture.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
/** Day 0, 00:00 UTC: history starts here; "now" is set later on. */
const DAY0 = Date.UTC(2026, 2, 2);

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function open(clock: ManualClock, proactive: boolean): Promise<TestApp> {
  current = await startTestApp({ clock, patch: { proactive: { enabled: proactive }, reactive: { enabled: true, rule: 'thresholds' } } });
  return current;
}


/** Heavy reads between 09:00 and 10:00 UTC on each of `days` days from DAY0. */
function dailyPeak(objectId: string, days: number, perMinute = 5): AccessRow[] {
  const rows: AccessRow[] = [];
  for (let d = 0; d < days; d++) for (let m = 0; m < 60; m++) rows.push({ objectId, at: DAY0 + d * DAY + 9 * HOUR + m * MIN, count: perMinute });
  return rows;
}

async function migrationsOf(t: TestApp, objectId: string) {
  return (await t.app.catalog.listMigrations({ objectId, limit: 20, offset: 0 })).items;
}

describe('proactive tiering (virtual time)', () => {
  it('promotes an object with a daily 09:00 peak before the next peak starts; a reactive-only setup only once it has begun', async () => {
    for (const proactive of [true, false]) {
      const clock = new ManualClock(DAY0);
      const t = await open(clock, proactive);
      const object = await t.app.objects.ingest({ body: Readable.from([randomBytes(256 * 1024)]), objectId: `report-${proactive}` });
      await t.app.accessImport.importRows(dailyPeak(object.objectId, 14));

      // Day 14, 07:00: two hours before the next peak.
      clock.set(DAY0 + 14 * DAY + 7 * HOUR);
      if (proactive) {
        const report = await t.app.proactive.sweep();
        assert.equal(report.planned.length, 1, 'the sweep plans the move ahead of demand');
        await settle(t.app);
        const [move] = await migrationsOf(t, object.objectId);
        assert.equal(move?.reason, 'proactive_prediction');
        assert.equal(move?.status, 'completed');
        assert.equal(move?.sourceTier, 'public');
        assert.ok(move!.createdAt < DAY0 + 14 * DAY + 9 * HOUR, 'planned before 09:00');
        const why = move!.explanation!;
        assert.ok((why.predicted_accesses as number) > 100, `forecast ${why.predicted_accesses} reflects ~300 accesses a day`);
        assert.ok(typeof (why.expected_cost_usd as Record<string, number>).public === 'number');
        assert.ok((why.saving_usd as number) > 0);
        assert.notEqual((await t.app.objects.get(object.objectId)).tier, 'public');
      } else {
        await t.app.reactive.sweep();
        await settle(t.app);
        assert.deepEqual(await migrationsOf(t, object.objectId), [], 'reactive-only: nothing moves before the peak');
        // 09:00 to 09:20: the peak's first accesses arrive.
        for (let m = 0; m < 20; m++) {
          clock.set(DAY0 + 14 * DAY + 9 * HOUR + m * MIN);
          await t.app.objects.simulateAccess(object.objectId, 5);
          await settle(t.app);
        }
        const [move] = await migrationsOf(t, object.objectId);
        assert.equal(move?.reason, 'reactive_access_spike');
        assert.ok(move!.createdAt >= DAY0 + 14 * DAY + 9 * HOUR, 'reactive promotes only after the peak began');
      }
      await t.close();
      current = undefined;
    }
  });

  it('demotes an object whose history shows it went cold, from the forecast rather than a fixed idle period', async () => {
    const clock = new ManualClock(DAY0);
    const t = await open(clock, true);
    const object = await t.app.objects.ingest({ body: Readable.from([randomBytes(4 * 1024 * 1024)]), tier: 'onprem', objectId: 'launch-video' });
    const busy: AccessRow[] = [];
    for (let h = 0; h < 3 * 24; h++) busy.push({ objectId: object.objectId, at: DAY0 + h * HOUR, count: 40 });
    await t.app.accessImport.importRows(busy);

    // Day 10: a week of silence, nothing last week on this weekday either.
    clock.set(DAY0 + 10 * DAY);
    const report = await t.app.proactive.sweep();
    assert.equal(report.planned.length, 1);
    await settle(t.app);
    const [move] = await migrationsOf(t, object.objectId);
    assert.equal(move?.reason, 'proactive_cooling');
    assert.equal(move?.status, 'completed');
    const why = move!.explanation!;
    assert.ok((why.predicted_accesses as number) < 1);
    assert.ok((why.planning_window_hours as number) > 24, 'planned over the expected gap to the next access, not the 24 h horizon');
    assert.notEqual((await t.app.objects.get(object.objectId)).tier, 'onprem');
  });

  it("records each object's forecast and lets a new object inherit its siblings' demand: promoted by the sweep, or placed at ingest", async () => {
    for (const placeNewObjects of [false, true]) {
      const clock = new ManualClock(DAY0);
      current = await startTestApp({ clock, patch: { proactive: { enabled: true, placeNewObjects }, reactive: { enabled: true } } });
      const t = current;
      const sibling = await t.app.objects.ingest({ body: Readable.from([Buffer.from('first report')]), objectId: 'report-03', name: 'reports/2026-03.pdf' });
      // With nothing to learn from, placement takes the tier with the least worst-case regret:
      // for a small object at the seed's prices, onprem (no PUT fee, no egress if it is read).
      assert.equal(sibling.tier, placeNewObjects ? 'onprem' : 'public', 'an empty catalog: the ingest tier, or with placement the minimax-regret tier');
      clock.set(DAY0 + 2 * DAY);
      await t.app.objects.simulateAccess(sibling.objectId, 150);
      await settle(t.app);
      clock.advance(2 * HOUR);
      const newcomer = await t.app.objects.ingest({ body: Readable.from([Buffer.from('next report')]), objectId: 'report-04', name: 'reports/2026-04.pdf' });
      clock.advance(MIN);
      const report = await t.app.proactive.sweep();
      assert.equal(report.forecasts, 2);
      const planned = report.planned.find((p) => p.object_id === newcomer.objectId);
      if (placeNewObjects) {
        assert.notEqual(newcomer.tier, 'public', "written straight to a faster tier on its group's demand");
        assert.equal(planned, undefined, 'already where the forecast wants it: nothing to move');
        assert.deepEqual(await migrationsOf(t, newcomer.objectId), []);
      } else {
        assert.equal(newcomer.tier, 'public');
        assert.ok(planned, "the newcomer is promoted on its group's demand");
        assert.equal(planned.reason, 'proactive_prediction');
      }
      const stored = await t.app.objects.get(newcomer.objectId);
      assert.ok(stored.prediction && stored.prediction.accesses > 100);
      assert.equal(stored.prediction.modelVersion, 0, 'no model trained yet: the baseline forecasts');
      await t.close();
      current = undefined;
    }
  });

  it('says plainly when there is too little history to train, and keeps the baseline', async () => {
    const clock = new ManualClock(DAY0);
    const t = await open(clock, true);
    await t.app.objects.ingest({ body: Readable.from([Buffer.from('lonely')]) });
    clock.advance(DAY);
    const report = await t.app.forecaster.train();
    assert.equal(report.status, 'not_enough_history');
    assert.match(report.message, /not enough history to train/);
    assert.deepEqual(report.served, { version: 0, family: 'baseline' });
    assert.deepEqual(await t.app.catalog.listModels(10), []);
  });
});
