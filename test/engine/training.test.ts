import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/domain/clock.js';
import type { AccessRow } from '../../src/engine/access-import.js';
import { describeObjects, generateAccesses, type SyntheticOptions } from '../../src/sim/synthetic.js';
import { startTestApp, type TestApp } from '../helpers/fixture.js';

const DAY = 24 * 3_600_000;
const DAY0 = Date.UTC(2026, 1, 2);

let current: TestApp | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('training the forecaster on the catalog\'s history', () => {
  it('trains on rolling origins, records the model with its backtest, and serves the better of learned and baseline', async () => {
    const clock = new ManualClock(DAY0);
    current = await startTestApp({ clock });
    const app = current.app;
    const options: SyntheticOptions = { seed: 7, objects: 120, days: 16, start: DAY0, meanDailyAccesses: 120 * 30, preexistingShare: 1 };
    const idOf = (syntheticId: string) => syntheticId.replace(/\//g, '-');
    for (const o of describeObjects(options)) {
      // The synthetic id's prefix (its class) becomes the name's prefix: the object's group.
      await app.objects.ingest({ body: Readable.from([Buffer.alloc(16)]), objectId: idOf(o.id), name: `${o.id}.bin` });
    }
    const rows: AccessRow[] = [];
    for (const a of generateAccesses(options)) rows.push({ objectId: idOf(a.objectId), at: a.at, count: a.count });
    clock.set(DAY0 + 16 * DAY);
    const imported = await app.accessImport.importRows(rows);
    assert.equal(imported.result.unknown_object_ids.length, 0);

    const report = await app.forecaster.train();
    assert.equal(report.status, 'trained', report.message);
    assert.ok(report.train_rows > 1000 && report.test_rows > 100, `${report.train_rows} training rows, ${report.test_rows} held out`);
    const [baseline, learned] = report.backtest;
    assert.equal(baseline?.family, 'baseline');
    assert.equal(learned?.family, 'gbdt');
    const winner = learned!.mae < baseline!.mae ? 'gbdt' : 'baseline';
    assert.equal(report.served.family, winner, 'the registry serves whichever did better on held-out origins');

    const models = await app.catalog.listModels(10);
    const gbdt = models.find((m) => m.family === 'gbdt');
    assert.ok(gbdt, 'the learned model is in the registry even when it lost');
    assert.ok(gbdt.payload && gbdt.payload.length > 100);
    assert.equal(gbdt.metrics.baselineMae, baseline!.mae);
    assert.equal(gbdt.trainedTo, DAY0 + 16 * DAY);
    assert.deepEqual(app.forecaster.servedModel, report.served);

    // Scoring uses the served model and records its version with each forecast.
    const sweep = await app.proactive.sweep();
    assert.equal(sweep.model.version, report.served.version);
    const one = await app.objects.get(idOf(describeObjects(options)[0]!.id));
    assert.equal(one.prediction?.modelVersion, report.served.version);
  });
});
