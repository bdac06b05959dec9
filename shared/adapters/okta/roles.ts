import type {
  ActionOutcome,
  ContainmentRequest,
  PrivilegeCheck,
  RestorableChange,
} from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { startAction } from '../containment-outcome.ts';
import type { OktaOrgSession } from './session.ts';

/**
 * Okta admin roles of a user (GET /api/v1/users/{id}/roles): standard roles (`SUPER_ADMIN`,
 * `ORG_ADMIN`...) and custom roles bound to a resource set. Those assigned to the user directly
 * are removed and recorded for restore; those held through a group cannot be removed on the
 * user and are reported as remaining, naming the group.
 */

interface OktaRole {
  id: string;
  type: string;
  label?: string;
  status?: string;
  assignmentType?: 'USER' | 'GROUP' | 'CLIENT';
  created?: string;
  role?: string;
  'resource-set'?: string;
  _links?: { assignee?: { href?: string } };
}

type OktaRoleChange = Extract<RestorableChange, { kind: 'oktaRoleAssignment' }>;

const enc = encodeURIComponent;

function listRoles(session: OktaOrgSession, userId: string, deadline?: number) {
  return session.call<OktaRole[]>({
    operation: 'listUserRoles',
    method: 'GET',
    path: `/api/v1/users/${enc(userId)}/roles`,
    scope: 'okta.roles.manage',
    ...(deadline !== undefined ? { deadline } : {}),
  });
}

const labelOf = (role: OktaRole) =>
  `${role.type}${role.label && role.label !== role.type ? ` (${role.label})` : ''}${role['resource-set'] ? ` on resource set ${role['resource-set']}` : ''}`;

const viaGroup = (role: OktaRole) => {
  const href = role._links?.assignee?.href ?? '';
  return /\/groups\/([^/?]+)/.exec(href)?.[1] ?? 'a group';
};

export async function isolateRoles(
  session: OktaOrgSession,
  userId: string,
  request: ContainmentRequest,
  clock: Clock,
): Promise<ActionOutcome[]> {
  const started = startAction(clock, 'isolatePrivilege', userId);
  const listed = await listRoles(session, userId, request.deadline);
  if (!listed.ok) {
    return [started.failed(listed.error, ['every admin role of the user: the list was not read'])];
  }
  const roles = listed.value ?? [];
  const direct = roles.filter((r) => (r.assignmentType ?? 'USER') === 'USER');
  const outcomes: ActionOutcome[] = roles
    .filter((r) => r.assignmentType === 'GROUP')
    .map((role) =>
      startAction(clock, 'isolatePrivilege', `${userId}/roles/${role.id}`).failed(
        {
          class: 'invalid',
          message: `${labelOf(role)} remains: held through group ${viaGroup(role)}; remove the user from that group or the group's role assignment`,
          retryable: false,
        },
        [`${labelOf(role)} via group ${viaGroup(role)}`],
      ),
    );
  if (direct.length === 0) {
    return outcomes.length > 0
      ? outcomes
      : [started.succeeded('the user holds no admin role assignment to remove')];
  }
  const changes: OktaRoleChange[] = direct.map((role) => ({
    kind: 'oktaRoleAssignment',
    userId,
    assignmentId: role.id,
    roleType: role.type,
    ...(role.role ? { roleId: role.role } : {}),
    ...(role['resource-set'] ? { resourceSetId: role['resource-set'] } : {}),
    startDateTime: role.created ?? 'unknown',
  }));
  try {
    await request.recordIntent?.(changes);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return [
      ...outcomes,
      ...direct.map((role) =>
        startAction(clock, 'isolatePrivilege', `${userId}/roles/${role.id}`).failed(
          {
            class: 'transient',
            message: `the intent to remove it could not be recorded (${why}); nothing was removed`,
            retryable: true,
          },
          [labelOf(role)],
        ),
      ),
    ];
  }
  const removed = await Promise.all(
    direct.map(async (role, index) => {
      const removing = startAction(clock, 'isolatePrivilege', `${userId}/roles/${role.id}`);
      const result = await session.call({
        operation: 'unassignRole',
        method: 'DELETE',
        path: `/api/v1/users/${enc(userId)}/roles/${enc(role.id)}`,
        scope: 'okta.roles.manage',
        ...(request.deadline !== undefined ? { deadline: request.deadline } : {}),
      });
      // 404: already gone (a retried attempt, or another admin): nothing of it remains.
      if (result.ok || result.error.class === 'notFound') {
        return removing.succeeded(`removed admin role ${labelOf(role)}; recorded for restore`, [
          changes[index] as OktaRoleChange,
        ]);
      }
      return removing.failed(result.error, [labelOf(role)]);
    }),
  );
  return [...removed, ...outcomes];
}

/** Re-assigns a recorded role; Okta gives the new assignment a new id. */
export async function reassignRole(
  session: OktaOrgSession,
  change: OktaRoleChange,
): Promise<{ ok: true; detail: string } | { ok: false; error: ActionOutcomeError }> {
  const body =
    change.roleType === 'CUSTOM'
      ? { type: 'CUSTOM', role: change.roleId, 'resource-set': change.resourceSetId }
      : { type: change.roleType };
  const result = await session.call<OktaRole>({
    operation: 'assignRole',
    method: 'POST',
    path: `/api/v1/users/${enc(change.userId)}/roles`,
    body,
    scope: 'okta.roles.manage',
  });
  if (result.ok) {
    return {
      ok: true,
      detail: `re-assigned admin role ${change.roleType}${change.resourceSetId ? ` on resource set ${change.resourceSetId}` : ''} (new assignment ${result.value?.id ?? 'unknown'})`,
    };
  }
  // Okta answers 409 (E0000090) when the user already holds it: what restore wanted is in place.
  if (result.error.httpStatus === 409) {
    return { ok: true, detail: `admin role ${change.roleType} was already assigned again` };
  }
  return { ok: false, error: result.error };
}

type ActionOutcomeError = Extract<ActionOutcome, { status: 'failed' }>['error'];

export async function checkRoles(session: OktaOrgSession, userId: string): Promise<PrivilegeCheck> {
  const listed = await listRoles(session, userId);
  if (!listed.ok) {
    return {
      isolated: false,
      remaining: [],
      unknown: [`admin roles: ${listed.error.message}`],
      detail: 'the admin roles could not be read',
    };
  }
  const remaining = (listed.value ?? []).map((role) =>
    role.assignmentType === 'GROUP'
      ? `${labelOf(role)} via group ${viaGroup(role)}`
      : labelOf(role),
  );
  return {
    isolated: remaining.length === 0,
    remaining,
    unknown: [],
    detail:
      remaining.length === 0 ? 'no admin role remains' : `still held: ${remaining.join('; ')}`,
  };
}
