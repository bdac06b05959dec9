/** Small statistics for benchmark figures: nearest-rank percentiles, spreads, rounding. */

export interface Spread {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
}

/** Nearest-rank percentile (the smallest sample with at least p% of samples at or below it). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export function median(samples: readonly number[]): number {
  return percentile(samples, 50);
}

/** Rounds to `digits` decimals (2 by default): figures, not noise. */
export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

export function spread(samples: readonly number[], digits = 2): Spread {
  return {
    n: samples.length,
    p50: round(percentile(samples, 50), digits),
    p99: round(percentile(samples, 99), digits),
    min: round(Math.min(...samples), digits),
    max: round(Math.max(...samples), digits),
  };
}

/**
 * Sustained throughput against a sliding-window quota: for every accepted write whose window
 * `[t, t + windowMs)` ends before demand ran out (`saturatedUntil`), the writes in that window.
 * A sliding window is how the quota itself counts, so these are the figures to compare with it.
 */
export function slidingWindowCounts(
  acceptedAt: readonly number[],
  windowMs: number,
  saturatedUntil: number,
): number[] {
  const times = [...acceptedAt].sort((a, b) => a - b);
  const counts: number[] = [];
  let end = 0;
  for (let start = 0; start < times.length; start++) {
    const from = times[start] ?? 0;
    if (from + windowMs > saturatedUntil) break;
    while (end < times.length && (times[end] ?? 0) < from + windowMs) end++;
    counts.push(end - start);
  }
  return counts;
}
