/**
 * Histogram gradient-boosted regression trees, small enough to own.
 *
 * Why our own: at 100k rows × 20 features the JS options either scale quadratically
 * (ml-random-forest) or crash (ml-xgboost's old WASM); see /work/shared/PITFALLS.md.
 *
 * Pure: no I/O, no clock, no Math.random. Row subsampling draws from the project's seeded PRNG (src/sim/prng.ts)
 * seeded by `options.seed`, so the same inputs and options always give the same model.
 *
 * Missing values: NaN (and -Infinity, and anything ≤ -Number.MAX_VALUE) falls into bin 0,
 * below every real value. A split can therefore isolate "missing" (threshold
 * -Number.MAX_VALUE), and at prediction time such values always take the left branch,
 * because the rule is `x > threshold ? right : left` and NaN > t is false.
 */

import { Prng } from '../sim/prng.js';

export type GbdtLoss = 'squared' | 'poisson';

export interface GbdtOptions {
  /** Boosting rounds. Default 100. */
  trees?: number;
  /** Maximum depth, 0..12 (prediction pads trees to complete ones); 0 makes every tree a single leaf. Default 6. */
  maxDepth?: number;
  /** Shrinkage applied to every leaf value. Default 0.1. */
  learningRate?: number;
  /** Bins per feature including the missing-value bin, 2..255 (fits a Uint8Array). Default 64. */
  bins?: number;
  /** Fewest training rows a leaf may hold. Default 20. */
  minSamplesLeaf?: number;
  /** L2 penalty λ on leaf values (gain G²/(H+λ), leaf −G/(H+λ)); 0 acts as 1e-12. Default 1. */
  l2?: number;
  /** Fraction of rows drawn (Bernoulli, seeded) for each tree, (0, 1]. Default 1. */
  subsample?: number;
  /** PRNG seed; only matters when subsample < 1. Default 1. */
  seed?: number;
  /**
   * 'poisson' (default): log link, trees fit the gradient of the Poisson deviance and the
   * prediction is exp(raw) — never negative, multiplicative effects, suits skewed counts;
   * labels must be ≥ 0. 'squared': plain least squares, any finite labels.
   */
  loss?: GbdtLoss;
}

/** One tree in flat arrays. Leaves have feature −1, left = right = −1; internal nodes value 0. */
export interface GbdtTree {
  feature: number[];
  /** Real feature value: x > threshold goes right, otherwise (and NaN) left. */
  threshold: number[];
  left: number[];
  right: number[];
  /** Leaf contribution to the raw score, learning rate already applied. */
  value: number[];
}

/** Plain, JSON-serialisable model. */
export interface GbdtModel {
  kind: 'gbdt';
  version: 1;
  loss: GbdtLoss;
  /** Initial raw score: mean (squared) or log(mean) (poisson). */
  base: number;
  featureCount: number;
  trees: GbdtTree[];
  /** Total split gain per feature, normalised to sum 1 (all zeros if no tree ever split). */
  featureImportance: number[];
}

type Floats = Float64Array | Float32Array;

const MISSING_THRESHOLD = -Number.MAX_VALUE;
const MIN_GAIN = 1e-12;
const MAX_DEPTH = 12;
/** Poisson Newton steps explode when a leaf is badly under-predicted (H ≈ 0): clamp them, as XGBoost's max_delta_step does. */
const POISSON_MAX_DELTA = 0.7;
/** Floor for the Poisson base so that all-zero labels give a finite log. */
const POISSON_MIN_MEAN = 1e-9;
/** Bin edges come from at most this many rows (evenly strided, so no randomness). */
const BINNING_SAMPLE = 50_000;

