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
import { awsProtectedCovers, canonicalTenantId, isObjectId, nameKey } from './identity.ts';
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
    /**
     * Object id (Entra), user id (Okta) or principal ARN (AWS: a role ARN covers every session of
     * the role, a user ARN every key of the user). Entra entries are also resolved to every name
     * the directory knows (UPN, mail, proxy addresses).
     */
    id: z.optional(identifier()),
    /** Matched against the subject's id and UPN, case-insensitively; configure the id too. */
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
    /**
     * Containments per tenant and detection source within the window (absent: the tenant limit),
     * so one noisy or hostile source reaches its own limit before the tenant's.
     */
    maxContainmentsPerSource: z.optional(z.int().check(z.gte(1), z.lte(1_000_000))),
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

type ApprovalCause = 'policy' | 'blastRadius' | 'protectedIdentitiesUnresolved';

/**
 * What the directory knows of each protected identity, resolved ahead of time (so the check
 * adds no round trip): per canonical tenant and policy entry, every name in lower case, and the
 * entries whose resolution failed (then the check fails closed).
 */
export interface ProtectedIdentityNames {
  /** Key: `${tenantId}#${entryIndex}`. */
  names: ReadonlyMap<string, readonly string[]>;
  failures: readonly { tenantId: string; index: number; why: string }[];
}

/** The tenant's and the source's containments in the window, this detection included. */
export interface WindowCounts {
  tenant: number;
  source: number;
  /** Why the window could not record this detection (its storage is full): fail closed. */
  full?: string;
}

/** The blast-radius key of a detection's source: vendor and product, canonical. */
export function blastRadiusSource(detection: Pick<Detection, 'source'>): string {
  return nameKey(`${detection.source.vendor}/${detection.source.product}`);
}

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
  protectedIdentity?: { matchedBy: MatchedBy; reason: string };
  blastRadius: {
    containmentsInWindow: number;
    maxContainments: number;
    source: string;
    sourceContainmentsInWindow: number;
    maxContainmentsPerSource: number;
    windowSeconds: number;
    exceeded: boolean;
  };
}

type MatchedBy = 'id' | 'userPrincipalName' | 'directoryName' | 'awsPrincipal';

/** Whether a policy entry applies to the detection's (canonical) tenant. */
function inTenant(entry: ProtectedIdentity, tenant: Detection['tenant']): boolean {
  if (entry.tenantId === undefined) return true;
  const canonical = canonicalTenantId(tenant.provider, entry.tenantId);
  return canonical.ok && canonical.value === tenant.tenantId;
}

/**
 * The protected-identity entry that matches the detection's subject, if any: on every name the
 * identity has (configured id and UPN, and what the directory resolved them to), whichever of
 * them the detection names it by, case-insensitively; AWS entries by role or user.
 */
function findProtectedIdentity(
  detection: Pick<Detection, 'tenant' | 'subject'>,
  policy: Pick<ContainmentPolicy, 'protectedIdentities'>,
  names?: ProtectedIdentityNames,
): { matchedBy: MatchedBy; entry: ProtectedIdentity } | undefined {
  const { subject, tenant } = detection;
  const subjectNames = new Set(
    [subject.id, subject.userPrincipalName].flatMap((n) => (n ? [nameKey(n)] : [])),
  );
  for (const [index, entry] of policy.protectedIdentities.entries()) {
    if (!inTenant(entry, tenant)) continue;
    if (tenant.provider === 'aws' || subject.type === 'awsPrincipal') {
      if (entry.id !== undefined && awsProtectedCovers(entry.id, subject.id)) {
        return { matchedBy: 'awsPrincipal', entry };
      }
      continue;
    }
    if (entry.id !== undefined && subjectNames.has(nameKey(entry.id))) {
      return { matchedBy: 'id', entry };
    }
    if (
      entry.userPrincipalName !== undefined &&
      subjectNames.has(nameKey(entry.userPrincipalName))
    ) {
      return { matchedBy: 'userPrincipalName', entry };
    }
    const resolved = names?.names.get(`${tenant.tenantId}#${index}`) ?? [];
    if (resolved.some((name) => subjectNames.has(name))) {
      return { matchedBy: 'directoryName', entry };
    }
  }
  return undefined;
}

/**
 * Fail closed: when some protected identity of this tenant could not be resolved, a subject it
 * might be waits for approval. Entries configured by object id still match an object id, so only
 * a subject named otherwise (UPN, mail) is held; an entry known only by UPN holds every subject.
 */
