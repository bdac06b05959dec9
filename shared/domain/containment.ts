import type { Subject } from './detection.ts';

/**
 * Containment vocabulary, independent of any identity provider. Entra, AWS IAM and Okta adapters
 * each map these onto their own APIs and answer `skipped: notApplicable` for what they cannot do.
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
    });

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
      /** When the assignment began, if the provider says: restore skips what began during the attack. */
      startedAt?: string;
    }
  | { kind: 'accountDisabled'; subjectId: string }
  | { kind: 'servicePrincipalDisabled'; subjectId: string }
  | { kind: 'awsDenyPolicy'; roleName: string; policyName: string }
  | { kind: 'awsAccessKeyDeactivated'; userName: string; accessKeyId: string }
  /** A removed secret or certificate: it cannot be put back, restore says to issue a new one. */
  | {
      kind: 'credentialRemoved';
      owner: 'servicePrincipal' | 'application';
      ownerId: string;
      credentialType: 'password' | 'key';
      keyId: string;
    };

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
