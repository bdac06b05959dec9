import type { ActionOutcome, RestorableChange } from '../domain/containment.ts';
import type { Detection } from '../domain/detection.ts';
import type { InvalidInputError } from '../domain/errors.ts';
import { parseRestorableChange, restoreActionOf, targetOf } from '../domain/restorable-change.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';
import type { LedgerReader, LedgerWriter } from '../ports/ledger.ts';
import { incidentRecords } from './incident-records.ts';

export interface ReleaseRequest {
  incidentId: string;
  requestedBy: string;
  /** Why the operator releases (recorded; passed to the provider as its justification). */
  reason: string;
}

export type ReleaseResult =
  | { status: 'released'; incidentId: string; outcomes: ActionOutcome[] }
  | { status: 'nothingToRestore'; incidentId: string; why: string }
  | { status: 'unknownIncident'; incidentId: string };

export interface ReleaseDeps {
  ledger: LedgerReader & LedgerWriter;
  identityProviderFor(detection: Detection): IdentityProvider | undefined;
  clock: Clock;
}

/**
 * The operator's restore after investigation: puts back exactly what containment recorded in
 * the ledger (removed roles, disabled accounts...) and nothing else, then records each outcome.
 * Changes already restored by an earlier release are not restored twice.
 */
export async function release(request: ReleaseRequest, deps: ReleaseDeps): Promise<ReleaseResult> {
  const records = await incidentRecords(deps.ledger, request.incidentId);
  const received = records.find((r) => r.kind === 'detection.received');
  const detection = received?.data.detection as Detection | undefined;
  if (!detection) return { status: 'unknownIncident', incidentId: request.incidentId };
  const requestedAt = deps.clock.now().toISOString();
  // Who asked, when and why, before anything is put back.
  await deps.ledger.append(request.incidentId, [
    {
      kind: 'release.requested',
      stepKey: `release:requested:${requestedAt}`,
      subjectId: detection.subject.id,
      status: 'requested',
      data: { by: request.requestedBy, at: requestedAt, reason: request.reason },
    },
  ]);

  const restored = new Set(
    records
      .filter((r) => r.kind === 'restore.action' && r.status === 'succeeded')
      .flatMap((r) => {
        const change = parseRestorableChange(r.data.change);
        return change.ok ? [changeKey(change.value)] : [];
      }),
  );
  const recorded = records
    .filter((r) => r.kind === 'containment.action' && r.status === 'succeeded')
    .flatMap((r) => listOf(r.data.restore))
    .map((raw) => ({ raw, parsed: parseRestorableChange(raw) }));
  const changes = recorded
    .flatMap(({ parsed }) => (parsed.ok ? [parsed.value] : []))
    .filter((change) => !restored.has(changeKey(change)))
    // One outcome per change, in order: duplicates (a containment that ran twice) go first.
    .filter(
      (change, index, all) => all.findIndex((c) => changeKey(c) === changeKey(change)) === index,
    );
  // A record restore cannot read is refused by name, never handed to the provider.
  const refusals = recorded.flatMap(({ raw, parsed }) =>
    parsed.ok ? [] : [refusal(raw, parsed.error, deps.clock.now().toISOString())],
  );
  if (changes.length === 0 && refusals.length === 0) {
    return {
      status: 'nothingToRestore',
      incidentId: request.incidentId,
      why:
        restored.size > 0
          ? 'every recorded change was already restored'
          : 'containment recorded no reversible change',
    };
  }

  const provider = deps.identityProviderFor(detection);
  if (!provider) {
    return {
      status: 'nothingToRestore',
      incidentId: request.incidentId,
      why: `no ${detection.tenant.provider} provider is configured`,
    };
  }
  const restoredNow =
    changes.length === 0
      ? []
      : await provider.restore({
          incidentId: request.incidentId,
          tenantId: detection.tenant.tenantId,
          subject: detection.subject,
          changes,
          requestedBy: request.requestedBy,
          justification: request.reason,
        });
  const outcomes = [...restoredNow, ...refusals];
  await deps.ledger.append(
    request.incidentId,
    outcomes.map((outcome, index) => {
      const change = index < restoredNow.length ? changes[index] : undefined;
      return {
        kind: 'restore.action' as const,
        stepKey: `restore:${change ? changeKey(change) : outcome.target}:${outcome.status}:${deps.clock.now().toISOString()}`,
        subjectId: detection.subject.id,
        status: outcome.status,
        data: {
          ...outcome,
          ...(change ? { change } : {}),
          requestedBy: request.requestedBy,
          reason: request.reason,
        },
      };
    }),
  );
  return { status: 'released', incidentId: request.incidentId, outcomes };
}

/** A containment record's `restore` list as recorded: anything else is one malformed entry. */
function listOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function refusal(raw: unknown, error: InvalidInputError, at: string): ActionOutcome {
  return {
    action: restoreActionOf(raw),
    target: targetOf(raw),
    status: 'failed',
    startedAt: at,
    durationMs: 0,
    error: { class: 'invalid', message: `${error.message}; refused`, retryable: false },
  };
}

function changeKey(change: RestorableChange): string {
  switch (change.kind) {
    case 'roleAssignment':
      return `role:${change.assignmentId}`;
    case 'accountDisabled':
    case 'servicePrincipalDisabled':
      return `${change.kind}:${change.subjectId}`;
    case 'awsDenyPolicy':
      return `awsDenyPolicy:${change.roleName}:${change.policyName}`;
    case 'awsAccessKeyDeactivated':
      return `awsAccessKey:${change.accessKeyId}`;
    case 'roleEligibility':
      return `eligibility:${change.eligibilityId}`;
    case 'groupMembership':
      return `membership:${change.groupId}:${change.memberId}`;
    case 'pimGroupAccess':
      return `pimGroup:${change.instanceId}`;
    case 'credentialRemoved':
      return `credential:${change.ownerId}:${change.keyId}`;
    case 'oktaRoleAssignment':
      return `oktaRole:${change.userId}:${change.assignmentId}`;
    case 'oktaUserSuspended':
      return `oktaSuspended:${change.userId}`;
  }
}
