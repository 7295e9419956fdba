// Percentiles of recorded values by the nearest-rank method: the p-th percentile of N sorted values is the
// value at rank ceil(p/100 × N) (1-based) — always a value that was measured, never an interpolation.

/** Sorts a copy of `values` ascending (numbers, not strings). */
export function sortedCopy(values) {
  return Float64Array.from(values).sort();
}

/** The nearest-rank p-th percentile (0 < p ≤ 100) of ascending `sorted`; NaN when there are no values. */
export function nearestRank(sorted, p) {
  if (!(p > 0 && p <= 100)) throw new RangeError(`a percentile is in (0, 100], got ${p}`);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.max(rank, 1) - 1];
}

/** p50, p95, p99 and max of `values`, in their unit. */
export function summarize(values) {
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  };
}
