/**
 * Figures as a person reads them: rounded, no floating-point noise. Used by every human-readable
 * output (CLI summaries, benchmark tables); JSON output keeps the full numbers.
 */

/** At most `digits` decimals, trailing zeros dropped: 13.868750000000546 -> 13.87 (digits 2). */
export function formatFigure(value: number, digits: number): string {
  if (!Number.isFinite(value)) return String(value);
  const factor = 10 ** digits;
  const rounded = Math.round(value * factor) / factor;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/**
 * A duration in milliseconds: whole from 100 ms, one decimal from 1 ms, two below (a CPU cost of
 * 0.42 ms would otherwise read as 0.4).
 */
export function formatMs(ms: number): string {
  const size = Math.abs(ms);
  return `${formatFigure(ms, size >= 100 ? 0 : size >= 1 ? 1 : 2)} ms`;
}
