import type { Subject } from './detection.ts';

/**
 * Containment vocabulary, independent of any identity provider: the port is provider-neutral.
 * The Entra and AWS IAM adapters implement it today, each mapping these onto its own APIs and
 * answering `skipped: notApplicable` for what it cannot do.
 */
export const CONTAINMENT_ACTIONS = [
  'revokeSessions', // end sign-in sessions and refresh tokens (Entra user, Okta user)
  'isolatePrivilege', // remove active privileged role assignments, recorded for restore
  'markCompromised', // raise the identity's risk in the provider (Identity Protection)
  'disableAccount', // block sign-in (user or service principal)
  'removeCredentials', // remove workload secrets or deactivate access keys
  'denyOlderSessions', // AWS: deny role sessions issued before containment
] as const;
export type ContainmentAction = (typeof CONTAINMENT_ACTIONS)[number];

export const FAILURE_CLASSES = [
  'throttled',
  'forbidden',
  'notFound',
  'transient',
  'invalid',
  'deadline', // the invocation's remaining time ran out before the call could finish: redelivered
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export const SKIP_REASONS = [
  'protectedIdentity',
  'policy',
  'notApplicable',
  'approvalRequired',
  'dryRun',
  'noCredentials',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

interface OutcomeBase {
  action: ContainmentAction;
  /** What was acted on: the subject id, or a role assignment / credential id beneath it. */
  target: string;
  startedAt: string;
  durationMs: number;
}

export type ActionOutcome =
  | (OutcomeBase & { status: 'succeeded'; detail?: string; restore?: RestorableChange[] })
  | (OutcomeBase & { status: 'skipped'; reason: SkipReason; why: string })
  | (OutcomeBase & {
      status: 'failed';
      error: {
        class: FailureClass;
        message: string;
        retryable: boolean;
        /** For `forbidden`: the application permission the responder lacks. */
        missingPermission?: string;
        httpStatus?: number;
      };
      /** What is still in place because of this failure, e.g. `eligible role ... at /`. */
      remaining?: string[];
    });

/**
 * When an assignment or membership began, as the provider reports it (ISO date-time), or
 * `unknown` where it does not say (plain group membership). Restore uses it to refuse anything
 * that began during the attack window.
 */
type StartTime = string;

/**
 * Exactly what containment changed, so an operator can put back that and nothing else.
 * Recorded in the ledger; restore refuses anything not recorded here.
 */
export type RestorableChange =
  | {
      kind: 'roleAssignment';
      assignmentType: 'permanent' | 'pimActive';
      assignmentId: string;
      roleDefinitionId: string;
      directoryScopeId: string;
      principalId: string;
      endDateTime?: string;
      startDateTime?: StartTime;
    }
  | {
      /** A PIM eligible directory role: the holder could have activated it at will. */
      kind: 'roleEligibility';
      eligibilityId: string;
      roleDefinitionId: string;
      directoryScopeId: string;
      principalId: string;
      startDateTime: StartTime;
      endDateTime?: string;
    }
  | {
      /** Membership of a role-assignable group, the path to the group's roles. */
      kind: 'groupMembership';
      groupId: string;
      memberId: string;
      /** The directory roles the group held (active or eligible) when the member was removed. */
      groupRoles: string[];
      startDateTime: StartTime;
    }
  | {
      /** PIM for Groups: an eligible or active membership/ownership of a group. */
      kind: 'pimGroupAccess';
      schedule: 'eligible' | 'active';
      accessId: 'member' | 'owner';
      groupId: string;
      principalId: string;
      instanceId: string;
      startDateTime: StartTime;
      endDateTime?: string;
    }
  | {
      /** A workload credential that was removed: it cannot be put back, only replaced. */
      kind: 'credentialRemoved';
      subjectId: string;
      owner: 'application' | 'servicePrincipal';
      ownerId: string;
      credentialType: 'password' | 'certificate';
      keyId: string;
      displayName?: string;
    }
  | { kind: 'accountDisabled'; subjectId: string }
  | { kind: 'servicePrincipalDisabled'; subjectId: string }
  | { kind: 'awsDenyPolicy'; roleName: string; policyName: string }
  | { kind: 'awsAccessKeyDeactivated'; userName: string; accessKeyId: string }
  | {
      /** An Okta admin role assigned directly to the user (standard, or custom on a resource set). */
      kind: 'oktaRoleAssignment';
      userId: string;
      assignmentId: string;
      /** e.g. `SUPER_ADMIN`, or `CUSTOM` with `roleId` and `resourceSetId`. */
      roleType: string;
      roleId?: string;
      resourceSetId?: string;
      startDateTime: StartTime;
    }
  /** An Okta user the responder suspended (it was ACTIVE): restore unsuspends only this. */
  | { kind: 'oktaUserSuspended'; userId: string };

export interface ContainmentRequest {
  incidentId: string;
  tenantId: string;
  subject: Subject;
  detectedAt: string;
  /** The actions the severity policy allows to run now; the adapter runs no others. */
  actions: readonly ContainmentAction[];
  /** Carries evidence the provider may need (e.g. the access key id of a GuardDuty finding). */
  session?: { sessionId?: string; accessKeyId?: string };
  /**
   * Write-ahead: an adapter awaits this with the restore data of what it is about to remove,
   * immediately before each destructive call (or parallel set). If it rejects, the call is not
   * made and the action fails `transient`. The revoke never waits on it.
   */
  recordIntent?: (changes: RestorableChange[]) => Promise<void>;
  /** Epoch ms by which the adapter must have returned: no retry or wait may run past it. */
  deadline?: number;
}

export interface ContainmentResult {
  outcomes: ActionOutcome[];
  /** Milliseconds from `contain` being called to the revocation being acknowledged, when it was. */
  timeToContainMs?: number;
}

export interface VerificationResult {
  verified: boolean;
  /** e.g. Entra's `signInSessionsValidFromDateTime` after revocation. */
  sessionsValidFrom?: string;
  detail: string;
  checkedAt: string;
  /** Whether any path back to a directory role remains, re-listed after containment. */
  privilege?: PrivilegeCheck;
}

export interface PrivilegeCheck {
  /** Every listing answered and none showed an active or eligible role, direct or via a group. */
  isolated: boolean;
  /** What remains, each naming its path, e.g. `eligible role 62e9... at /`. */
  remaining: string[];
  /** Listings that could not be read, with why: `isolated` is false while any is unknown. */
  unknown: string[];
  detail: string;
}

export interface RestoreRequest {
  incidentId: string;
  tenantId: string;
  subject: Subject;
  /** The changes the ledger recorded for this incident: the only ones restore may touch. */
  changes: readonly RestorableChange[];
  requestedBy: string;
  justification: string;
  /** AWS: remove the `aws:TokenIssueTime` deny although the role's sessions may still be valid. */
  force?: boolean;
}