function unresolvedHold(
  detection: Pick<Detection, 'tenant' | 'subject'>,
  policy: Pick<ContainmentPolicy, 'protectedIdentities'>,
  names: ProtectedIdentityNames | undefined,
): string | undefined {
  const failed = (names?.failures ?? []).filter((f) => f.tenantId === detection.tenant.tenantId);
  if (failed.length === 0) return undefined;
  const knownOnlyByName = failed.some((f) => {
    const id = policy.protectedIdentities[f.index]?.id;
    return id === undefined || !isObjectId(id);
  });
  if (!knownOnlyByName && isObjectId(detection.subject.id)) return undefined;
  const why = failed[0]?.why ?? 'unknown error';
  return `the protected identities of tenant ${detection.tenant.tenantId} could not be resolved (${why}), so ${detection.subject.id} might be one of them: approval required`;
}

/**
 * The AWS entries, for the IAM adapter's own check: principal ARNs and unscoped names as
 * configured (an unscoped name protects in every tenant); a name scoped to an account as the
 * role and the user of that name in that account only (the adapter serves several accounts).
 */
export function awsProtectedPrincipals(
  policy: Pick<ContainmentPolicy, 'protectedIdentities'>,
): string[] {
  return policy.protectedIdentities.flatMap((entry) => {
    const id = entry.id?.trim();
    if (id === undefined) return [];
    if (/^arn:/i.test(id)) return [id];
    const account = entry.tenantId?.trim();
    if (account === undefined) return [id];
    if (!/^\d{12}$/.test(account)) return [];
    return [`arn:aws:iam::${account}:role/${id}`, `arn:aws:iam::${account}:user/${id}`];
  });
}

/**
 * Whether this detection should take a slot in the tenant's blast-radius window: only when it
 * would contain something automatically (not protected, not dry-run, some `auto` action applies).
 * Callers claim a slot with ContainmentWindow.claim only then, and plan with the counts.
 */
export function countsTowardBlastRadius(
  detection: Pick<Detection, 'tenant' | 'subject' | 'severity'>,
  policy: ContainmentPolicy,
  names?: ProtectedIdentityNames,
): boolean {
  if (policy.dryRun || findProtectedIdentity(detection, policy, names)) return false;
  if (unresolvedHold(detection, policy, names)) return false;
  const modes = policy.severities[detection.severity];
  return APPLICABLE_ACTIONS[detection.subject.type].some((action) => modes[action] === 'auto');
}

/**
 * Decides what containment does for one detection.
 * `counts` are the tenant's and the source's containment counts in the policy window INCLUDING
 * this detection (what ContainmentWindow.claim returns); 0 when it was not recorded.
 * More than either limit turns every automatic action into an approval request.
 */
export function planContainment(
  detection: Pick<Detection, 'detectionId' | 'tenant' | 'subject' | 'severity' | 'source'>,
  policy: ContainmentPolicy,
  windowCounts: WindowCounts | number,
  names?: ProtectedIdentityNames,
): ContainmentPlan {
  // A single count is the tenant's, from a single source.
  const counts =
    typeof windowCounts === 'number'
      ? { tenant: windowCounts, source: windowCounts }
      : windowCounts;
  const { subject, severity } = detection;
  const modes = policy.severities[severity];
  const isProtected = findProtectedIdentity(detection, policy, names);
  const held = isProtected ? undefined : unresolvedHold(detection, policy, names);
  const { maxContainments, windowSeconds } = policy.blastRadius;
  const perSource = policy.blastRadius.maxContainmentsPerSource ?? maxContainments;
  const source = blastRadiusSource(detection);
  const containmentsInWindow = counts.tenant;
  const exceeded =
    counts.full !== undefined || counts.tenant > maxContainments || counts.source > perSource;
  const windowText = counts.full
    ? `${counts.full}: approval required`
    : counts.tenant > maxContainments
      ? `${counts.tenant} containments in tenant ${detection.tenant.tenantId} within ${windowSeconds} s exceed the blast-radius limit of ${maxContainments}`
      : `${counts.source} containments from source ${source} in tenant ${detection.tenant.tenantId} within ${windowSeconds} s exceed the per-source limit of ${perSource}`;

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
    } else if (held) {
      awaitingApproval.push(action);
      causes.add('protectedIdentitiesUnresolved');
      skipped.push({ action, reason: 'approvalRequired', why: held });
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
      maxContainments,
      source,
      sourceContainmentsInWindow: counts.source,
      maxContainmentsPerSource: perSource,
      windowSeconds,
      exceeded,
    },
  };
  if (isProtected) {
    plan.protectedIdentity = { matchedBy: isProtected.matchedBy, reason: isProtected.entry.reason };
  }
  if (awaitingApproval.length > 0) {
    const because = [
      ...(held ? [held] : []),
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
