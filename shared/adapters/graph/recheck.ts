import type { Subject } from '../../domain/detection.ts';
import type { Drift, Expectation, RecheckResult } from '../../domain/watch.ts';
import type { Clock } from '../../ports/clock.ts';
import { describeGraphFailure } from './errors.ts';
import type { GraphTenantSession } from './graph-session.ts';
import { listRolesOf } from './role-assignments.ts';

const enc = encodeURIComponent;

/**
 * Graph's clock and ours may differ a little; a valid-from this much older than our record of
 * the revoke is still the revoke. Anything older means sessions from before it are valid again.
 */
const CLOCK_SKEW_MS = 60_000;

type Unchecked = RecheckResult['unchecked'][number];

/**
 * Watch after containment in Entra: re-reads the account switch, the principal's active
 * directory roles and the sign-in sessions' valid-from, and reports what no longer holds.
 * Reads only; a read that fails leaves its expectation unchecked, never drifted.
 */
export async function recheckEntra(
  session: GraphTenantSession,
  subject: Subject,
  expectations: readonly Expectation[],
  clock: Clock,
): Promise<RecheckResult> {
  const drift: Drift[] = [];
  const unchecked: Unchecked[] = [];
  const wants = (check: Expectation['check']) => expectations.find((e) => e.check === check);
  const disabled = wants('accountDisabled');
  const revoked = wants('sessionsRevoked');
  if (disabled || revoked) {
    const path = subject.type === 'servicePrincipal' ? 'servicePrincipals' : 'users';
    const read = await session.call<{
      accountEnabled?: boolean;
      signInSessionsValidFromDateTime?: string | null;
    }>({
      operation: subject.type === 'servicePrincipal' ? 'readServicePrincipal' : 'readUser',
      method: 'GET',
      path: `/${path}/${enc(subject.id)}`,
      query: {
        $select:
          subject.type === 'servicePrincipal'
            ? 'id,accountEnabled'
            : 'id,accountEnabled,signInSessionsValidFromDateTime',
      },
    });
    if (!read.ok) {
      const detail = `could not read ${subject.id}: ${describeGraphFailure(read.failure)}`;
      for (const e of [disabled, revoked]) if (e) unchecked.push({ check: e.check, detail });
    } else {
      if (disabled && read.value.accountEnabled !== false) {
        drift.push({
          check: 'accountDisabled',
          target: subject.id,
          action: disabled.action,
          detail: `accountEnabled is ${String(read.value.accountEnabled ?? 'not reported')}: the account was disabled by containment and has been re-enabled`,
        });
      }
      if (revoked?.check === 'sessionsRevoked') {
        const validFrom = read.value.signInSessionsValidFromDateTime ?? undefined;
        const floor = Date.parse(revoked.revokedAt) - CLOCK_SKEW_MS;
        if (validFrom === undefined) {
          unchecked.push({
            check: 'sessionsRevoked',
            detail: 'signInSessionsValidFromDateTime is not reported',
          });
        } else if (Date.parse(validFrom) < floor) {
          drift.push({
            check: 'sessionsRevoked',
            target: subject.id,
            action: revoked.action,
            detail: `signInSessionsValidFromDateTime is ${validFrom}, older than the revoke at ${revoked.revokedAt}: sessions issued before the revoke are valid again`,
          });
        }
      }
    }
  }
  const privilege = wants('noPrivilegedRole');
  if (privilege?.check === 'noPrivilegedRole') {
    const found = await activeRoles(session, subject.id, new Set(privilege.ignore));
    if ('unchecked' in found)
      unchecked.push({ check: 'noPrivilegedRole', detail: found.unchecked });
    for (const role of 'roles' in found ? found.roles : []) {
      drift.push({
        check: 'noPrivilegedRole',
        target: role.assignmentId,
        action: privilege.action,
        detail: `directory role ${role.roleDefinitionId} is assigned again at scope ${role.scope} (${role.how}) after containment removed privilege`,
      });
    }
  }
  return { checkedAt: clock.now().toISOString(), drift, unchecked };
}

interface ActiveRole {
  assignmentId: string;
  roleDefinitionId: string;
  scope: string;
  how: string;
}

/**
 * Every active, directly held directory role of the principal: PIM instances (activated or
 * assigned) and plain assignments, each once. Group-held roles containment could not remove
 * were recorded as skipped and are in `ignore`.
 */
async function activeRoles(
  session: GraphTenantSession,
  principalId: string,
  ignore: ReadonlySet<string>,
): Promise<{ roles: ActiveRole[] } | { unchecked: string }> {
  const [instances, assignments] = await Promise.all([
    listRolesOf(session, 'listRoleAssignmentScheduleInstances', principalId),
    listRolesOf(session, 'listRoleAssignments', principalId),
  ]);
  if (!assignments.ok) {
    return {
      unchecked: `role assignments could not be read: ${describeGraphFailure(assignments.failure)}`,
    };
  }
  const roles = new Map<string, ActiveRole>();
  for (const instance of instances.ok ? (instances.value.value ?? []) : []) {
    const assignmentId = instance.roleAssignmentOriginId ?? instance.id;
    if (ignore.has(assignmentId)) continue;
    roles.set(assignmentId, {
      assignmentId,
      roleDefinitionId: instance.roleDefinitionId,
      scope: instance.directoryScopeId ?? '/',
      how:
        instance.assignmentType === 'Activated'
          ? 'an activated PIM assignment'
          : `${(instance.memberType ?? 'direct').toLowerCase()} assignment`,
    });
  }
  for (const assignment of assignments.value.value ?? []) {
    if (ignore.has(assignment.id) || roles.has(assignment.id)) continue;
    roles.set(assignment.id, {
      assignmentId: assignment.id,
      roleDefinitionId: assignment.roleDefinitionId,
      scope: assignment.directoryScopeId ?? '/',
      how: 'direct assignment',
    });
  }
  return { roles: [...roles.values()] };
}
