import { createHash } from 'node:crypto';
import type { RestorableChange } from '../domain/containment.ts';
import type { LedgerEntry } from '../domain/ledger/record.ts';
import { changeKey, restoreActionOf } from '../domain/restorable-change.ts';
import type { Clock } from '../ports/clock.ts';
import type { AppendResult, LedgerWriter } from '../ports/ledger.ts';

/**
 * The write-ahead half of respond: `detection.received` leaves alongside the revoke (never in
 * front of it), and each destructive call's restore data is a `containment.intent` record before
 * the call is made, so a crash at any point leaves enough in the ledger to finish or undo.
 */
export interface WriteAhead {
  /** The `detection.received` append, started at once; settles, never rejects. */
  received: Promise<AppendResult | Error>;
  /** The adapter's `recordIntent` hook (interface 1). */
  recordIntent(changes: RestorableChange[]): Promise<void>;
  /** Records these appends wrote (the detection and the intents), and steps already recorded. */
  appended(): number;
  duplicates(): number;
}

export function startWriteAhead(
  ledger: LedgerWriter,
  incidentId: string,
  receivedEntry: LedgerEntry,
  clock: Clock,
): WriteAhead {
  let appended = 0;
  let duplicates = 0;
  const append = async (entries: LedgerEntry[]) => {
    const result = await ledger.append(incidentId, entries);
    appended += result.appended.length;
    duplicates += result.duplicates;
    return result;
  };
  const received = append([receivedEntry]).catch((error: unknown) => {
    return error instanceof Error ? error : new Error(String(error));
  });
  return {
    received,
    appended: () => appended,
    duplicates: () => duplicates,
    async recordIntent(changes) {
      // The detection comes first in the chain: release finds the incident through it.
      const first = await received;
      if (first instanceof Error) {
        await ledger.append(incidentId, [
          receivedEntry,
          ...intentEntries(changes, receivedEntry.subjectId, clock),
        ]);
        return;
      }
      if (changes.length === 0) return;
      await append(intentEntries(changes, receivedEntry.subjectId, clock));
    },
  };
}

/**
 * The `recordIntent` hook for a containment of an incident already in the ledger (an approved
 * action, a drift re-containment): each intent is recorded before the call it announces.
 */
export function intentRecorder(
  ledger: LedgerWriter,
  incidentId: string,
  subjectId: string,
  clock: Clock,
): (changes: RestorableChange[]) => Promise<void> {
  return async (changes) => {
    if (changes.length > 0)
      await ledger.append(incidentId, intentEntries(changes, subjectId, clock));
  };
}

/** Step key of a change's intent: the same intent on a redelivery is one record. */
function intentStepKey(change: RestorableChange): string {
  const key = changeKey(change);
  // Step keys are at most 200 characters; long AWS names are hashed instead.
  const bounded =
    key.length <= 160 ? key : createHash('sha256').update(key).digest('hex').slice(0, 40);
  return `intent:${restoreActionOf(change)}:${bounded}`;
}

function intentEntries(
  changes: readonly RestorableChange[],
  subjectId: string | undefined,
  clock: Clock,
): LedgerEntry[] {
  const intendedAt = clock.now().toISOString();
  return changes.map((change) => ({
    kind: 'containment.intent' as const,
    stepKey: intentStepKey(change),
    ...(subjectId ? { subjectId } : {}),
    status: 'intended',
    data: { action: restoreActionOf(change), change, intendedAt },
  }));
}
