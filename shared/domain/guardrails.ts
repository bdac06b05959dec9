import * as z from 'zod/mini';
import { APPLICABLE_ACTIONS, appliesTo } from './applicability.ts';
import {
  type ActionOutcome,
  CONTAINMENT_ACTIONS,
  type ContainmentAction,
  type SkipReason,
} from './containment.ts';
import type { Detection, Severity, Subject } from './detection.ts';
import type { InvalidInputError, Result } from './errors.ts';
import { parseWith } from './validation.ts';
import { DEFAULT_WATCH_POLICY, watchPolicySchema } from './watch.ts';

/**
 * Guardrails decide, before anything touches the identity provider, what containment may do:
 * protected identities are never contained, the severity policy says which actions run
 * automatically, need approval or never run, and a blast-radius limit turns a mass containment
 * into an approval request instead of a tenant lock-out. Pure: the caller supplies the count.
 */

const ACTION_MODES = ['auto', 'approval', 'never'] as const;
type ActionMode = (typeof ACTION_MODES)[number];

const identifier = () => z.string().check(z.minLength(1), z.maxLength(512));

const protectedIdentitySchema = z
  .object({
    /** Object id (Entra), user id (Okta) or principal ARN (AWS). Preferred: detections always carry it. */
    id: z.optional(identifier()),
    /** Matched only when the detection carries a UPN; configure break-glass accounts by id too. */
    userPrincipalName: z.optional(identifier()),
    /** Limits the entry to one tenant; absent means every tenant. */
    tenantId: z.optional(identifier()),
    reason: z.string().check(z.minLength(1), z.maxLength(512)),
  })
  .check(
    z.refine((entry) => entry.id !== undefined || entry.userPrincipalName !== undefined, {
      message: 'a protected identity needs an id or a userPrincipalName',
    }),
  );

/** Per action: `auto` runs now, `approval` waits for an operator, `never` does not run. Absent = never. */
const severityPolicySchema = z.partialRecord(z.enum(CONTAINMENT_ACTIONS), z.enum(ACTION_MODES));

const containmentPolicySchema = z.object({
  version: z.literal(1),
  /** Plan and record everything, call nothing. */
  dryRun: z._default(z.boolean(), false),
  protectedIdentities: z.array(protectedIdentitySchema).check(z.maxLength(10_000)),
  blastRadius: z.object({
    /** Containments per tenant allowed within the window; the next one needs approval. */
    maxContainments: z.int().check(z.gte(1), z.lte(1_000_000)),
    windowSeconds: z.int().check(z.gte(1), z.lte(7 * 24 * 3600)),
  }),
  /** Hours an approval request stays open, per severity (default 4); then it expires unacted. */
  approvalExpiryHours: z.optional(
    z.partialRecord(
      z.enum(['low', 'medium', 'high', 'critical']),
      z.number().check(z.gt(0), z.lte(30 * 24)),
    ),
  ),
  severities: z.object({
    low: severityPolicySchema,
    medium: severityPolicySchema,
    high: severityPolicySchema,
    critical: severityPolicySchema,
  }),
  /** Watch after containment (shared/domain/watch.ts). */
  watch: z._default(watchPolicySchema, DEFAULT_WATCH_POLICY),
});

export type ContainmentPolicy = z.infer<typeof containmentPolicySchema>;
type ProtectedIdentity = z.infer<typeof protectedIdentitySchema>;

export function parseContainmentPolicy(
  input: unknown,
): Result<ContainmentPolicy, InvalidInputError> {
  return parseWith(containmentPolicySchema, input, 'containment policy');
}

const DEFAULT_APPROVAL_EXPIRY_HOURS = 4;

/** When an approval requested at `at` for this severity expires. */
export function approvalExpiresAt(policy: ContainmentPolicy, severity: Severity, at: Date): string {
  const hours = policy.approvalExpiryHours?.[severity] ?? DEFAULT_APPROVAL_EXPIRY_HOURS;
  return new Date(at.getTime() + hours * 3_600_000).toISOString();
}

/** The longest any approval request of this policy stays open, in hours (the expiry sweep's look-back). */
export function longestApprovalExpiryHours(policy: ContainmentPolicy): number {
  return Math.max(
    DEFAULT_APPROVAL_EXPIRY_HOURS,
    ...Object.values(policy.approvalExpiryHours ?? {}),
  );
}

export const NOT_APPLICABLE_WHY: Partial<
  Record<ContainmentAction, Partial<Record<Subject['type'], string>>>
> = {
  revokeSessions: {
    servicePrincipal:
      'workload identities have no sign-in sessions to revoke; containment disables them and removes their credentials',
    awsPrincipal: 'AWS role sessions are ended with denyOlderSessions',
  },
};

interface PlannedSkip {
  action: ContainmentAction;
  reason: SkipReason;
  why: string;
}

type ApprovalCause = 'policy' | 'blastRadius';

export interface ContainmentPlan {
  detectionId: string;
  tenantId: string;
  subject: Subject;
  severity: Severity;
  dryRun: boolean;
  /** The actions to run now; the identity provider runs exactly these. */
  run: ContainmentAction[];
  /** Every other action of the catalogue, with the reason it does not run now. */
  skipped: PlannedSkip[];
  approval:
    | { required: false }
    | {
        required: true;
        causes: ApprovalCause[];
        /** The actions an approval would release. */
        actions: ContainmentAction[];
        why: string;
      };
  protectedIdentity?: { matchedBy: 'id' | 'userPrincipalName'; reason: string };
  blastRadius: {
    containmentsInWindow: number;
    maxContainments: number;
    windowSeconds: number;
    exceeded: boolean;
  };
}

