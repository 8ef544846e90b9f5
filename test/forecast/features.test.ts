import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { baselineForecast, PRIOR_DAYS } from '../../src/forecast/baseline.js';
import { buildDataset, rollingOrigins, selectRows, type ObjectHistory } from '../../src/forecast/dataset.js';
import { ALL_OBJECTS, addToGroup, FEATURE_COUNT, LOOKBACK_HOURS, featureIndex, groupOf, siblingStats, writeFeatures, type GroupStats } from '../../src/forecast/features.js';
import { HOUR_MS, hourlySeries, sumHours } from '../../src/forecast/hourly-series.js';

const START = Date.UTC(2026, 0, 5); // a Monday, 00:00 UTC

/** A history with `perHour(h)` accesses in hour h of the axis. */
function history(objectId: string, hours: number, perHour: (h: number) => number, group = 'g', createdAt = START - HOUR_MS): ObjectHistory {
  const counts = new Float64Array(hours);
  for (let h = 0; h < hours; h++) counts[h] = perHour(h);
  return { objectId, group, facts: { createdAt, sizeBytes: 1024, lastAccessedAt: null }, series: { startMs: START, counts } };
}

describe('hourly series', () => {
  it('places minute and hour buckets in their hour and spreads a day bucket evenly', () => {
    const series = hourlySeries(
      [
        { bucketStart: START + 5 * 60_000, resolutionSeconds: 60, count: 3 },
        { bucketStart: START + 59 * 60_000, resolutionSeconds: 60, count: 4 },
        { bucketStart: START + HOUR_MS, resolutionSeconds: 3600, count: 10 },
        { bucketStart: START + 24 * HOUR_MS, resolutionSeconds: 86400, count: 48 },
        { bucketStart: START - HOUR_MS, resolutionSeconds: 3600, count: 99 },
      ],
      START,
      48,
    );
    assert.equal(series.counts[0], 7);
    assert.equal(series.counts[1], 10);
    assert.equal(series.counts[24], 2);
    assert.equal(series.counts[47], 2);
    assert.equal(sumHours(series, 0, 48), 7 + 10 + 48, 'the bucket before the axis is left out');
  });
});

describe('features', () => {
  it('reads windows, lags and recency from the history before the origin only', () => {
    const h = history('a', LOOKBACK_HOURS + 24, (i) => (i % 24 === 9 ? 10 : 0));
    const t = START + LOOKBACK_HOURS * HOUR_MS;
    const out = new Float64Array(FEATURE_COUNT);
    writeFeatures(out, 0, h.series, LOOKBACK_HOURS, t, h.facts, { objects: 3, sum24h: 16, sum7dPerDay: 14 });
    const f = (name: Parameters<typeof featureIndex>[0]) => out[featureIndex(name)];
    assert.equal(f('accesses_24h'), 10);
    assert.equal(f('accesses_7d'), 70);
    assert.equal(f('same_24h_last_week'), 10);
    assert.equal(f('next_6h_yesterday'), 0, 'yesterday 00:00–06:00 was quiet');
    assert.equal(f('hours_since_last_access'), 14, 'last access in the hour 09:00, fourteen hours before midnight');
    assert.equal(f('hour_of_day'), 0);
    assert.equal(f('group_mean_24h'), 3, 'the two siblings\' mean, the object\'s own 10 left out');
    // Writing a future burst after t changes nothing.
    h.series.counts[LOOKBACK_HOURS + 3] = 1000;
    const again = new Float64Array(FEATURE_COUNT);
    writeFeatures(again, 0, h.series, LOOKBACK_HOURS, t, h.facts, { objects: 3, sum24h: 16, sum7dPerDay: 14 });
    assert.deepEqual(again, out);
  });

  it('groups objects by key prefix, else by content type', () => {
    assert.equal(groupOf({ objectId: 'x1', name: 'logs/2026/a.txt', contentType: 'text/plain' }), 'prefix:logs/2026');
    assert.equal(groupOf({ objectId: 'x2', name: 'a.txt', contentType: 'text/plain' }), 'type:text/plain');
  });
});

