import type {
  ActionOutcome,
  ContainmentRequest,
  PrivilegeCheck,
} from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { startAction } from '../containment-outcome.ts';
import { describeGraphFailure, outcomeErrorOf } from './errors.ts';
import type { GraphCallResult, GraphTenantSession } from './graph-session.ts';
import { findPrivilegedPaths, type PrivilegeChange } from './privileged-paths.ts';

/**
 * `isolatePrivilege` for an Entra user: every path back to a directory role is removed, each
 * recorded for restore (and announced to `recordIntent` before the calls that remove it).
 * The action succeeds only when every listing answered and every path was removed; whatever
 * remains is a failed outcome naming it and why.
 */

const enc = encodeURIComponent;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The user's object id: role listings filter on it, so a UPN or email subject is read first
 * (`GET /users/{upn}`); an id is used as it is.
 */
export async function resolveUserId(
  session: GraphTenantSession,
  idOrUpn: string,
): Promise<GraphCallResult<{ id: string }>> {
  if (GUID.test(idOrUpn)) {
    return { ok: true, value: { id: idOrUpn }, attempts: 0, afterAmbiguous: false };
  }
  return session.call<{ id: string }>({
    operation: 'readUser',
    method: 'GET',
    path: `/users/${enc(idOrUpn)}`,
    query: { $select: 'id' },
  });
}

export async function isolateUserPrivilege(
  session: GraphTenantSession,
  request: ContainmentRequest,
  clock: Clock,
): Promise<ActionOutcome[]> {
  const subjectId = request.subject.id;
  const started = startAction(clock, 'isolatePrivilege', subjectId);
  const resolved = await resolveUserId(session, subjectId);
  const missing = `user ${subjectId} does not exist in this tenant (404): it holds no role here to remove`;
  if (!resolved.ok && resolved.failure.class === 'notFound') return [started.succeeded(missing)];
  if (!resolved.ok) {
    return [
      started.failed(outcomeErrorOf(resolved.failure), [
        'every role of the user: its object id could not be read',
      ]),
    ];
  }
  const userId = resolved.value.id;
  const paths = await findPrivilegedPaths(session, userId, request.deadline);
  const outcomes: ActionOutcome[] = [];
  for (const { listing, failure } of paths.unreadable) {
    outcomes.push(
      startAction(clock, 'isolatePrivilege', userId).failed(
        { ...outcomeErrorOf(failure), message: `${listing} could not be read: ${failure.message}` },
        [`unknown: ${listing}`],
      ),
    );
  }
  for (const item of paths.unremovable) {
    outcomes.push(
      startAction(clock, 'isolatePrivilege', item.target).failed(
        { class: 'invalid', message: `${item.label} remains: ${item.why}`, retryable: false },
        [item.label],
      ),
    );
  }
  if (paths.removable.length === 0) {
    if (outcomes.length > 0) return outcomes;
    if (paths.userMissing) return [started.succeeded(missing)];
    return [
      started.succeeded(
        'no active or eligible directory role, role-assignable group membership or PIM for Groups access to remove',
      ),
    ];
  }
  const changes = paths.removable.map((r) => r.change);
  try {
    await request.recordIntent?.(changes);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return [
      ...outcomes,
      ...paths.removable.map(({ change, label }) =>
        startAction(clock, 'isolatePrivilege', targetOf(change)).failed(
          {
            class: 'transient',
            message: `the intent could not be recorded in the ledger, so nothing was removed: ${why}`,
            retryable: true,
          },
          [label],
        ),
      ),
    ];
  }
  const justification = `Containment of incident ${request.incidentId} by revocation-responder`;
  const removed = await Promise.all(
    paths.removable.map(async ({ change, label }) => {
      const removing = startAction(clock, 'isolatePrivilege', targetOf(change));
      const result = await removePath(session, change, justification);
      // A retried removal that finds nothing: our earlier, unanswered attempt did it.
      const goneAfterRetry =
        !result.ok && result.failure.class === 'notFound' && result.afterAmbiguous;
      if (result.ok || goneAfterRetry) {
        return removing.succeeded(`removed ${label}; recorded for restore`, [change]);
      }
      return removing.failed(outcomeErrorOf(result.failure), [label]);
    }),
  );
  return [...removed, ...outcomes];
}

