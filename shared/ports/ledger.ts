import type { OwnerRole } from '../domain/accountability.ts';

/** Every step of an incident, as the auditor will read it. Records are immutable. */
export const LEDGER_RECORD_KINDS = [
  'detection.received',
  'detection.rejected',
  'detection.notCovered', // no credentials cover the tenant: recorded, not acted on
  'guardrail.decision', // protected identity, blast radius, policy
  'approval.required',
  'approval.granted',
  'containment.action',
  'containment.verified',
  'finding',
  'ticket.pending',
  'ticket.opened',
  'ticket.failed',
  'restore.action',
] as const;
export type LedgerRecordKind = (typeof LEDGER_RECORD_KINDS)[number];

/** What a use case asks to record. */
export interface LedgerEntry {
  kind: LedgerRecordKind;
  /** Stable within the incident, e.g. `finding:iam.token-binding`: the same step twice is one record. */
  stepKey: string;
  /** Denormalised keys the access patterns query by. */
  subjectId?: string;
  ownerRole?: OwnerRole;
  ownerTeam?: string;
  controlId?: string;
  ticketId?: string;
  status?: string;
  /** JSON-safe content. Never secrets. */
  data: Record<string, unknown>;
}

/** A stored record: the entry plus its place in the incident's hash chain. */
export interface LedgerRecord extends LedgerEntry {
  incidentId: string;
  seq: number;
  recordedAt: string;
  /** SHA-256 of the canonical content including `prevHash`. */
  hash: string;
  prevHash: string;
}

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

export interface LedgerQuery {
  incidentId?: string;
  ownerTeam?: string;
  ownerRole?: OwnerRole;
  controlId?: string;
  subjectId?: string;
  ticketId?: string;
  since?: string;
  until?: string;
  limit?: number;
}

export interface LedgerPage {
  records: LedgerRecord[];
  nextPageToken?: string;
}

export interface LedgerReader {
  query(query: LedgerQuery, pageToken?: string): Promise<LedgerPage>;
}