function int(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`gbdt: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  return v;
}

/** A split point strictly between adjacent distinct values a < b, finite so it survives JSON. */
function between(a: number, b: number): number {
  const e = a / 2 + b / 2;
  return e < b && Number.isFinite(e) ? e : a;
}

/** Bin edges of one feature from its sorted non-missing sample: few distinct values get one bin each, otherwise equal-count bins (greedy, so a heavy value such as 0 takes one bin and does not waste the rest). */
function featureEdges(sorted: Float64Array, maxEdges: number): number[] {
  const uniq: number[] = [];
  const count: number[] = [];
  for (const v of sorted) {
    if (uniq.length > 0 && uniq[uniq.length - 1] === v) count[count.length - 1]!++;
    else uniq.push(v), count.push(1);
  }
  const edges: number[] = [];
  if (uniq.length <= maxEdges + 1) {
    for (let i = 0; i + 1 < uniq.length; i++) edges.push(between(uniq[i]!, uniq[i + 1]!));
    return edges;
  }
  let rest = sorted.length;
  let acc = 0;
  for (let i = 0; i + 1 < uniq.length && edges.length < maxEdges; i++) {
    acc += count[i]!;
    if (acc >= rest / (maxEdges + 1 - edges.length)) {
      edges.push(between(uniq[i]!, uniq[i + 1]!));
      rest -= acc;
      acc = 0;
    }
  }
  return edges;
}

/** Bin of x: 0 for missing, else 1 + number of edges < x (so bin > b ⇔ x > edges[b−1]). */
function binOf(edges: number[], x: number): number {
  if (!(x > MISSING_THRESHOLD)) return 0;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

interface Split { feature: number; bin: number; gain: number; gl: number; hl: number }
interface Node { id: number; start: number; end: number; g: number; h: number; depth: number; hist: Float64Array | null }

export function trainGbdt(features: Floats, rows: number, cols: number, labels: Floats, options: GbdtOptions = {}): GbdtModel {
  int('rows', rows, 1);
  int('cols', cols, 1);
  if (features.length !== rows * cols) throw new Error(`gbdt: features has ${features.length} values, expected rows × cols = ${rows * cols}`);
  if (labels.length !== rows) throw new Error(`gbdt: labels has ${labels.length} values, expected ${rows}`);
  const nTrees = int('trees', options.trees ?? 100, 0);
  const maxDepth = int('maxDepth', options.maxDepth ?? 6, 0, MAX_DEPTH);
  const nBins = int('bins', options.bins ?? 64, 2, 255);
  const minLeaf = int('minSamplesLeaf', options.minSamplesLeaf ?? 20, 1);
  const lr = options.learningRate ?? 0.1;
  const l2 = options.l2 ?? 1;
  const subsample = options.subsample ?? 1;
  const loss = options.loss ?? 'poisson';
  if (!(lr > 0 && lr <= 1)) throw new Error(`gbdt: learningRate must be in (0, 1], got ${lr}`);
  if (!(l2 >= 0 && Number.isFinite(l2))) throw new Error(`gbdt: l2 must be a finite number ≥ 0, got ${l2}`);
  if (!(subsample > 0 && subsample <= 1)) throw new Error(`gbdt: subsample must be in (0, 1], got ${subsample}`);
  if (loss !== 'squared' && loss !== 'poisson') throw new Error(`gbdt: loss must be 'squared' or 'poisson', got ${String(loss)}`);
  const lambda = Math.max(l2, 1e-12);
  const poisson = loss === 'poisson';
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const y = labels[r]!;
    if (!Number.isFinite(y)) throw new Error(`gbdt: labels[${r}] is ${y}; labels must be finite`);
    if (poisson && y < 0) throw new Error(`gbdt: labels[${r}] is ${y}; poisson loss needs labels ≥ 0 (use loss: 'squared')`);
    sum += y;
  }
  const base = poisson ? Math.log(Math.max(sum / rows, POISSON_MIN_MEAN)) : sum / rows;

  // Quantile binning on an evenly strided sample; every row then binned with the same edges.
  const sampleRows = Math.min(rows, BINNING_SAMPLE);
  const edges: number[][] = [];
  const column = new Float64Array(sampleRows);
  for (let f = 0; f < cols; f++) {
    let n = 0;
    for (let i = 0; i < sampleRows; i++) {
      const x = features[Math.floor((i * rows) / sampleRows) * cols + f]!;
      if (x > MISSING_THRESHOLD) column[n++] = x;
    }
    edges.push(featureEdges(column.subarray(0, n).sort(), nBins - 2));
  }
  const binned = new Uint8Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) binned[i] = binOf(edges[i % cols]!, features[i]!);
  const binCount = edges.map((e) => e.length + 2);
  const stride = Math.max(...binCount);
  const histSize = cols * stride * 3; // (gradient, hessian, count) per feature × bin

  const raw = new Float64Array(rows).fill(base);
  const grad = new Float64Array(rows);
  const hess = new Float64Array(rows);
  const idx = new Uint32Array(rows);
  const scratch = new Uint32Array(rows);
  const importance = new Float64Array(cols);
  const free: Float64Array[] = [];
  const acquire = () => free.pop()?.fill(0) ?? new Float64Array(histSize);
  const prng = new Prng(options.seed ?? 1);
  const rand = () => prng.next();
  const trees: GbdtTree[] = [];

  const buildHist = (hist: Float64Array, start: number, end: number) => {
    for (let i = start; i < end; i++) {
      const r = idx[i]!;
      const g = grad[r]!;
      const h = hess[r]!;
      const o = r * cols;
      for (let f = 0, fo = 0; f < cols; f++, fo += stride * 3) {
        const k = fo + binned[o + f]! * 3;
        hist[k]! += g;
        hist[k + 1]! += h;
        hist[k + 2]! += 1;
      }
    }
  };

  const findSplit = (node: Node, hist: Float64Array): Split | null => {
    const count = node.end - node.start;
    const parent = (node.g * node.g) / (node.h + lambda);
    let best: Split | null = null;
    for (let f = 0; f < cols; f++) {
      let gl = 0, hl = 0, cl = 0;
      for (let b = 0, k = f * stride * 3; b < binCount[f]! - 1; b++, k += 3) {
        gl += hist[k]!;
        hl += hist[k + 1]!;
        cl += hist[k + 2]!;
        if (cl < minLeaf || hist[k + 2] === 0) continue; // empty bin: same partition as the previous b
        if (count - cl < minLeaf) break;
        const gr = node.g - gl;
        const gain = (gl * gl) / (hl + lambda) + (gr * gr) / (node.h - hl + lambda) - parent;
        if (gain > MIN_GAIN && (best === null || gain > best.gain)) best = { feature: f, bin: b, gain, gl, hl };
      }
    }
    return best;
  };

  const leafValue = (g: number, h: number) => {
    let w = -g / (h + lambda);
    if (poisson) w = Math.min(POISSON_MAX_DELTA, Math.max(-POISSON_MAX_DELTA, w));
    return w * lr;
  };

  for (let t = 0; t < nTrees; t++) {
    for (let r = 0; r < rows; r++) {
      const y = labels[r]!;
      if (poisson) {
        const p = Math.exp(raw[r]!);
        grad[r] = p - y;
        hess[r] = p;
      } else {
        grad[r] = raw[r]! - y;
        hess[r] = 1;
      }
    }
    let n = 0;
    for (let r = 0; r < rows; r++) if (subsample === 1 || rand() < subsample) idx[n++] = r;

    const tree: GbdtTree = { feature: [], threshold: [], left: [], right: [], value: [] };
    const binThreshold: number[] = [];
    const addNode = () => {
      tree.feature.push(-1), tree.threshold.push(0), tree.left.push(-1), tree.right.push(-1), tree.value.push(0);
      binThreshold.push(0);
      return tree.feature.length - 1;
    };
    const splittable = (d: number, start: number, end: number) => d < maxDepth && end - start >= 2 * minLeaf;
    let g0 = 0, h0 = 0;
    for (let i = 0; i < n; i++) (g0 += grad[idx[i]!]!), (h0 += hess[idx[i]!]!);
    const root: Node = { id: addNode(), start: 0, end: n, g: g0, h: h0, depth: 0, hist: null };
    if (splittable(0, 0, n)) buildHist((root.hist = acquire()), 0, n);

    // Depth-wise growth. Only the smaller child's histogram is built from rows; the larger
    // one is parent − smaller, computed in the parent's buffer.
    let level: Node[] = [root];
    while (level.length > 0) {
      const next: Node[] = [];
      for (const node of level) {
        const split = node.hist ? findSplit(node, node.hist) : null;
        if (!split) {
          tree.value[node.id] = leafValue(node.g, node.h);
          if (node.hist) free.push(node.hist);
          continue;
        }
        const { feature: f, bin: b } = split;
        importance[f]! += split.gain;
        tree.feature[node.id] = f;
        tree.threshold[node.id] = b === 0 ? MISSING_THRESHOLD : edges[f]![b - 1]!;
        binThreshold[node.id] = b;
        let mid = node.start;
        let s = 0;
        for (let i = node.start; i < node.end; i++) {
          const r = idx[i]!;
          if (binned[r * cols + f]! <= b) idx[mid++] = r;
          else scratch[s++] = r;
        }
        idx.set(scratch.subarray(0, s), mid);
        const d = node.depth + 1;
        const left: Node = { id: addNode(), start: node.start, end: mid, g: split.gl, h: split.hl, depth: d, hist: null };
        const right: Node = { id: addNode(), start: mid, end: node.end, g: node.g - split.gl, h: node.h - split.hl, depth: d, hist: null };
        tree.left[node.id] = left.id;
        tree.right[node.id] = right.id;
        const parentHist = node.hist!;
        if (splittable(d, left.start, left.end) || splittable(d, right.start, right.end)) {
          const [small, large] = mid - node.start <= node.end - mid ? [left, right] : [right, left];
          const h = acquire();
          buildHist(h, small.start, small.end);
          for (let i = 0; i < histSize; i++) parentHist[i]! -= h[i]!;
          small.hist = h;
          large.hist = parentHist;
          for (const c of [small, large]) if (!splittable(d, c.start, c.end)) free.push(c.hist!), (c.hist = null);
        } else free.push(parentHist);
        next.push(left, right);
      }
      level = next;
    }

    // Every row, sampled or not, moves by its leaf (binned walk: same decisions as thresholds).
    const { feature, left, right, value } = tree;
    for (let r = 0; r < rows; r++) {
      let k = 0;
      while (feature[k]! >= 0) k = binned[r * cols + feature[k]!]! > binThreshold[k]! ? right[k]! : left[k]!;
      raw[r]! += value[k]!;
    }
    trees.push(tree);
  }

  const total = importance.reduce((a, b) => a + b, 0);
  return {
    kind: 'gbdt',
    version: 1,
    loss,
    base,
    featureCount: cols,
    trees,
    featureImportance: Array.from(importance, (v) => (total > 0 ? v / total : 0)),
  };
}

/** Trees padded to complete binary trees of their own depth, in level order, for predictGbdt. */
interface Compiled { depth: Int32Array; nodeAt: Int32Array; leafAt: Int32Array; feat: Int32Array; thr: Float64Array; leaf: Float64Array }

function treeDepth(t: GbdtTree): number {
  const depth = new Int32Array(t.feature.length);
  let max = 0;
  // Children always come after their parent (trainGbdt builds them so, parseGbdt checks it).
  for (let k = 0; k < t.feature.length; k++) {
    if (t.feature[k]! < 0) continue;
    const d = depth[k]! + 1;
    depth[t.left[k]!] = Math.max(depth[t.left[k]!]!, d);
    depth[t.right[k]!] = Math.max(depth[t.right[k]!]!, d);
    max = Math.max(max, d);
  }
  return max;
}

function compile(model: GbdtModel): Compiled {
  const depth = Int32Array.from(model.trees, treeDepth);
  let internal = 0;
  let leaves = 0;
  for (const d of depth) (internal += (1 << d) - 1), (leaves += 1 << d);
  const c: Compiled = { depth, nodeAt: new Int32Array(depth.length), leafAt: new Int32Array(depth.length), feat: new Int32Array(internal), thr: new Float64Array(internal).fill(Infinity), leaf: new Float64Array(leaves) };
  let ni = 0;
  let li = 0;
  model.trees.forEach((t, ti) => {
    const d = depth[ti]!;
    c.nodeAt[ti] = ni;
    c.leafAt[ti] = li - ((1 << d) - 1); // a walk ends at position (2^d − 1) + leaf number
    const stack = [0, 0, 0]; // (node, position in the complete tree, level) triples
    while (stack.length > 0) {
      const level = stack.pop()!;
      const pos = stack.pop()!;
      const k = stack.pop()!;
      const f = t.feature[k]!;
      if (level === d) c.leaf[c.leafAt[ti]! + pos] = t.value[k]!;
      else if (f < 0) stack.push(k, 2 * pos + 1, level + 1); // early leaf: padding node (threshold +∞) always goes left
      else {
        c.feat[ni + pos] = f;
        c.thr[ni + pos] = t.threshold[k]!;
        stack.push(t.left[k]!, 2 * pos + 1, level + 1, t.right[k]!, 2 * pos + 2, level + 1);
      }
    }
    ni += (1 << d) - 1;
    li += 1 << d;
  });
  return c;
}

/**
 * Batch prediction over row-major features, allocation-free per row. Tree walks are
 * branch-free index arithmetic on complete trees (pos = 2·pos + 1 + (x > t)), and four rows
 * walk each tree together: the compares are unpredictable, so the speed comes from four
 * independent dependency chains in flight (2.6× over one row at a time on our machine).
 */
export function predictGbdt(model: GbdtModel, features: Floats, rows: number, cols: number, out?: Float64Array): Float64Array {
  int('rows', rows, 0);
  if (cols !== model.featureCount) throw new Error(`gbdt: model has ${model.featureCount} features, got cols = ${cols}`);
  if (features.length !== rows * cols) throw new Error(`gbdt: features has ${features.length} values, expected rows × cols = ${rows * cols}`);
  const res = out ?? new Float64Array(rows);
  if (res.length < rows) throw new Error(`gbdt: out has ${res.length} slots, needs ${rows}`);
  const { depth, nodeAt, leafAt, feat, thr, leaf } = compile(model);
  const BLOCK = 256; // rows per pass over all trees: their features stay in L1/L2
  // The kernel only ever reads a Float64Array: mixing element types made V8 (Node 24) deopt it
  // to 8 s per million rows. Float32 input is widened one block at a time into this buffer.
  const widened = features instanceof Float64Array ? null : new Float64Array(BLOCK * cols);
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(rows, r0 + BLOCK);
    if (widened) widened.set(features.subarray(r0 * cols, r1 * cols));
    const x = widened ?? (features as Float64Array);
    const shift = widened ? r0 * cols : 0; // row r starts at x[r·cols − shift]
    res.fill(model.base, r0, r1);
    for (let t = 0; t < depth.length; t++) {
      const d = depth[t]!;
      const n = nodeAt[t]!;
      const l = leafAt[t]!;
      let r = r0;
      for (; r + 4 <= r1; r += 4) {
        const o0 = r * cols - shift, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols;
        let k0 = 0, k1 = 0, k2 = 0, k3 = 0;
        for (let i = 0; i < d; i++) {
          k0 = 2 * k0 + 1 + +(x[o0 + feat[n + k0]!]! > thr[n + k0]!);
          k1 = 2 * k1 + 1 + +(x[o1 + feat[n + k1]!]! > thr[n + k1]!);
          k2 = 2 * k2 + 1 + +(x[o2 + feat[n + k2]!]! > thr[n + k2]!);
          k3 = 2 * k3 + 1 + +(x[o3 + feat[n + k3]!]! > thr[n + k3]!);
        }
        res[r]! += leaf[l + k0]!;
        res[r + 1]! += leaf[l + k1]!;
        res[r + 2]! += leaf[l + k2]!;
        res[r + 3]! += leaf[l + k3]!;
      }
      for (; r < r1; r++) {
        let k = 0;
        for (let i = 0, o = r * cols - shift; i < d; i++) k = 2 * k + 1 + +(x[o + feat[n + k]!]! > thr[n + k]!);
        res[r]! += leaf[l + k]!;
      }
    }
    if (model.loss === 'poisson') for (let r = r0; r < r1; r++) res[r] = Math.exp(res[r]!);
  }
  return res;
}

/** One row; same arithmetic, in the same order, as predictGbdt. */
export function predictOne(model: GbdtModel, row: ArrayLike<number>): number {
  if (row.length !== model.featureCount) throw new Error(`gbdt: model has ${model.featureCount} features, row has ${row.length}`);
  let s = model.base;
  for (const t of model.trees) {
    let k = 0;
    while (t.feature[k]! >= 0) k = row[t.feature[k]!]! > t.threshold[k]! ? t.right[k]! : t.left[k]!;
    s += t.value[k]!;
  }
  return model.loss === 'poisson' ? Math.exp(s) : s;
}

export function serializeGbdt(model: GbdtModel): string {
  return JSON.stringify(model);
}

/** Parses and validates a model; throws an Error naming the first thing wrong. */
export function parseGbdt(json: string): GbdtModel {
  let m: unknown;
  try {
    m = JSON.parse(json);
  } catch (e) {
    throw new Error(`parseGbdt: not JSON (${(e as Error).message})`);
  }
  const fail = (what: string): never => {
    throw new Error(`parseGbdt: ${what}`);
  };
  if (typeof m !== 'object' || m === null) return fail('model must be an object');
  const o = m as Record<string, unknown>;
  if (o.kind !== 'gbdt') fail(`kind must be 'gbdt', got ${JSON.stringify(o.kind)}`);
  if (o.version !== 1) fail(`version must be 1, got ${JSON.stringify(o.version)}`);
  if (o.loss !== 'squared' && o.loss !== 'poisson') fail(`loss must be 'squared' or 'poisson', got ${JSON.stringify(o.loss)}`);
  if (typeof o.base !== 'number' || !Number.isFinite(o.base)) fail('base must be a finite number');
  const cols = o.featureCount;
  if (typeof cols !== 'number' || !Number.isInteger(cols) || cols < 1) return fail('featureCount must be a positive integer');
  const numbers = (v: unknown, name: string, len?: number): number[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) return fail(`${name} must be an array of finite numbers`);
    if (len !== undefined && v.length !== len) fail(`${name} has length ${v.length}, expected ${len}`);
    return v as number[];
  };
  const importance = numbers(o.featureImportance, 'featureImportance', cols);
  if (!Array.isArray(o.trees)) return fail('trees must be an array');
  const trees = o.trees.map((raw: unknown, t): GbdtTree => {
    if (typeof raw !== 'object' || raw === null) return fail(`trees[${t}] must be an object`);
    const tr = raw as Record<string, unknown>;
    const feature = numbers(tr.feature, `trees[${t}].feature`);
    if (feature.length === 0) fail(`trees[${t}] has no nodes`);
    const n = feature.length;
    const tree: GbdtTree = {
      feature,
      threshold: numbers(tr.threshold, `trees[${t}].threshold`, n),
      left: numbers(tr.left, `trees[${t}].left`, n),
      right: numbers(tr.right, `trees[${t}].right`, n),
      value: numbers(tr.value, `trees[${t}].value`, n),
    };
    for (let k = 0; k < n; k++) {
      const f = feature[k]!;
      if (!Number.isInteger(f) || f < -1 || f >= cols) fail(`trees[${t}].feature[${k}] = ${f} is not -1 or a feature index below ${cols}`);
      if (f < 0) continue;
      // Children after their parent: rules out cycles, so prediction always reaches a leaf.
      for (const side of ['left', 'right'] as const) {
        const c = tree[side][k]!;
        if (!Number.isInteger(c) || c <= k || c >= n) fail(`trees[${t}].${side}[${k}] = ${c} must be a node index in (${k}, ${n})`);
      }
    }
    if (treeDepth(tree) > MAX_DEPTH) fail(`trees[${t}] is deeper than ${MAX_DEPTH}`);
    return tree;
  });
  return { kind: 'gbdt', version: 1, loss: o.loss as GbdtLoss, base: o.base as number, featureCount: cols, trees, featureImportance: importance };
}