function targetOf(change: PrivilegeChange): string {
  switch (change.kind) {
    case 'roleAssignment':
      return change.assignmentId;
    case 'roleEligibility':
      return change.eligibilityId;
    case 'groupMembership':
      return `${change.groupId}/members/${change.memberId}`;
    case 'pimGroupAccess':
      return change.instanceId;
  }
}

const PIM_GROUP = '/identityGovernance/privilegedAccess/group';

function removePath(
  session: GraphTenantSession,
  change: PrivilegeChange,
  justification: string,
): Promise<GraphCallResult<unknown>> {
  switch (change.kind) {
    case 'roleAssignment':
      return change.assignmentType === 'pimActive'
        ? session.call({
            operation: 'removePimAssignment',
            method: 'POST',
            path: '/roleManagement/directory/roleAssignmentScheduleRequests',
            body: { action: 'adminRemove', ...roleTarget(change), justification },
          })
        : session.call({
            operation: 'removePermanentAssignment',
            method: 'DELETE',
            path: `/roleManagement/directory/roleAssignments/${enc(change.assignmentId)}`,
          });
    case 'roleEligibility':
      return session.call({
        operation: 'removeRoleEligibility',
        method: 'POST',
        path: '/roleManagement/directory/roleEligibilityScheduleRequests',
        body: { action: 'adminRemove', ...roleTarget(change), justification },
      });
    case 'groupMembership':
      return session.call({
        operation: 'removeGroupMember',
        method: 'DELETE',
        path: `/groups/${enc(change.groupId)}/members/${enc(change.memberId)}/$ref`,
      });
    case 'pimGroupAccess':
      return session.call({
        operation:
          change.schedule === 'eligible' ? 'removePimGroupEligibility' : 'removePimGroupAssignment',
        method: 'POST',
        path: `${PIM_GROUP}/${change.schedule === 'eligible' ? 'eligibility' : 'assignment'}ScheduleRequests`,
        body: {
          action: 'adminRemove',
          accessId: change.accessId,
          principalId: change.principalId,
          groupId: change.groupId,
          justification,
        },
      });
  }
}

const roleTarget = (change: {
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
}) => ({
  principalId: change.principalId,
  roleDefinitionId: change.roleDefinitionId,
  directoryScopeId: change.directoryScopeId,
});

/** Verification of privilege: what still grants a directory role, re-listed now. */
export async function checkPrivilege(
  session: GraphTenantSession,
  subjectId: string,
): Promise<PrivilegeCheck> {
  const resolved = await resolveUserId(session, subjectId);
  if (!resolved.ok) {
    const why = describeGraphFailure(resolved.failure);
    return {
      isolated: false,
      remaining: [],
      unknown: [`the user's object id (${why})`],
      detail: `privilege not checked: the user's object id could not be read (${why})`,
    };
  }
  const paths = await findPrivilegedPaths(session, resolved.value.id);
  const remaining = [
    ...paths.removable.map((r) => r.label),
    ...paths.unremovable.map((u) => `${u.label} (${u.why})`),
  ];
  const unknown = paths.unreadable.map(
    ({ listing, failure }) => `${listing} (${describeGraphFailure(failure)})`,
  );
  const isolated = remaining.length === 0 && unknown.length === 0;
  return {
    isolated,
    remaining,
    unknown,
    detail: isolated
      ? 'no active or eligible directory role remains, directly, through a role-assignable group or PIM for Groups'
      : [
          remaining.length > 0 ? `still in place: ${remaining.join('; ')}` : '',
          unknown.length > 0 ? `could not be read: ${unknown.join('; ')}` : '',
        ]
          .filter(Boolean)
          .join('; '),
  };
}
