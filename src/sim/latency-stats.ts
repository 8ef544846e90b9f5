/**
 * Access latencies in log-spaced buckets (1% wide), so that a replay of hundreds of
 * millions of accesses keeps a fixed-size summary: the mean is exact, percentiles are
 * within one bucket (1%) of the truth.
 */
const BUCKETS_PER_DOUBLING = 70; // 2^(1/70) ≈ 1.0100
const MIN_MS = 0.001;
const BUCKETS = 70 * 40; // 0.001 ms .. ~1.1e9 ms

export class LatencyStats {
  private readonly counts = new Float64Array(BUCKETS + 1);
  private total = 0;
  private sum = 0;
  private min = Infinity;
  private max = -Infinity;

  add(latencyMs: number, count = 1): void {
    this.counts[bucketOf(latencyMs)]! += count;
    this.total += count;
    this.sum += latencyMs * count;
    if (count > 0) {
      this.min = Math.min(this.min, latencyMs);
      this.max = Math.max(this.max, latencyMs);
    }
  }

  merge(other: LatencyStats): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  get count(): number {
    return this.total;
  }

  mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** The latency at or below which a share `q` (0..1) of accesses fall. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      // Clamped to what was seen, so a single repeated latency comes back exactly.
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, upperEdge(i)));
    }
    return this.max;
  }
}

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  const index = Math.ceil(Math.log2(ms / MIN_MS) * BUCKETS_PER_DOUBLING);
  return Math.min(BUCKETS, Math.max(0, index));
}

function upperEdge(index: number): number {
  return index === 0 ? MIN_MS : MIN_MS * 2 ** (index / BUCKETS_PER_DOUBLING);
}
