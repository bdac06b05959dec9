import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { type ChainHead, chainEntries, GENESIS_HASH } from '../../domain/ledger/chain.ts';
import { LedgerConflictError } from '../../domain/ledger/errors.ts';
import {
  type LedgerEntry,
  type LedgerRecord,
  validateLedgerAppend,
} from '../../domain/ledger/record.ts';
import type { Clock } from '../../ports/clock.ts';
import type { AppendResult } from '../../ports/ledger.ts';
import { recordItem, stepMarkerItem } from './ledger-items.ts';
import { readHead } from './ledger-reads.ts';
import { cancellationReasons, errorName, type LedgerTable } from './ledger-table.ts';

// 25 records + 25 markers = 50 of the 100 actions a transaction allows, and under its 4 MB.
const MAX_ENTRIES_PER_TRANSACTION = 25;
const MAX_TRANSACTION_BYTES = 3_000_000;

/**
 * Appends in order. Up to 25 entries land atomically in one transaction; a longer list takes
 * several, and if a later one fails, calling again with the same entries completes the append
 * without duplicating what was written (the step markers see to that).
 */
export async function appendToChain(
  table: LedgerTable,
  options: { clock: Clock; maxConflictAttempts: number },
  incidentId: string,
  entries: readonly LedgerEntry[],
): Promise<AppendResult> {
  validateLedgerAppend(incidentId, entries);
  const pending: LedgerEntry[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const entry of entries) {
    if (seen.has(entry.stepKey)) duplicates += 1;
    else {
      seen.add(entry.stepKey);
      pending.push(entry);
    }
  }
  const appended: LedgerRecord[] = [];
  let head: ChainHead | undefined = await readHead(table, incidentId);
  let conflicts = 0;
  while (pending.length > 0) {
    const batch = takeBatch(pending);
    const records = chainEntries({
      incidentId,
      head,
      entries: batch,
      recordedAt: options.clock.now().toISOString(),
    });
    const outcome = await writeRecords(table, records);
    if (outcome.ok) {
      appended.push(...records);
      pending.splice(0, batch.length);
      const last = records[records.length - 1] as LedgerRecord;
      head = { seq: last.seq, hash: last.hash };
      continue;
    }
    // Steps already recorded (redelivery): drop them; they are not written twice.
    const recorded = new Set(outcome.recordedSteps);
    for (let i = pending.length - 1; i >= 0; i--) {
      if (recorded.has((pending[i] as LedgerEntry).stepKey)) {
        pending.splice(i, 1);
        duplicates += 1;
      }
    }
    if (outcome.positionTaken) {
      conflicts += 1;
      if (conflicts >= options.maxConflictAttempts) {
        throw new LedgerConflictError(
          `gave up appending to incident ${incidentId} after ${conflicts} attempts: other writers kept taking the next position`,
        );
      }
      await table.sleep(table.backoff(conflicts));
    }
    head = await readHead(table, incidentId);
  }
  return {
    appended,
    duplicates,
    records: head?.seq ?? 0,
    head: head?.hash ?? GENESIS_HASH,
  };
}

/** One transaction: each record on a fresh position, each step marker on a fresh step. */
async function writeRecords(
  table: LedgerTable,
  records: readonly LedgerRecord[],
): Promise<{ ok: true } | { ok: false; recordedSteps: string[]; positionTaken: boolean }> {
  const items = records.flatMap((record) => [
    table.putIfAbsent(recordItem(record)),
    table.putIfAbsent(stepMarkerItem(record)),
  ]);
  try {
    await table.transact(items);
    return { ok: true };
  } catch (error) {
    if (errorName(error) !== 'TransactionCanceledException') throw error;
    const reasons = cancellationReasons(error);
    const recordedSteps: string[] = [];
    let positionTaken = false;
    records.forEach((record, i) => {
      const positionCode = reasons[2 * i];
      const stepCode = reasons[2 * i + 1];
      if (stepCode === 'ConditionalCheckFailed') recordedSteps.push(record.stepKey);
      if (positionCode === 'ConditionalCheckFailed' || positionCode === 'TransactionConflict') {
        positionTaken = true;
      }
      if (stepCode === 'TransactionConflict') positionTaken = true;
    });
    if (recordedSteps.length === 0 && !positionTaken) {
      // No reason we can act on (e.g. a validation error): surface it.
      throw error;
    }
    return { ok: false, recordedSteps, positionTaken };
  }
}

/** The next entries that fit one transaction (count and aggregate size). */
function takeBatch(pending: readonly LedgerEntry[]): LedgerEntry[] {
  const batch: LedgerEntry[] = [];
  let bytes = 0;
  for (const entry of pending) {
    const size = Buffer.byteLength(canonicalJson(entry.data), 'utf8') + 2048;
    if (
      batch.length > 0 &&
      (batch.length >= MAX_ENTRIES_PER_TRANSACTION || bytes + size > MAX_TRANSACTION_BYTES)
    )
      break;
    batch.push(entry);
    bytes += size;
  }
  return batch;
}