const sameId = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** The protected-identity entry that matches the detection's subject, if any. */
function findProtectedIdentity(
  detection: Pick<Detection, 'tenant' | 'subject'>,
  policy: Pick<ContainmentPolicy, 'protectedIdentities'>,
): { matchedBy: 'id' | 'userPrincipalName'; entry: ProtectedIdentity } | undefined {
  const { subject, tenant } = detection;
  for (const entry of policy.protectedIdentities) {
    if (entry.tenantId !== undefined && !sameId(entry.tenantId, tenant.tenantId)) continue;
    if (entry.id !== undefined && sameId(entry.id, subject.id)) return { matchedBy: 'id', entry };
    if (
      entry.userPrincipalName !== undefined &&
      subject.userPrincipalName !== undefined &&
      sameId(entry.userPrincipalName, subject.userPrincipalName)
    ) {
      return { matchedBy: 'userPrincipalName', entry };
    }
  }
  return undefined;
}

/**
 * Whether this detection should take a slot in the tenant's blast-radius window: only when it
 * would contain something automatically (not protected, not dry-run, some `auto` action applies).
 * Callers record it with ContainmentWindow.recordAndCount only then, and plan with the count.
 */
export function countsTowardBlastRadius(
  detection: Pick<Detection, 'tenant' | 'subject' | 'severity'>,
  policy: ContainmentPolicy,
): boolean {
  if (policy.dryRun || findProtectedIdentity(detection, policy)) return false;
  const modes = policy.severities[detection.severity];
  return APPLICABLE_ACTIONS[detection.subject.type].some((action) => modes[action] === 'auto');
}

/**
 * Decides what containment does for one detection.
 * `containmentsInWindow` is the tenant's containment count in the policy window INCLUDING this
 * detection (what ContainmentWindow.recordAndCount returns); 0 when it was not recorded.
 * More than `maxContainments` turns every automatic action into an approval request.
 */
export function planContainment(
  detection: Pick<Detection, 'detectionId' | 'tenant' | 'subject' | 'severity'>,
  policy: ContainmentPolicy,
  containmentsInWindow: number,
): ContainmentPlan {
  const { subject, severity } = detection;
  const modes = policy.severities[severity];
  const isProtected = findProtectedIdentity(detection, policy);
  const exceeded = containmentsInWindow > policy.blastRadius.maxContainments;
  const windowText = `${containmentsInWindow} containments in tenant ${detection.tenant.tenantId} within ${policy.blastRadius.windowSeconds} s exceed the blast-radius limit of ${policy.blastRadius.maxContainments}`;

  const run: ContainmentAction[] = [];
  const skipped: PlannedSkip[] = [];
  const awaitingApproval: ContainmentAction[] = [];
  const causes = new Set<ApprovalCause>();

  for (const action of CONTAINMENT_ACTIONS) {
    const mode: ActionMode = modes[action] ?? 'never';
    if (!appliesTo(action, subject.type)) {
      skipped.push({
        action,
        reason: 'notApplicable',
        why:
          NOT_APPLICABLE_WHY[action]?.[subject.type] ??
          `${action} does not apply to a ${subject.type}`,
      });
    } else if (isProtected) {
      skipped.push({
        action,
        reason: 'protectedIdentity',
        why: `${subject.id} is a protected identity (${isProtected.entry.reason}, matched by ${isProtected.matchedBy}); it is never contained`,
      });
    } else if (mode === 'never') {
      skipped.push({
        action,
        reason: 'policy',
        why: `the ${severity} severity policy never runs ${action}`,
      });
    } else if (mode === 'approval') {
      awaitingApproval.push(action);
      causes.add('policy');
      const why = `the ${severity} severity policy requires an operator's approval for ${action}`;
      skipped.push(
        policy.dryRun
          ? { action, reason: 'dryRun', why: `dry run: nothing was called; ${why}` }
          : { action, reason: 'approvalRequired', why },
      );
    } else if (exceeded) {
      awaitingApproval.push(action);
      causes.add('blastRadius');
      skipped.push({ action, reason: 'approvalRequired', why: `${windowText}: approval required` });
    } else if (policy.dryRun) {
      skipped.push({
        action,
        reason: 'dryRun',
        why: `dry run: ${action} would run now; nothing was called`,
      });
    } else {
      run.push(action);
    }
  }

  const plan: ContainmentPlan = {
    detectionId: detection.detectionId,
    tenantId: detection.tenant.tenantId,
    subject,
    severity,
    dryRun: policy.dryRun,
    run,
    skipped,
    approval: { required: false },
    blastRadius: {
      containmentsInWindow,
      maxContainments: policy.blastRadius.maxContainments,
      windowSeconds: policy.blastRadius.windowSeconds,
      exceeded,
    },
  };
  if (isProtected) {
    plan.protectedIdentity = { matchedBy: isProtected.matchedBy, reason: isProtected.entry.reason };
  }
  if (awaitingApproval.length > 0) {
    const because = [
      ...(causes.has('blastRadius') ? [windowText] : []),
      ...(causes.has('policy') ? [`the ${severity} severity policy requires approval`] : []),
    ];
    plan.approval = {
      required: true,
      causes: [...causes],
      actions: awaitingApproval,
      why: `approval required for ${awaitingApproval.join(', ')}: ${because.join('; ')}`,
    };
  }
  return plan;
}

/** The plan's skipped actions as outcomes, for results, the ledger and tickets. */
export function skippedOutcomes(plan: ContainmentPlan, at: string): ActionOutcome[] {
  return plan.skipped.map((skip) => ({
    action: skip.action,
    target: plan.subject.id,
    status: 'skipped',
    reason: skip.reason,
    why: skip.why,
    startedAt: at,
    durationMs: 0,
  }));
}
