/**
 * Log-linear latency histogram over non-negative integer nanoseconds: values below 256 ns are exact; above, each
 * power of two is split in 128 sub-buckets (relative precision better than 0.8%). Fixed memory, no allocation per
 * record, deterministic. (Our own rather than hdr-histogram-js because it sits on the wakeup hot path and the model
 * must run unchanged in a browser worker; the bucket scheme is HdrHistogram's with 2 significant decimal digits.)
 * Quantiles report the bucket's upper edge, as HdrHistogram's highestEquivalentValue does; max is exact.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS; // 128
const EXACT = SUB * 2; // values below 256 map to themselves
const MAX_EXP = 52;

export class Histogram {
  readonly counts: Float64Array;
  count = 0;
  sum = 0;
  max = 0;
  min = Infinity;

  constructor() {
    this.counts = new Float64Array(EXACT + (MAX_EXP - SUB_BITS) * SUB);
  }

  record(v: number): void {
    if (v < 0) v = 0;
    this.counts[bucketOf(v)]!++;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  /** Value at quantile q in [0,1]: the upper edge of the bucket holding the ceil(q*count)-th value, capped at max. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let acc = 0;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      acc += c[i]!;
      if (acc >= rank) return Math.min(upperEdge(i), this.max);
    }
    return this.max;
  }

  mean(): number {
    return this.count ? this.sum / this.count : 0;
  }
}

function bucketOf(v: number): number {
  if (v < EXACT) return Math.floor(v);
  const e = v < 4294967296 ? 31 - Math.clz32(v) : Math.floor(Math.log2(v));
  const sub = Math.floor(v / 2 ** (e - SUB_BITS)) - SUB;
  return EXACT + (e - SUB_BITS - 1) * SUB + sub;
}

function upperEdge(i: number): number {
  if (i < EXACT) return i;
  const j = i - EXACT;
  const e = Math.floor(j / SUB) + SUB_BITS + 1;
  const sub = j % SUB;
  return (SUB + sub + 1) * 2 ** (e - SUB_BITS) - 1;
}
