import { InvalidArgumentError } from "../errors.js";

/** Upper bounds (ms) of the default latency buckets: sub-millisecond SQLite reads up to a 10 s network stall. */
export const DEFAULT_LATENCY_BUCKETS_MS: readonly number[] = [
  0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

/** One bucket of a latency histogram: how many calls took at most `le` ms (and more than the previous bound). */
export interface LatencyBucket {
  /** Upper bound in ms; `Infinity` for the last bucket, which holds everything slower than the largest bound. */
  le: number;
  /** Calls in this bucket (not cumulative). */
  count: number;
}

/** A latency histogram with fixed buckets and percentile estimates read from them. */
export interface LatencySummary {
  /** Calls observed. */
  count: number;
  /** Sum of their durations in ms. */
  sumMs: number;
  /** The slowest call in ms (0 when none). */
  maxMs: number;
  /** The buckets, in increasing `le` order, the overflow bucket last. */
  buckets: LatencyBucket[];
  /** Estimated median in ms (interpolated inside its bucket, never above `maxMs`); 0 when no call was observed. */
  p50: number;
  /** Estimated 95th percentile in ms. */
  p95: number;
  /** Estimated 99th percentile in ms. */
  p99: number;
}

/** Rejects bounds that are not finite, positive and strictly increasing: the buckets would overlap or be empty. */
export function checkBuckets(bounds: readonly number[]): readonly number[] {
  if (bounds.length === 0) throw new InvalidArgumentError("withMetrics buckets must list at least one bound in ms");
  bounds.forEach((bound, i) => {
    if (!Number.isFinite(bound) || bound <= 0 || (i > 0 && bound <= (bounds[i - 1] as number))) {
      throw new InvalidArgumentError(
        `withMetrics buckets must be finite, positive and strictly increasing (got ${String(bound)} at ${i})`,
      );
    }
  });
  return [...bounds];
}

/** Counts durations into fixed buckets; cheap to record (a short scan) and to read. */
export class LatencyHistogram {
  private readonly counts: number[];
  private count = 0;
  private sumMs = 0;
  private maxMs = 0;

  /** `bounds` must have passed {@link checkBuckets}. */
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Adds one call's duration. */
  record(durationMs: number): void {
    let i = 0;
    while (i < this.bounds.length && durationMs > (this.bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.count++;
    this.sumMs += durationMs;
    if (durationMs > this.maxMs) this.maxMs = durationMs;
  }

  /** A copy of the histogram with its percentile estimates. */
  summary(): LatencySummary {
    return {
      count: this.count,
      sumMs: this.sumMs,
      maxMs: this.maxMs,
      buckets: this.counts.map((count, i) => ({ le: this.bounds[i] ?? Infinity, count })),
      p50: this.quantile(0.5),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
    };
  }

  /**
   * Estimates the q-quantile the way Prometheus' `histogram_quantile` does: find the bucket holding the rank and
   * interpolate linearly between its bounds. The overflow bucket has no upper bound, so the slowest call stands in
   * for it; every estimate is capped at the slowest call, which a bucket bound can overstate.
   */
  private quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = q * this.count;
    let below = 0;
    for (let i = 0; i < this.counts.length; i++) {
      const inBucket = this.counts[i] as number;
      if (inBucket > 0 && below + inBucket >= rank) {
        const lower = i === 0 ? 0 : (this.bounds[i - 1] as number);
        const upper = this.bounds[i] ?? this.maxMs;
        return Math.min(this.maxMs, lower + ((upper - lower) * (rank - below)) / inBucket);
      }
      below += inBucket;
    }
    return this.maxMs;
  }
}