describe('baseline forecaster', () => {
  it('forecasts a steady object at its daily rate, and a young one at its group mean', () => {
    const steady = history('s', LOOKBACK_HOURS + 24, () => 2, 'g', START - 30 * 24 * HOUR_MS);
    const out = new Float64Array(FEATURE_COUNT);
    writeFeatures(out, 0, steady.series, LOOKBACK_HOURS, START + LOOKBACK_HOURS * HOUR_MS, steady.facts, { objects: 1, sum24h: 48, sum7dPerDay: 48 });
    assert.ok(Math.abs(baselineForecast(out, 0) - 48) < 1e-9);
    assert.ok(Math.abs(baselineForecast(out, 0, 12) - 24) < 1e-9, 'scaled to the horizon');

    const t = START + LOOKBACK_HOURS * HOUR_MS;
    const young = history('y', LOOKBACK_HOURS + 24, () => 0, 'g', t - 10 * 60_000);
    writeFeatures(out, 0, young.series, LOOKBACK_HOURS, t, young.facts, { objects: 3, sum24h: 240, sum7dPerDay: 160 });
    // Ten minutes old with no access: its group's mean of the others (240 / 2), barely diluted.
    const tenMinutes = 10 / (60 * 24);
    assert.ok(Math.abs(baselineForecast(out, 0) - (120 * PRIOR_DAYS) / (tenMinutes + PRIOR_DAYS)) < 1e-9);
  });

  // The forecast defects of the decisions issue, each reproduced first.
  const t = START + LOOKBACK_HOURS * HOUR_MS;
  const tIndex = LOOKBACK_HOURS;
  const siblings: GroupStats = { objects: 3, sum24h: 100, sum7dPerDay: 100 };
  const forecast = (h: ObjectHistory, group = siblings) => {
    const out = new Float64Array(FEATURE_COUNT);
    writeFeatures(out, 0, h.series, tIndex, t, h.facts, group);
    return baselineForecast(out, 0);
  };

  it('a new object with 100 accesses in its first half hour is forecast busier than its untouched siblings', () => {
    const busy = history('busy', LOOKBACK_HOURS, (h) => (h === tIndex - 1 ? 100 : 0), 'g', t - HOUR_MS / 2);
    const untouched = history('quiet', LOOKBACK_HOURS, () => 0, 'g', t - HOUR_MS / 2);
    const busyForecast = forecast(busy, { objects: 3, sum24h: 100, sum7dPerDay: 100 });
    const untouchedForecast = forecast(untouched, { objects: 3, sum24h: 100, sum7dPerDay: 100 });
    assert.ok(untouchedForecast > 0 && untouchedForecast <= 50, `untouched sibling: ${untouchedForecast}`);
    assert.ok(busyForecast > 100, `busy newcomer: ${busyForecast}`);
  });

  it("imported history counts: age runs from the first known access, so an object's own fortnight outweighs its group", () => {
    const uploadedJustNow = t - 10 * 60_000;
    const busyGroup: GroupStats = { objects: 10, sum24h: 9 * 54, sum7dPerDay: 9 * 54 };
    // Read once every 3 days for two weeks (history imported before the upload).
    const archive = history('archive', LOOKBACK_HOURS, (h) => (h >= tIndex - 14 * 24 && h % 72 === 5 ? 1 : 0), 'g', uploadedJustNow);
    const archiveForecast = forecast(archive, busyGroup);
    assert.ok(archiveForecast < 1, `archive object: ${archiveForecast} per 24 h`);
    // Read 60 times in the same hour every day for two weeks.
    const daily = history('daily', LOOKBACK_HOURS, (h) => (h >= tIndex - 14 * 24 && h % 24 === 9 ? 60 : 0), 'g', uploadedJustNow);
    const dailyForecast = forecast(daily, { objects: 10, sum24h: 0, sum7dPerDay: 0 });
    assert.ok(dailyForecast > 40 && dailyForecast < 80, `daily object: ${dailyForecast} per 24 h`);
  });
});

describe('rolling-origin dataset', () => {
  it('labels each origin with the accesses that followed it, never earlier ones', () => {
    const hours = LOOKBACK_HOURS + 72;
    const h = history('a', hours, (i) => i);
    const origins = rollingOrigins(hours, 24, 12);
    assert.equal(origins[0], LOOKBACK_HOURS);
    assert.equal(origins[origins.length - 1], hours - 24);
    const data = buildDataset([h], origins, 24);
    assert.equal(data.rows, origins.length);
    for (let r = 0; r < data.rows; r++) {
      const o = data.originIndex[r]!;
      assert.equal(data.labels[r], sumHours(h.series, o, o + 24));
      assert.equal(data.features[r * FEATURE_COUNT + featureIndex('accesses_1h')], o - 1, 'the last hour before the origin');
    }
    const early = selectRows(data, (o) => o < LOOKBACK_HOURS + 24);
    assert.deepEqual([...early.originIndex], origins.filter((o) => o < LOOKBACK_HOURS + 24));
  });

  it('leaves out objects that did not exist at an origin', () => {
    const hours = LOOKBACK_HOURS + 48;
    const late = history('late', hours, () => 1, 'g', START + (LOOKBACK_HOURS + 30) * HOUR_MS);
    const data = buildDataset([late], rollingOrigins(hours, 24, 6), 24);
    for (let r = 0; r < data.rows; r++) assert.ok(data.originIndex[r]! > LOOKBACK_HOURS + 30);
  });
});

describe('sibling statistics', () => {
  it("learns from the object's group while it has siblings, and from every object when it is alone in its group", () => {
    const groups = new Map<string, GroupStats>();
    addToGroup(groups, 'prefix:reports', 40, 280);
    addToGroup(groups, 'prefix:reports', 20, 140);
    addToGroup(groups, 'prefix:logs', 2, 14);
    assert.deepEqual(groups.get(ALL_OBJECTS), { objects: 3, sum24h: 62, sum7dPerDay: 62 });
    assert.equal(siblingStats(groups, 'prefix:reports'), groups.get('prefix:reports'), 'two members: its own group');
    assert.equal(siblingStats(groups, 'prefix:logs'), groups.get(ALL_OBJECTS), 'alone in its group: every object');
    assert.equal(siblingStats(groups, 'prefix:new'), groups.get(ALL_OBJECTS), 'an unknown group: every object');
    assert.equal(siblingStats(groups, 'prefix:logs', false), groups.get('prefix:logs'), 'a newcomer (not counted yet) with one sibling: its group');
    assert.deepEqual(siblingStats(new Map(), 'x'), { objects: 0, sum24h: 0, sum7dPerDay: 0 }, 'an empty catalog: nothing');
  });
});

