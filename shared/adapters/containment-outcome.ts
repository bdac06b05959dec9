import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  RestorableChange,
  SkipReason,
} from '../domain/containment.ts';
import type { Clock } from '../ports/clock.ts';

/** How a failed action is reported, whichever provider refused it. */
export type OutcomeError = Extract<ActionOutcome, { status: 'failed' }>['error'];

/** One action under way on one target: each way it can end, as an outcome timed from its start. */
export interface StartedAction {
  succeeded(detail: string, restore?: RestorableChange[]): ActionOutcome;
  skipped(reason: SkipReason, why: string): ActionOutcome;
  /** `remaining`: what is still in place because of this failure. */
  failed(error: OutcomeError, remaining?: string[]): ActionOutcome;
  /** Not attempted: the input does not allow it (wrong subject, malformed record...). */
  refused(message: string): ActionOutcome;
}

/** Durations in tenths of a millisecond: finer is noise in a ledger or a ticket. */
export const tenths = (ms: number): number => Math.round(ms * 10) / 10;

/**
 * Starts the clock for `action` on `target` now. `t0` (a `performance.now()` reading) lets an
 * action be timed from an earlier moment, such as the moment containment was called.
 */
export function startAction(
  clock: Clock,
  action: ContainmentAction,
  target: string,
  t0: number = performance.now(),
): StartedAction {
  const startedAt = clock.now().toISOString();
  const base = () => ({ action, target, startedAt, durationMs: tenths(performance.now() - t0) });
  return {
    succeeded: (detail, restore) =>
      restore
        ? { ...base(), status: 'succeeded', detail, restore }
        : { ...base(), status: 'succeeded', detail },
    skipped: (reason, why) => ({ ...base(), status: 'skipped', reason, why }),
    failed: (error, remaining) =>
      remaining
        ? { ...base(), status: 'failed', error, remaining }
        : { ...base(), status: 'failed', error },
    refused: (message) => ({
      ...base(),
      status: 'failed',
      error: { class: 'invalid', message, retryable: false },
    }),
  };
}

/**
 * Write-ahead (ContainmentRequest.recordIntent): records what the next destructive call will
 * remove. undefined when recorded (or nobody asked); else the failure to report instead of
 * making the call, so nothing is removed that the ledger could not put back.
 */
export async function recordIntent(
  hook: ContainmentRequest['recordIntent'],
  changes: RestorableChange[],
  started: StartedAction,
): Promise<ActionOutcome | undefined> {
  if (!hook) return undefined;
  try {
    await hook(changes);
    return undefined;
  } catch (error) {
    return started.failed({
      class: 'transient',
      message: `the intent could not be recorded in the ledger, so nothing was removed: ${error instanceof Error ? error.message : String(error)}`,
      retryable: true,
    });
  }
}
