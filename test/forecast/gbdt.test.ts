import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Prng } from '../../src/sim/prng.js';
import { parseGbdt, predictGbdt, predictOne, serializeGbdt, trainGbdt, type GbdtModel, type GbdtOptions } from '../../src/forecast/gbdt.js';

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function poisson(rand: () => number, rate: number): number {
  if (rate > 30) return Math.max(0, Math.round(rate + Math.sqrt(rate) * gaussian(rand)));
  const limit = Math.exp(-rate);
  let k = 0;
  for (let p = rand(); p > limit; p *= rand()) k++;
  return k;
}

interface Data { x: Float64Array; y: Float64Array; truth: Float64Array; rows: number; cols: number }

/** Features uniform in [0, 1) unless `feature` says otherwise; label = noisy(truth(row)). */
function dataset(
  seed: number,
  rows: number,
  cols: number,
  truth: (row: Float64Array) => number,
  noisy: (t: number, rand: () => number) => number = (t) => t,
  feature: (c: number, rand: () => number) => number = (_c, rand) => rand(),
): Data {
  const prng = new Prng(seed);
  const rand = () => prng.next();
  const x = new Float64Array(rows * cols);
  const y = new Float64Array(rows);
  const t = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    for (let c = 0; c < cols; c++) row[c] = feature(c, rand);
    t[r] = truth(row);
    y[r] = noisy(t[r]!, rand);
  }
  return { x, y, truth: t, rows, cols };
}

const train = (d: Data, o?: GbdtOptions) => trainGbdt(d.x, d.rows, d.cols, d.y, o);
const predict = (m: GbdtModel, d: Data) => predictGbdt(m, d.x, d.rows, d.cols);
const mean = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0) / a.length;
const mae = (p: ArrayLike<number>, t: ArrayLike<number>) => mean(Array.from(p, (v, i) => Math.abs(v - t[i]!)));
const mse = (p: ArrayLike<number>, t: ArrayLike<number>) => mean(Array.from(p, (v, i) => (v - t[i]!) ** 2));
const step = (row: Float64Array) => (row[0]! < 0.5 ? 1 : 5);

