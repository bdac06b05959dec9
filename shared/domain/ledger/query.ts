import * as z from 'zod/mini';
import { OWNER_ROLES, type OwnerRole } from '../accountability.ts';
import { InvalidInputError, type Result } from '../errors.ts';
import { parseWith } from '../validation.ts';

/** What the auditor asks of the ledger: a selector, optionally a time range and a page size. */
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

/** The query fields that select records by a key; at least one, or `since`, is required. */
const LEDGER_QUERY_KEYS = [
  'incidentId',
  'ownerTeam',
  'ownerRole',
  'controlId',
  'subjectId',
  'ticketId',
] as const;

const MAX_PAGE_SIZE = 1000;
export const DEFAULT_PAGE_SIZE = 100;

const TIMESTAMP_HINT =
  'expected an ISO-8601 date or date-time, e.g. 2026-03-17 or 2026-03-17T10:00:00Z';
const isoDateTime = z.iso.datetime({ offset: true });
const isoDate = z.iso.date();

/** A date (midnight UTC) or a date-time with a zone; normalised to `Date.toISOString` form. */
export const timestampSchema = z.pipe(
  z.string().check(
    z.refine((v) => isoDateTime.safeParse(v).success || isoDate.safeParse(v).success, {
      message: TIMESTAMP_HINT,
    }),
  ),
  z.transform((v) => new Date(v).toISOString()),
);

// Key values become DynamoDB key attributes: non-empty, and well under the 2048-byte limit.
const keyValue = z.string().check(z.minLength(1), z.maxLength(512));

const ledgerQuerySchema = z
  .strictObject({
    incidentId: z.optional(keyValue),
    ownerTeam: z.optional(keyValue),
    ownerRole: z.optional(z.enum(OWNER_ROLES)),
    controlId: z.optional(keyValue),
    subjectId: z.optional(keyValue),
    ticketId: z.optional(keyValue),
    since: z.optional(timestampSchema),
    until: z.optional(timestampSchema),
    limit: z.optional(z.int().check(z.minimum(1), z.maximum(MAX_PAGE_SIZE))),
  })
  .check(
    z.refine((q) => q.since === undefined || q.until === undefined || q.since < q.until, {
      message: 'since must be before until',
      path: ['since'],
    }),
    z.refine((q) => q.since !== undefined || LEDGER_QUERY_KEYS.some((k) => q[k] !== undefined), {
      message: `give at least one of ${LEDGER_QUERY_KEYS.join(', ')}, or since (a time range)`,
    }),
  );

/** Validates a ledger query: known owner role, ISO timestamps, since < until, a selector. */
export function parseLedgerQuery(input: unknown): Result<LedgerQuery, InvalidInputError> {
  // Name each unknown parameter (zod reports them together at the root).
  if (typeof input === 'object' && input !== null) {
    const unknown = Object.keys(input).filter((key) => !QUERY_FIELDS.has(key));
    if (unknown.length > 0) {
      return {
        ok: false,
        error: new InvalidInputError(
          'ledger query',
          unknown.map((path) => ({ path, message: 'not a ledger query parameter' })),
        ),
      };
    }
  }
  return parseWith(ledgerQuerySchema, input, 'ledger query');
}

const QUERY_FIELDS = new Set([...LEDGER_QUERY_KEYS, 'since', 'until', 'limit']);
