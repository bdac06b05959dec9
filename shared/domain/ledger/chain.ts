import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { LedgerEntry, LedgerRecord } from './record.ts';

/** The `prevHash` of the first record of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Where a chain ends: its last position and that record's hash. */
export interface ChainHead {
  seq: number;
  hash: string;
}

// Domain separation: a record's bytes can never be passed off as a checkpoint's, or vice versa.
const RECORD_DOMAIN = 'revocation-responder/ledger-record/v1\n';

/** The fields a record's hash covers: everything it says, including its place in the chain. */
function recordContent(record: Omit<LedgerRecord, 'hash'>): Record<string, unknown> {
  return {
    incidentId: record.incidentId,
    seq: record.seq,
    recordedAt: record.recordedAt,
    kind: record.kind,
    stepKey: record.stepKey,
    subjectId: record.subjectId,
    ownerRole: record.ownerRole,
    ownerTeam: record.ownerTeam,
    controlId: record.controlId,
    ticketId: record.ticketId,
    status: record.status,
    data: record.data,
    prevHash: record.prevHash,
  };
}

/** SHA-256 (hex) over the canonical JSON of the record's content, `prevHash` and `seq` included. */
export function hashRecord(record: Omit<LedgerRecord, 'hash'>): string {
  return sha256Hex(RECORD_DOMAIN + canonicalJson(recordContent(record)));
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The chain rule: record n+1 carries the hash of record n as `prevHash` (the first carries
 * GENESIS_HASH), and its own hash covers its content, its position and that link. Changing,
 * removing, inserting or reordering a record therefore breaks a hash or a link.
 */
export function chainEntries(args: {
  incidentId: string;
  head: ChainHead | undefined;
  entries: readonly LedgerEntry[];
  recordedAt: string;
}): LedgerRecord[] {
  let seq = args.head?.seq ?? 0;
  let prevHash = args.head?.hash ?? GENESIS_HASH;
  return args.entries.map((entry) => {
    seq += 1;
    const unhashed: Omit<LedgerRecord, 'hash'> = {
      ...withoutUndefined(entry),
      incidentId: args.incidentId,
      seq,
      recordedAt: args.recordedAt,
      prevHash,
    };
    const record: LedgerRecord = { ...unhashed, hash: hashRecord(unhashed) };
    prevHash = record.hash;
    return record;
  });
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
