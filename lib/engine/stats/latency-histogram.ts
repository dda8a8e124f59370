/**
 * Durations in a fixed set of logarithmic buckets, for percentiles. No dependency: a histogram
 * library (hdr-histogram-js, prom-client's own) would add a package, or a WebAssembly build, for
 * what 40 lines do here; the memory is bounded (one `Uint32Array` of about 1,100 counts, some 4 KB,
 * however many samples) and a sample costs one logarithm. Each bucket is 2% wider than the one
 * before, so a percentile is within 2% of the exact value, from 1 µs up to an hour (longer ones
 * count as an hour; the exact maximum is kept aside).
 */
export class LatencyHistogram {
  /** Bucket `i` holds durations up to `MIN_MS * GROWTH ** i`. */
  private static readonly GROWTH = 1.02;
  private static readonly MIN_MS = 0.001;
  private static readonly MAX_MS = 3_600_000;
  private static readonly SIZE =
    Math.ceil(
      Math.log(LatencyHistogram.MAX_MS / LatencyHistogram.MIN_MS) /
        Math.log(LatencyHistogram.GROWTH),
    ) + 1;

  private readonly counts = new Uint32Array(LatencyHistogram.SIZE);
  private total = 0;
  private largest = 0;

  /** Records one duration, in ms (a negative or non-finite one is ignored). */
  record(durationMs: number): void {
    if (!(durationMs >= 0) || !Number.isFinite(durationMs)) return;
    const { GROWTH, MIN_MS, SIZE } = LatencyHistogram;
    const index =
      durationMs <= MIN_MS ? 0 : Math.ceil(Math.log(durationMs / MIN_MS) / Math.log(GROWTH));
    this.counts[Math.min(index, SIZE - 1)] += 1;
    this.total += 1;
    if (durationMs > this.largest) this.largest = durationMs;
  }

  /** How many durations were recorded. */
  get count(): number {
    return this.total;
  }

  /** The largest duration recorded, exact (0 before the first). */
  get max(): number {
    return this.largest;
  }

  /**
   * The duration (ms) at or below which `percent`% of the recorded ones lie: the upper bound of its
   * bucket, never above `max`. `0` when nothing was recorded.
   */
  percentile(percent: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((percent / 100) * this.total));
    let seen = 0;
    for (let index = 0; index < this.counts.length; index++) {
      seen += this.counts[index];
      if (seen >= rank) {
        const bound = LatencyHistogram.MIN_MS * LatencyHistogram.GROWTH ** index;
        return Math.min(bound, this.largest);
      }
    }
    return this.largest;
  }
}
