import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  ContainmentResult,
  VerificationResult,
} from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { recordIntent, startAction, tenths } from '../containment-outcome.ts';
import { disableAccount } from './account-enabled.ts';
import type { CompromiseReporter } from './compromise-reporter.ts';
import { describeGraphFailure, outcomeErrorOf } from './errors.ts';
import type { GraphTenantSession } from './graph-session.ts';
import { listRolesOf, type RoleChange } from './role-assignments.ts';

const enc = encodeURIComponent;

/**
 * Containment of an Entra user. Critical path: the revoke request is the first network call
 * (the token is already cached), and only once it has left the process do the role listings
 * start, in parallel with it. Role removals run in parallel; disabling waits for them, so an
 * account that was an administrator a moment ago no longer needs a privileged role on the app
 * to be disabled. Runs the actions among `requested`; `enteredAt` times the revoke from `contain`.
 */
export async function containUser(
  session: GraphTenantSession,
  request: ContainmentRequest,
  requested: readonly ContainmentAction[],
  enteredAt: number,
  clock: Clock,
  reporter: CompromiseReporter,
): Promise<ContainmentResult> {
  const subject = request.subject;
  const wants = (action: ContainmentAction) => requested.includes(action);
  let timeToContainMs: number | undefined;
  let revoke: Promise<ActionOutcome> | undefined;
  if (wants('revokeSessions')) {
    let issued: () => void = () => undefined;
    const firstCallIssued = new Promise<void>((resolve) => {
      issued = resolve;
    });
    const started = startAction(clock, 'revokeSessions', subject.id, enteredAt);
    revoke = session
      .call<{ value?: boolean } | undefined>({
        operation: 'revokeSignInSessions',
        method: 'POST',
        path: `/users/${enc(subject.id)}/revokeSignInSessions`,
        onIssued: issued,
      })
      .then((result) => {
        if (!result.ok) return started.failed(outcomeErrorOf(result.failure));
        timeToContainMs = tenths(performance.now() - enteredAt);
        return started.succeeded(
          `refresh tokens and sign-in sessions revoked (${result.value?.value === undefined ? 'no content' : `value: ${String(result.value.value)}`}); CAE-capable services react within minutes, other access tokens stay valid until they expire`,
        );
      });
    // Nothing else leaves before the revoke request has.
    await firstCallIssued;
  }
  const isolate = wants('isolatePrivilege')
    ? removeRoleAssignments(session, subject.id, request.incidentId, clock, request.recordIntent)
    : undefined;
  const mark = wants('markCompromised')
    ? reporter.markCompromised(session, 'user', subject.id)
    : undefined;
  const disable = wants('disableAccount')
    ? (isolate ?? Promise.resolve([])).then(() =>
        disableUser(session, subject.id, clock, request.recordIntent),
      )
    : undefined;
  const outcomes = [
    ...(revoke ? [await revoke] : []),
    ...((await isolate) ?? []),
    ...(mark ? [await mark] : []),
    ...(disable ? [await disable] : []),
  ];
  return timeToContainMs === undefined ? { outcomes } : { outcomes, timeToContainMs };
}

/** Whether the sessions the detection saw are revoked: Graph's valid-from is after it. */
export async function verifyUserRevocation(
  session: GraphTenantSession,
  id: string,
  detectedAt: string,
): Promise<Omit<VerificationResult, 'checkedAt'>> {
  const read = await session.call<{ signInSessionsValidFromDateTime?: string | null }>({
    operation: 'readUser',
    method: 'GET',
    path: `/users/${enc(id)}`,
    query: { $select: 'id,signInSessionsValidFromDateTime' },
  });
  if (!read.ok) return { verified: false, detail: describeGraphFailure(read.failure) };
  const validFrom = read.value.signInSessionsValidFromDateTime ?? undefined;
  // Graph keeps whole seconds: compare with the detection time truncated to its second.
  const detectedSecond = Math.floor(Date.parse(detectedAt) / 1000) * 1000;
  const verified = validFrom !== undefined && Date.parse(validFrom) >= detectedSecond;
  return {
    verified,
    ...(validFrom === undefined ? {} : { sessionsValidFrom: validFrom }),
    detail: verified
      ? `sessions and refresh tokens issued before ${validFrom} are now invalid, which covers the session detected at ${detectedAt}`
      : `signInSessionsValidFromDateTime is ${validFrom ?? 'not set'}, before the detection at ${detectedAt}: revocation has not taken effect`,
  };
}

