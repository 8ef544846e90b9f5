/**
 * A small seeded pseudo-random number generator for synthetic workloads and simulations.
 *
 * sfc32 (Chris Doty-Humphrey's "small fast counting" generator): 128 bits of state, passes
 * PractRand, and has a guaranteed minimum period of 2^32 per seed thanks to its counter.
 * mulberry32 would be smaller but its 32-bit state has a period of only 2^32, which a
 * year-long workload of many million draws would get uncomfortably close to.
 *
 * Not cryptographic. Same seed (and stream) → same sequence on every platform, because it
 * uses only 32-bit integer arithmetic.
 */
export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Second value of the last Box–Muller pair, kept so normal() costs one pair per two calls. */
  private spareNormal: number | undefined;

  /**
   * @param seed any finite number; integers up to 2^53 keep all their bits.
   * @param stream selects an independent sequence for the same seed, so that separate
   *   concerns (for example an object plan and the accesses drawn from it) can each have
   *   their own generator and changing one does not shift the other.
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isFinite(seed)) throw new RangeError(`PRNG seed must be a finite number, got ${seed}`);
    // splitmix32 expands the seed into four well-mixed words; sfc32 seeded with nearby
    // integers directly would start with correlated outputs.
    let x = (Math.floor(seed) >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x9e3779b9) ^ Math.imul(stream >>> 0, 0x85ebca6b);
    const mix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = 1; // sfc32's counter
    // The first outputs of sfc32 are weakly mixed; discarding a few is the usual practice.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi) (real numbers). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniformly chosen integer in [lo, hi], both ends included. */
  int(lo: number, hi: number): number {
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) throw new RangeError(`int(${lo}, ${hi}) needs integers with lo ≤ hi`);
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (mean 0, standard deviation 1), by the Box–Muller transform. */
  normal(): number {
    const spare = this.spareNormal;
    if (spare !== undefined) {
      this.spareNormal = undefined;
      return spare;
    }
    // 1 - next() lies in (0, 1], so the logarithm is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Exponentially distributed with the given rate (mean 1/rate), by inversion. */
  exponential(rate: number): number {
    if (!(rate > 0)) throw new RangeError(`exponential rate must be > 0, got ${rate}`);
    return -Math.log(1 - this.next()) / rate;
  }

  /**
   * Poisson-distributed count with the given mean. Knuth's multiplication method below a
   * mean of 30, where it needs about mean+1 uniforms; above it Hörmann's PTRS
   * (transformed rejection with squeeze), which is exact and needs about 1.2 pairs of
   * uniforms whatever the mean. A normal approximation would be cheaper still but skews
   * the tails that burst tests look at.
   */
  poisson(mean: number): number {
    if (mean === 0) return 0;
    if (!(mean > 0) || !Number.isFinite(mean)) throw new RangeError(`poisson mean must be finite and ≥ 0, got ${mean}`);
    return mean < 30 ? this.poissonKnuth(Math.exp(-mean)) : this.poissonPtrs(mean);
  }

  /**
   * Knuth's Poisson draw given e^-mean rather than the mean, for callers that draw many
   * times with the same small mean (< 30) and so compute the exponential once.
   */
  poissonKnuth(expMinusMean: number): number {
    let count = 0;
    let product = this.next();
    while (product > expMinusMean) {
      count++;
      product *= this.next();
    }
    return count;
  }

  private poissonPtrs(mean: number): number {
    const sqrtMean = Math.sqrt(mean);
    const logMean = Math.log(mean);
    const b = 0.931 + 2.53 * sqrtMean;
    const a = -0.059 + 0.02483 * b;
    const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mean + k * logMean - logFactorial(k)) return k;
    }
  }

  /** A uniformly chosen element; throws on an empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() from an empty array');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** Shuffles in place (Fisher–Yates) and returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const held = items[i] as T;
      items[i] = items[j] as T;
      items[j] = held;
    }
    return items;
  }
}

const SMALL_LOG_FACTORIALS = [0, 0, 0.6931471805599453, 1.791759469228055, 3.1780538303479458, 4.787491742782046, 6.579251212010101, 8.525161361065415, 10.60460290274525, 12.801827480081469];

/** ln(k!) for integer k ≥ 0: a table below 10, Stirling's series (error < 1e-10) above. */
function logFactorial(k: number): number {
  const small = SMALL_LOG_FACTORIALS[k];
  if (small !== undefined) return small;
  const inv = 1 / k;
  const inv2 = inv * inv;
  return (k + 0.5) * Math.log(k) - k + 0.9189385332046728 + inv * (1 / 12 - inv2 * (1 / 360 - inv2 / 1260));
}

/**
 * Draws ranks 0 … n-1 with P(rank r) ∝ 1 / (r+1)^s — rank 0 is the most popular.
 * The cumulative distribution is computed once (O(n) memory), each draw is a binary search
 * (O(log n)), which is what makes per-access sampling over many objects cheap.
 */
export class ZipfSampler {
  readonly n: number;
  readonly exponent: number;
  private readonly cdf: Float64Array;

  constructor(n: number, exponent: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`Zipf needs n ≥ 1 items, got ${n}`);
    if (!(exponent >= 0) || !Number.isFinite(exponent)) throw new RangeError(`Zipf exponent must be ≥ 0, got ${exponent}`);
    this.n = n;
    this.exponent = exponent;
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let r = 0; r < n; r++) {
      total += Math.pow(r + 1, -exponent);
      this.cdf[r] = total;
    }
    for (let r = 0; r < n; r++) this.cdf[r] = this.cdf[r]! / total;
    this.cdf[n - 1] = 1; // guard against rounding leaving the last bucket short of 1
  }

  /** Probability of the given rank (0 = most popular). */
  probability(rank: number): number {
    if (rank < 0 || rank >= this.n) return 0;
    return this.cdf[rank]! - (rank === 0 ? 0 : this.cdf[rank - 1]!);
  }

  /** A rank in [0, n): the first whose cumulative probability exceeds a uniform draw. */
  sample(rng: Prng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
