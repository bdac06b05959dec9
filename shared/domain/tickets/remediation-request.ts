import * as z from 'zod/mini';
import {
  CONTROL_STATUSES,
  type Finding,
  OWNER_ROLES,
  type OwnerRole,
  QUESTIONS,
} from '../accountability.ts';
import {
  type ActionOutcome,
  CONTAINMENT_ACTIONS,
  FAILURE_CLASSES,
  SKIP_REASONS,
} from '../containment.ts';
import { type Detection, detectionSchema } from '../detection.ts';
import type { InvalidInputError, Result } from '../errors.ts';
import { type OwnerAssignment, ownerAssignmentSchema } from '../ownership.ts';
import { RESPONSE_MODES, type ResponseMode } from '../response-mode.ts';
import { parseWith } from '../validation.ts';

/**
 * One accountable owner's share of one incident: the `Remediation Requested` message the ticket
 * queue carries. It crosses a queue, so the ticket worker validates it like any other input.
 */
export interface RemediationRequest {
  incidentId: string;
  ownerRole: OwnerRole;
  owner: OwnerAssignment;
  /**
   * Untrusted where it came from the detection: adapters escape it for their format. The bus
   * message leaves it out (EventBridge's 256 KB): the ticket worker reads it from the ledger.
   */
  detection?: Detection;
  /** This owner's failed and undetermined findings. */
  findings: Finding[];
  /** The bus message left the findings' evidence out: the ticket worker reads it from the ledger. */
  evidenceInLedger?: boolean;
  containment: ActionOutcome[];
  mode: ResponseMode;
}

const text = (max: number) => z.string().check(z.maxLength(max));

const findingSchema = z.object({
  controlId: text(128),
  ownerRole: z.enum(OWNER_ROLES),
  ownerTeam: text(256),
  status: z.enum(CONTROL_STATUSES),
  question: z.enum(QUESTIONS),
  reason: text(2000),
  evidence: z.array(text(2048)).check(z.maxLength(200)),
  frameworks: z.array(text(128)).check(z.maxLength(50)),
});

const outcomeBase = {
  action: z.enum(CONTAINMENT_ACTIONS),
  target: text(1024),
  startedAt: text(64),
  durationMs: z.number(),
};

// `restore` is the ledger's business, not the ticket's: accepted, not checked here.
const outcomeSchema = z.discriminatedUnion('status', [
  z.object({
    ...outcomeBase,
    status: z.literal('succeeded'),
    detail: z.optional(text(2000)),
    restore: z.optional(z.array(z.unknown())),
  }),
  z.object({
    ...outcomeBase,
    status: z.literal('skipped'),
    reason: z.enum(SKIP_REASONS),
    why: text(2000),
  }),
  z.object({
    ...outcomeBase,
    status: z.literal('failed'),
    error: z.object({
      class: z.enum(FAILURE_CLASSES),
      message: text(2000),
      retryable: z.boolean(),
      missingPermission: z.optional(text(256)),
      httpStatus: z.optional(z.number()),
    }),
  }),
]);

const remediationRequestSchema = z.object({
  incidentId: z.string().check(z.minLength(1), z.maxLength(128)),
  ownerRole: z.enum(OWNER_ROLES),
  owner: ownerAssignmentSchema,
  detection: z.optional(detectionSchema),
  findings: z.array(findingSchema).check(z.maxLength(200)),
  evidenceInLedger: z.optional(z.boolean()),
  containment: z.array(outcomeSchema).check(z.maxLength(100)),
  mode: z.enum(RESPONSE_MODES),
});

export function parseRemediationRequest(
  input: unknown,
): Result<RemediationRequest, InvalidInputError> {
  const parsed = parseWith(remediationRequestSchema, input, 'remediation request');
  if (!parsed.ok) return parsed;
  // The schema checks every field the ticket reads; `restore` details pass through untyped.
  return { ok: true, value: parsed.value as RemediationRequest };
}