/** `isolatePrivilege`: every active, directly held role assignment, each recorded for restore. */
async function removeRoleAssignments(
  session: GraphTenantSession,
  principalId: string,
  incidentId: string,
  clock: Clock,
  intent?: ContainmentRequest['recordIntent'],
): Promise<ActionOutcome[]> {
  const started = startAction(clock, 'isolatePrivilege', principalId);
  const [instances, assignments] = await Promise.all([
    listRolesOf(session, 'listRoleAssignmentScheduleInstances', principalId),
    listRolesOf(session, 'listRoleAssignments', principalId),
  ]);
  if (!assignments.ok) return [started.failed(outcomeErrorOf(assignments.failure))];
  const notes: string[] = [];
  const removals: RoleChange[] = [];
  const outcomes: ActionOutcome[] = [];
  const covered = new Set<string>();
  if (instances.ok) {
    for (const instance of instances.value.value ?? []) {
      const assignmentId = instance.roleAssignmentOriginId ?? instance.id;
      covered.add(assignmentId);
      if (instance.memberType && instance.memberType !== 'Direct') {
        outcomes.push(
          startAction(clock, 'isolatePrivilege', assignmentId).skipped(
            'notApplicable',
            `role ${instance.roleDefinitionId} is held through ${instance.memberType.toLowerCase()} membership; remove the membership to revoke it`,
          ),
        );
        continue;
      }
      const pim = instance.assignmentType === 'Activated' || Boolean(instance.endDateTime);
      const change: RoleChange = {
        kind: 'roleAssignment',
        assignmentType: pim ? 'pimActive' : 'permanent',
        assignmentId,
        roleDefinitionId: instance.roleDefinitionId,
        directoryScopeId: instance.directoryScopeId ?? '/',
        principalId,
      };
      if (pim && instance.endDateTime) change.endDateTime = instance.endDateTime;
      removals.push(change);
    }
  } else {
    notes.push(
      `PIM schedule instances could not be read (${describeGraphFailure(instances.failure)}); every assignment is treated as permanent`,
    );
  }
  for (const assignment of assignments.value.value ?? []) {
    if (covered.has(assignment.id)) continue;
    removals.push({
      kind: 'roleAssignment',
      assignmentType: 'permanent',
      assignmentId: assignment.id,
      roleDefinitionId: assignment.roleDefinitionId,
      directoryScopeId: assignment.directoryScopeId ?? '/',
      principalId,
    });
  }
  if (removals.length === 0 && outcomes.length === 0) {
    return [
      started.succeeded(['no active directory role assignments to remove', ...notes].join('; ')),
    ];
  }
  const justification = `Containment of incident ${incidentId} by revocation-responder`;
  const unrecorded = await recordIntent(intent, removals, started);
  if (unrecorded) return [unrecorded, ...outcomes];
  const removed = await Promise.all(
    removals.map((change) => removeRoleAssignment(session, change, justification, notes, clock)),
  );
  return [...removed, ...outcomes];
}

async function removeRoleAssignment(
  session: GraphTenantSession,
  change: RoleChange,
  justification: string,
  notes: readonly string[],
  clock: Clock,
): Promise<ActionOutcome> {
  const started = startAction(clock, 'isolatePrivilege', change.assignmentId);
  const result =
    change.assignmentType === 'pimActive'
      ? await session.call({
          operation: 'removePimAssignment',
          method: 'POST',
          path: '/roleManagement/directory/roleAssignmentScheduleRequests',
          body: {
            action: 'adminRemove',
            principalId: change.principalId,
            roleDefinitionId: change.roleDefinitionId,
            directoryScopeId: change.directoryScopeId,
            justification,
          },
        })
      : await session.call({
          operation: 'removePermanentAssignment',
          method: 'DELETE',
          path: `/roleManagement/directory/roleAssignments/${enc(change.assignmentId)}`,
        });
  const what = `${change.assignmentType === 'pimActive' ? 'active PIM' : 'permanent'} assignment of role ${change.roleDefinitionId} at scope ${change.directoryScopeId}`;
  // A retried removal that finds nothing: our earlier, unanswered attempt did it.
  const goneAfterRetry = !result.ok && result.failure.class === 'notFound' && result.afterAmbiguous;
  if (result.ok || goneAfterRetry) {
    return started.succeeded([`removed ${what}; recorded for restore`, ...notes].join('; '), [
      change,
    ]);
  }
  return started.failed(outcomeErrorOf(result.failure));
}

async function disableUser(
  session: GraphTenantSession,
  id: string,
  clock: Clock,
  intent?: ContainmentRequest['recordIntent'],
): Promise<ActionOutcome> {
  const started = startAction(clock, 'disableAccount', id);
  const read = await session.call<{ accountEnabled?: boolean }>({
    operation: 'readUser',
    method: 'GET',
    path: `/users/${enc(id)}`,
    query: { $select: 'id,accountEnabled' },
  });
  return disableAccount(session, 'user', id, read, started, intent);
}
