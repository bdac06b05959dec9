import type { LedgerQuery } from '../domain/ledger/query.ts';
import type { LedgerEntry, LedgerRecord } from '../domain/ledger/record.ts';

export interface AppendResult {
  appended: LedgerRecord[];
  /** Steps that were already recorded (redelivery): not written again. */
  duplicates: number;
  /** Records in the incident's chain after this append, and the chain's head hash. */
  records: number;
  head: string;
}

export interface LedgerWriter {
  /** Appends entries in order to the incident's chain; idempotent on `stepKey`. */
  append(incidentId: string, entries: readonly LedgerEntry[]): Promise<AppendResult>;
}

export interface LedgerPage {
  records: LedgerRecord[];
  nextPageToken?: string;
}

export interface LedgerReader {
  query(query: LedgerQuery, pageToken?: string): Promise<LedgerPage>;
}