describe('gbdt: accuracy', () => {
  it('learns a step function almost exactly, with either loss', () => {
    const tenths = (_c: number, rand: () => number) => Math.floor(rand() * 10) / 10;
    for (const loss of ['poisson', 'squared'] as const) {
      // On a discrete feature the step falls between bins: every row must come out right.
      const discrete = train(dataset(1, 5000, 3, step, undefined, tenths), { loss });
      const dt = dataset(2, 2000, 3, step, undefined, tenths);
      const worst = Math.max(...Array.from(predict(discrete, dt), (p, r) => Math.abs(p - dt.truth[r]!)));
      assert.ok(worst < 0.01, `${loss}: worst error ${worst}`);
      // On a continuous one, 64 quantile bins put the nearest edge up to ~1/63 from the step,
      // so rows that close to it are mixed; the typical row is still nearly exact.
      const model = train(dataset(1, 5000, 3, step), { loss });
      const test = dataset(2, 2000, 3, step);
      const errors = Array.from(predict(model, test), (p, r) => Math.abs(p - test.truth[r]!)).sort((a, b) => a - b);
      assert.ok(mean(errors) < 0.06, `${loss}: MAE ${mean(errors)}`);
      assert.ok(errors[1000]! < 0.01, `${loss}: median error ${errors[1000]}`);
    }
  });

  it('learns y = 3·x0 + noise far better than the mean predictor', () => {
    const f = (row: Float64Array) => 3 * (row[0]! * 2 - 1);
    const noisy = (t: number, rand: () => number) => t + 0.1 * gaussian(rand);
    const tr = dataset(3, 10_000, 4, f, noisy);
    const test = dataset(4, 2000, 4, f, noisy);
    const model = train(tr, { loss: 'squared' });
    const baseline = mse(new Float64Array(test.rows).fill(mean(tr.y)), test.y);
    const err = mse(predict(model, test), test.y);
    assert.ok(baseline > 2.5, `baseline ${baseline}`);
    assert.ok(err < baseline / 50, `model MSE ${err} vs mean predictor ${baseline}`);
    assert.ok(err < 0.03, `model MSE ${err} (noise alone is 0.01)`);
  });

  it('poisson loss never predicts below zero and beats squared loss on skewed, exp-shaped counts', () => {
    // Rates from e^-6 to e^6: a few hot objects, a long cold tail.
    const rate = (row: Float64Array) => Math.exp(12 * (0.6 * row[0]! + 0.4 * row[1]!) - 6);
    const counts = (t: number, rand: () => number) => poisson(rand, t);
    const tr = dataset(5, 20_000, 4, rate, counts);
    const test = dataset(6, 5000, 4, rate, counts);
    const logError = (p: Float64Array) => mean(Array.from(p, (v, i) => Math.abs(Math.log(Math.max(v, 1e-6) / test.truth[i]!))));
    const pois = train(tr, { loss: 'poisson' });
    const sq = train(tr, { loss: 'squared' });
    const pp = predict(pois, test);
    const ps = predict(sq, test);
    assert.ok(pp.every((v) => v > 0));
    const extremes = [[-1e300, -1e300, 0, 0], [1e300, 1e300, 1, 1], [NaN, NaN, NaN, NaN], [Infinity, -Infinity, 0, 0]];
    for (const row of extremes) assert.ok(predictOne(pois, row) >= 0, `${row}`);
    assert.ok(logError(pp) < 0.3, `poisson mean |log error| ${logError(pp)}`);
    assert.ok(logError(pp) < logError(ps) / 2, `poisson ${logError(pp)} vs squared ${logError(ps)}`);
    assert.ok(mae(pp, test.truth) < mae(ps, test.truth), `MAE poisson ${mae(pp, test.truth)} vs squared ${mae(ps, test.truth)}`);
  });

  it('ranks the informative feature first when the other columns are noise', () => {
    const model = train(dataset(7, 5000, 6, (row) => 3 * row[0]!, (t, rand) => t + 0.05 * gaussian(rand)), { loss: 'squared' });
    const imp = model.featureImportance;
    assert.equal(imp.length, 6);
    assert.ok(Math.abs(imp.reduce((a, b) => a + b, 0) - 1) < 1e-9);
    assert.equal(imp.indexOf(Math.max(...imp)), 0);
    assert.ok(imp[0]! > 0.9, `importance ${imp}`);
  });

  it('keeps resolution on a feature dominated by one value (greedy quantile bins)', () => {
    // 90% zeros: plain quantiles would spend every edge on 0 and could not find the cut at 0.8.
    const f = (row: Float64Array) => (row[0]! > 0.8 ? 6 : 1);
    const zeros = (_c: number, rand: () => number) => (rand() < 0.9 ? 0 : rand());
    const model = train(dataset(8, 20_000, 2, f, undefined, zeros));
    const test = dataset(9, 20_000, 2, f, undefined, zeros);
    assert.ok(mae(predict(model, test), test.truth) < 0.01);
  });
});

