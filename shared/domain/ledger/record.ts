import * as z from 'zod/mini';
import { OWNER_ROLES, type OwnerRole } from '../accountability.ts';
import { InvalidInputError } from '../errors.ts';
import { toFieldIssues } from '../validation.ts';
import { canonicalJson, NotCanonicalJsonError } from './canonical-json.ts';

/** Every step of an incident, as the auditor will read it. Records are immutable. */
const LEDGER_RECORD_KINDS = [
  'detection.received',
  'detection.rejected',
  'detection.notCovered', // no credentials cover the tenant: recorded, not acted on
  'guardrail.decision', // protected identity, blast radius, policy
  'approval.required',
  'approval.granted', // an operator's approve: who, when, why (reason), which action
  'approval.denied',
  'approval.expired', // nobody decided in time: never acted on later
  'containment.intent', // write-ahead: what an adapter is about to remove, before it does
  'containment.action',
  'containment.verified',
  'containment.drifted', // watch after containment: what no longer holds (shared/domain/watch.ts)
  'finding',
  'ticket.pending',
  'ticket.opened',
  'ticket.failed',
  'release.requested', // the operator's release: who, when, why (reason); one per claim
  'restore.action',
  'release.completed',
  'signal.sent', // a Shared Signals SET delivered (push) or queued (poll) for a receiver
  'signal.failed', // a SET a receiver refused, could not be reached for, or will not get
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

const MAX_DATA_BYTES = 300_000;

// Key values become DynamoDB key attributes: non-empty, and well under the 2048-byte limit.
const keyValue = z.string().check(z.minLength(1), z.maxLength(512));
const entrySchema = z.strictObject({
  kind: z.enum(LEDGER_RECORD_KINDS),
  // The step marker's sort key is `STEP#<stepKey>`, and sort keys are limited to 1024 bytes.
  stepKey: z.string().check(z.minLength(1), z.maxLength(200)),
  subjectId: z.optional(keyValue),
  ownerRole: z.optional(z.enum(OWNER_ROLES)),
  ownerTeam: z.optional(keyValue),
  controlId: z.optional(keyValue),
  ticketId: z.optional(keyValue),
  status: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  data: z.record(z.string(), z.unknown()),
});
const appendSchema = z.object({
  incidentId: z.string().check(z.minLength(1), z.maxLength(200)),
  entries: z.array(entrySchema),
});

/**
 * What every ledger store accepts: known kinds and owner roles, bounded keys, and `data` that is
 * canonical JSON of bounded size (so what is read back hashes as what was written). Throws
 * InvalidInputError naming the field; nothing is written.
 */
export function validateLedgerAppend(incidentId: string, entries: readonly LedgerEntry[]): void {
  const parsed = appendSchema.safeParse({ incidentId, entries });
  if (!parsed.success) {
    throw new InvalidInputError('ledger entries', toFieldIssues(parsed.error), {
      cause: parsed.error,
    });
  }
  entries.forEach((entry, i) => {
    let text: string;
    try {
      text = canonicalJson(entry.data);
    } catch (error) {
      if (!(error instanceof NotCanonicalJsonError)) throw error;
      const path = `entries[${i}].data${error.path.slice(1)}`;
      throw new InvalidInputError('ledger entries', [{ path, message: error.message }], {
        cause: error,
      });
    }
    if (Buffer.byteLength(text, 'utf8') > MAX_DATA_BYTES) {
      throw new InvalidInputError('ledger entries', [
        { path: `entries[${i}].data`, message: `larger than ${MAX_DATA_BYTES} bytes` },
      ]);
    }
  });
}
