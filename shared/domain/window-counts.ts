import type { WindowCounts } from './guardrails.ts';

/**
 * How the blast-radius window counts, for every adapter alike. Each source takes at most its own
 * limit of the tenant's slots: the tenant count is the sum over the other sources of
 * min(entries, limit), plus this source's entries, so a source past its limit holds only its own
 * detections, never the other sources'. The source count is its raw number of entries, so a noisy
 * source stays throttled; the per-tenant limit still holds in total.
 */
export interface WindowEntry {
  incidentId: string;
  atMs: number;
  source: string;
  /** What the first delivery was told, once it settled: a redelivery answers the same. */
  counts?: WindowCounts;
}

export function countWindow(
  entries: Iterable<WindowEntry>,
  mine: WindowEntry,
  options: { first: boolean; windowSeconds: number; maxPerSource: number },
): WindowCounts {
  if (!options.first && mine.counts) return mine.counts;
  const from = mine.atMs - options.windowSeconds * 1000;
  const perSource = new Map<string, number>();
  for (const entry of entries) {
    if (entry.atMs <= from) continue;
    // A first delivery sees exactly the entries recorded before it (exact under a concurrent
    // burst); a redelivery not yet settled falls back to time order, which may over-count ties:
    // it errs towards approval.
    if (!options.first && entry.atMs > mine.atMs) continue;
    perSource.set(entry.source, (perSource.get(entry.source) ?? 0) + 1);
  }
  const source = perSource.get(mine.source) ?? 0;
  // Its own source counts in full: the same decision (past its limit it is held either way),
  // and a single source's burst crosses the tenant limit exactly once, as it always did.
  let tenant = source;
  for (const [key, count] of perSource) {
    if (key !== mine.source) tenant += Math.min(count, options.maxPerSource);
  }
  return { tenant, source };
}

/**
 * An over-limit entry past twice the source's limit is dropped when it settles: it never took a
 * tenant slot, and the 2x limit kept keep the source throttled, so one source cannot fill the
 * window's storage for the others. A contained entry (within the limit) is always kept.
 */
export function dropsOnSettle(counts: WindowCounts, maxPerSource: number): boolean {
  return counts.source > 2 * maxPerSource;
}