describe('gbdt: determinism and serialisation', () => {
  const d = dataset(10, 3000, 4, (row) => 2 + Math.sin(6 * row[0]!) + row[1]!, (t, rand) => poisson(rand, t));

  it('gives identical models for the same seed and different trees for another subsample seed', () => {
    const a = train(d, { subsample: 0.5, seed: 7, trees: 20 });
    const b = train(d, { subsample: 0.5, seed: 7, trees: 20 });
    const c = train(d, { subsample: 0.5, seed: 8, trees: 20 });
    assert.deepEqual(a, b);
    assert.deepEqual(predict(a, d), predict(b, d));
    assert.notDeepEqual(a.trees, c.trees);
    assert.notDeepEqual(predict(a, d), predict(c, d));
    // Without subsampling nothing is random, so the seed changes nothing.
    assert.deepEqual(train(d, { trees: 5, seed: 1 }), train(d, { trees: 5, seed: 2 }));
  });

  it('serialise → parse gives the same model and identical predictions', () => {
    for (const loss of ['poisson', 'squared'] as const) {
      const model = train(d, { loss, trees: 30 });
      const back = parseGbdt(serializeGbdt(model));
      assert.deepEqual(back, model);
      assert.deepEqual(predict(back, d), predict(model, d));
    }
  });

  it('rejects malformed models with a message naming the problem', () => {
    const good = JSON.parse(serializeGbdt(train(d, { trees: 3, maxDepth: 2 }))) as Record<string, any>;
    const broken = (mutate: (m: Record<string, any>) => void) => {
      const m = structuredClone(good);
      mutate(m);
      return JSON.stringify(m);
    };
    assert.throws(() => parseGbdt('{"kind":'), /parseGbdt: not JSON/);
    assert.throws(() => parseGbdt('[]'), /parseGbdt: kind must be 'gbdt'/);
    assert.throws(() => parseGbdt(broken((m) => (m.kind = 'forest'))), /kind must be 'gbdt', got "forest"/);
    assert.throws(() => parseGbdt(broken((m) => (m.version = 2))), /version must be 1/);
    assert.throws(() => parseGbdt(broken((m) => (m.loss = 'huber'))), /loss must be/);
    assert.throws(() => parseGbdt(broken((m) => delete m.base)), /base must be a finite number/);
    assert.throws(() => parseGbdt(broken((m) => m.featureImportance.pop())), /featureImportance has length 3, expected 4/);
    assert.throws(() => parseGbdt(broken((m) => m.trees[1].value.pop())), /trees\[1\]\.value has length/);
    assert.throws(() => parseGbdt(broken((m) => (m.trees[0].threshold[0] = null))), /trees\[0\]\.threshold must be an array of finite numbers/);
    assert.throws(() => parseGbdt(broken((m) => (m.trees[0].feature[0] = 9))), /trees\[0\]\.feature\[0\] = 9/);
    assert.throws(() => parseGbdt(broken((m) => (m.trees[2].left[0] = 0))), /trees\[2\]\.left\[0\] = 0 must be a node index/);
    assert.throws(() => parseGbdt(broken((m) => (m.trees[0].right[0] = 99))), /trees\[0\]\.right\[0\] = 99/);
    assert.throws(() => parseGbdt(broken((m) => (m.trees[0] = { feature: [] }))), /trees\[0\]\.threshold must be an array|trees\[0\] has no nodes/);
  });
});

describe('gbdt: edge cases', () => {
  const singleLeaves = (m: GbdtModel) => m.trees.every((t) => t.feature.length === 1 && t.feature[0] === -1);

  it('handles constant labels: no splits, the constant predicted', () => {
    for (const [loss, c] of [['squared', 7.25], ['squared', -3], ['poisson', 3], ['poisson', 0]] as const) {
      const d = dataset(11, 500, 3, () => c);
      const model = train(d, { loss });
      assert.ok(singleLeaves(model), `${loss} ${c}`);
      for (const p of predict(model, d)) assert.ok(Math.abs(p - c) < 1e-6 && p >= Math.min(c, 0), `${loss} ${c}: ${p}`);
    }
  });

  it('handles a constant feature (never split on) and all-constant features (single leaves)', () => {
    const d = dataset(12, 2000, 2, step, undefined, (c, rand) => (c === 1 ? 4.2 : rand()));
    const model = train(d);
    assert.equal(model.featureImportance[1], 0);
    assert.ok(mae(predict(model, d), d.truth) < 0.05);
    const flat = dataset(13, 500, 2, (row) => row[0]!, (_t, rand) => rand() * 4, () => 1);
    const m = train(flat, { loss: 'squared' });
    assert.ok(singleLeaves(m));
    for (const p of predict(m, flat)) assert.ok(Math.abs(p - mean(flat.y)) < 1e-9);
  });

  it('gives missing values (NaN) their own bin, and sends unseen NaN to the lowest side', () => {
    // Missing x0 means a hot object here; the model must learn that from the NaN bin alone.
    const d = dataset(14, 5000, 2, (row) => (Number.isNaN(row[0]) ? 10 : 1 + 2 * row[0]!), undefined, (c, rand) => (c === 0 && rand() < 0.3 ? NaN : rand()));
    const model = train(d);
    const p = predict(model, d);
    const nan = Array.from(d.truth.keys()).filter((r) => Number.isNaN(d.x[r * 2]));
    assert.ok(nan.length > 1000);
    assert.ok(mean(nan.map((r) => Math.abs(p[r]! - 10))) < 0.05);
    assert.ok(mae(p, d.truth) < 0.1, `MAE ${mae(p, d.truth)}`);
    // x1 never NaN in training: NaN there must behave like its lowest values.
    for (const x0 of [0.2, 0.7, NaN]) assert.equal(predictOne(model, [x0, NaN]), predictOne(model, [x0, -1e308]));
  });

  it('with fewer rows than minSamplesLeaf, every tree is one leaf and predicts the base (the mean)', () => {
    for (const loss of ['squared', 'poisson'] as const) {
      const d = dataset(15, 10, 3, (row) => 10 * row[0]!);
      const model = train(d, { loss });
      assert.ok(singleLeaves(model));
      for (const p of predict(model, d)) assert.ok(Math.abs(p - mean(d.y)) < 1e-9, `${loss}: ${p}`);
    }
  });

  it('never grows a leaf with fewer than minSamplesLeaf training rows', () => {
    const d = dataset(18, 3000, 3, (row) => 2 + 3 * row[0]! * row[1]!, (t, rand) => poisson(rand, t));
    for (const minSamplesLeaf of [1, 50]) {
      const model = train(d, { minSamplesLeaf, trees: 10, maxDepth: 8 });
      let smallest = Infinity;
      for (const t of model.trees) {
        const counts = new Map<number, number>();
        for (let r = 0; r < d.rows; r++) {
          let k = 0;
          while (t.feature[k]! >= 0) k = d.x[r * 3 + t.feature[k]!]! > t.threshold[k]! ? t.right[k]! : t.left[k]!;
          counts.set(k, (counts.get(k) ?? 0) + 1);
        }
        smallest = Math.min(smallest, ...counts.values());
      }
      assert.ok(smallest >= minSamplesLeaf, `min ${minSamplesLeaf}: a leaf holds ${smallest}`);
      if (minSamplesLeaf === 1) assert.ok(smallest < 20, 'minSamplesLeaf 1 should allow small leaves');
    }
  });

  it('predictGbdt equals predictOne on every row, for Float64Array and Float32Array input', () => {
    const d = dataset(16, 1003, 5, (row) => 1 + row[0]! * 3 + (row[1]! > 0.5 ? 2 : 0), (t, rand) => poisson(rand, t), (c, rand) => (rand() < 0.05 ? NaN : c === 4 ? Math.floor(rand() * 3) : rand()));
    for (const loss of ['poisson', 'squared'] as const) {
      const model = train(d, { loss, trees: 40, maxDepth: 5, minSamplesLeaf: 5 });
      assert.ok(model.trees.some((t) => t.feature.length > 10));
      for (const x of [d.x, Float32Array.from(d.x)]) {
        const out = new Float64Array(d.rows + 2);
        assert.equal(predictGbdt(model, x, d.rows, d.cols, out), out);
        for (let r = 0; r < d.rows; r++) assert.equal(out[r], predictOne(model, x.subarray(r * d.cols, (r + 1) * d.cols)), `row ${r}`);
      }
    }
  });

  it('rejects bad input with clear errors', () => {
    const d = dataset(17, 100, 2, (row) => row[0]! - 0.5);
    assert.throws(() => train(d), /labels\[\d+\] is -?[\d.e-]+; poisson loss needs labels ≥ 0 \(use loss: 'squared'\)/);
    assert.throws(() => trainGbdt(d.x, 100, 3, d.y, { loss: 'squared' }), /features has 200 values, expected rows × cols = 300/);
    assert.throws(() => trainGbdt(d.x, 100, 2, d.y, { loss: 'squared', bins: 256 }), /bins must be an integer in \[2, 255\]/);
    const model = train(d, { loss: 'squared', trees: 2 });
    assert.throws(() => predictGbdt(model, d.x, 50, 4), /model has 2 features, got cols = 4/);
    assert.throws(() => predictOne(model, [1]), /model has 2 features, row has 1/);
  });
});
