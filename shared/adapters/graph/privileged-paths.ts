import type { RestorableChange } from '../../domain/containment.ts';
import type { GraphFailure } from './errors.ts';
import { listAll } from './graph-paging.ts';
import type { GraphTenantSession } from './graph-session.ts';
import type { GraphOperation } from './permissions.ts';

/**
 * Every path from one user back to a directory role (graph.md, "Every path back to privilege"):
 * active assignments (PIM and direct), PIM eligible ones, role-assignable groups holding roles,
 * and PIM for Groups eligibility or assignment. Read-only: containment removes what this finds,
 * verification re-reads it afterwards. Every listing follows `@odata.nextLink`.
 */

export type PrivilegeChange = Extract<
  RestorableChange,
  { kind: 'roleAssignment' | 'roleEligibility' | 'groupMembership' | 'pimGroupAccess' }
>;

export interface PrivilegedPaths {
  /** What can be removed, each with the data to put it back. */
  removable: { change: PrivilegeChange; label: string }[];
  /** What grants privilege but cannot be removed by this adapter, with why. */
  unremovable: { target: string; label: string; why: string }[];
  /** Listings that failed: while any did, a path may hide there. */
  unreadable: { listing: string; failure: GraphFailure }[];
  /** Graph answered 404 for the user itself: it does not exist in this tenant. */
  userMissing: boolean;
}

interface RoleInstance {
  id: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
  memberType?: string | null;
  assignmentType?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
  roleAssignmentOriginId?: string | null;
  roleEligibilityScheduleId?: string | null;
}

interface GroupAccessInstance {
  id: string;
  groupId: string;
  accessId?: string | null;
  memberType?: string | null;
  startDateTime?: string | null;
  endDateTime?: string | null;
}

interface Group {
  id: string;
  displayName?: string | null;
  isAssignableToRole?: boolean | null;
}

const enc = encodeURIComponent;
const byPrincipal = (id: string) => ({ $filter: `principalId eq '${id.replaceAll("'", "''")}'` });
const scopeOf = (scope: string | null | undefined) => scope ?? '/';
const roleLabel = (role: string, scope: string | null | undefined) =>
  `role ${role} at ${scopeOf(scope)}`;

function listing<T>(
  session: GraphTenantSession,
  operation: GraphOperation,
  path: string,
  query: Record<string, string>,
  deadline: number | undefined,
) {
  return listAll<T>(session, { operation, path, query }, deadline);
}

/** Roles (active and eligible) a principal holds directly, as schedule instances. */
function rolesOf(session: GraphTenantSession, principalId: string, deadline?: number) {
  return Promise.all([
    listing<RoleInstance>(
      session,
      'listRoleAssignmentScheduleInstances',
      '/roleManagement/directory/roleAssignmentScheduleInstances',
      byPrincipal(principalId),
      deadline,
    ),
    listing<RoleInstance>(
      session,
      'listRoleEligibilityScheduleInstances',
      '/roleManagement/directory/roleEligibilityScheduleInstances',
      byPrincipal(principalId),
      deadline,
    ),
  ]);
}

export async function findPrivilegedPaths(
  session: GraphTenantSession,
  userId: string,
  deadline?: number,
): Promise<PrivilegedPaths> {
  const paths: PrivilegedPaths = {
    removable: [],
    unremovable: [],
    unreadable: [],
    userMissing: false,
  };
  const pim = '/identityGovernance/privilegedAccess/group';
  const [[active, eligible], direct, groups, pimEligible, pimActive] = await Promise.all([
    rolesOf(session, userId, deadline),
    listing<RoleInstance>(
      session,
      'listRoleAssignments',
      '/roleManagement/directory/roleAssignments',
      byPrincipal(userId),
      deadline,
    ),
    listing<Group>(
      session,
      'listTransitiveGroups',
      `/users/${enc(userId)}/transitiveMemberOf/microsoft.graph.group`,
      { $select: 'id,displayName,isAssignableToRole' },
      deadline,
    ),
    listing<GroupAccessInstance>(
      session,
      'listPimGroupEligibilityInstances',
      `${pim}/eligibilityScheduleInstances`,
      byPrincipal(userId),
      deadline,
    ),
    listing<GroupAccessInstance>(
      session,
      'listPimGroupAssignmentInstances',
      `${pim}/assignmentScheduleInstances`,
      byPrincipal(userId),
      deadline,
    ),
  ]);
  const unreadable = (name: string, result: { ok: boolean; failure?: GraphFailure }) => {
    if (!result.ok && result.failure)
      paths.unreadable.push({ listing: name, failure: result.failure });
  };
  unreadable('active directory roles', active);
  unreadable('directory role assignments', direct);
  unreadable('eligible directory roles', eligible);
  if (!groups.ok && groups.failure.class === 'notFound') paths.userMissing = true;
  else unreadable('group memberships', groups);
  unreadable('PIM for Groups eligibility', pimEligible);
  unreadable('PIM for Groups assignments', pimActive);

  // PIM for Groups: every eligible or active membership/ownership the user holds directly.
  const pimCoveredGroups = new Set<string>();
  for (const [schedule, result] of [
    ['eligible', pimEligible],
    ['active', pimActive],
  ] as const) {
    for (const instance of result.ok ? result.value : []) {
      const accessId = instance.accessId === 'owner' ? 'owner' : 'member';
      const label = `${schedule} PIM for Groups ${accessId}ship of group ${instance.groupId}`;
      if (instance.memberType && instance.memberType.toLowerCase() !== 'direct') {
        paths.unremovable.push({
          target: instance.id,
          label,
          why: `held through ${instance.memberType} membership, not assigned to the user directly`,
        });
        continue;
      }
      if (schedule === 'active' && accessId === 'member') pimCoveredGroups.add(instance.groupId);
      const change: PrivilegeChange = {
        kind: 'pimGroupAccess',
        schedule,
        accessId,
        groupId: instance.groupId,
        principalId: userId,
        instanceId: instance.id,
        startDateTime: instance.startDateTime ?? 'unknown',
      };
      if (instance.endDateTime) change.endDateTime = instance.endDateTime;
      paths.removable.push({ change, label });
    }
  }

  // Role-assignable groups that hold a role (active or eligible): the membership is the path.
  const assignable = groups.ok ? groups.value.filter((g) => g.isAssignableToRole === true) : [];
  const groupRoles = await Promise.all(
    assignable.map(async (group) => ({ group, roles: await rolesOf(session, group.id, deadline) })),
  );
  const rolesViaGroups = new Set<string>();
  for (const { group, roles } of groupRoles) {
    const [groupActive, groupEligible] = roles;
    unreadable(`roles of group ${group.id}`, groupActive);
    unreadable(`eligible roles of group ${group.id}`, groupEligible);
    const held = [
      ...(groupActive.ok ? groupActive.value : []),
      ...(groupEligible.ok ? groupEligible.value : []),
    ].map((r) => r.roleDefinitionId);
    if (held.length === 0 && groupActive.ok && groupEligible.ok) continue;
    for (const role of held) rolesViaGroups.add(role);
    if (pimCoveredGroups.has(group.id)) continue;
    paths.removable.push({
      change: {
        kind: 'groupMembership',
        groupId: group.id,
        memberId: userId,
        groupRoles: [...new Set(held)],
        // A plain membership carries no start time in Graph.
        startDateTime: 'unknown',
      },
      label: `membership of role-assignable group ${group.displayName ?? group.id} (roles ${[...new Set(held)].join(', ') || 'unknown'})`,
    });
  }

  // Active directory roles: PIM activations and direct assignments alike.
  const covered = new Set<string>();
  for (const instance of active.ok ? active.value : []) {
    const assignmentId = instance.roleAssignmentOriginId ?? instance.id;
    covered.add(assignmentId);
    const label = `active ${roleLabel(instance.roleDefinitionId, instance.directoryScopeId)}`;
    if (instance.memberType && instance.memberType !== 'Direct') {
      if (!rolesViaGroups.has(instance.roleDefinitionId)) {
        paths.unremovable.push({
          target: assignmentId,
          label,
          why: `held through ${instance.memberType.toLowerCase()} membership the responder could not trace to a role-assignable group`,
        });
      }
      continue;
    }
    const pimActive = instance.assignmentType === 'Activated' || Boolean(instance.endDateTime);
    const change: PrivilegeChange = {
      kind: 'roleAssignment',
      assignmentType: pimActive ? 'pimActive' : 'permanent',
      assignmentId,
      roleDefinitionId: instance.roleDefinitionId,
      directoryScopeId: scopeOf(instance.directoryScopeId),
      principalId: userId,
      startDateTime: instance.startDateTime ?? 'unknown',
    };
    if (pimActive && instance.endDateTime) change.endDateTime = instance.endDateTime;
    paths.removable.push({ change, label });
  }
  for (const assignment of direct.ok ? direct.value : []) {
    if (covered.has(assignment.id)) continue;
    paths.removable.push({
      change: {
        kind: 'roleAssignment',
        assignmentType: 'permanent',
        assignmentId: assignment.id,
        roleDefinitionId: assignment.roleDefinitionId,
        directoryScopeId: scopeOf(assignment.directoryScopeId),
        principalId: userId,
      },
      label: `active ${roleLabel(assignment.roleDefinitionId, assignment.directoryScopeId)}`,
    });
  }

  // Eligible directory roles: the holder could activate them again at will.
  for (const instance of eligible.ok ? eligible.value : []) {
    const label = `eligible ${roleLabel(instance.roleDefinitionId, instance.directoryScopeId)}`;
    if (instance.memberType && instance.memberType !== 'Direct') {
      if (!rolesViaGroups.has(instance.roleDefinitionId)) {
        paths.unremovable.push({
          target: instance.id,
          label,
          why: `eligible through ${instance.memberType.toLowerCase()} membership the responder could not trace to a role-assignable group`,
        });
      }
      continue;
    }
    const change: PrivilegeChange = {
      kind: 'roleEligibility',
      eligibilityId: instance.roleEligibilityScheduleId ?? instance.id,
      roleDefinitionId: instance.roleDefinitionId,
      directoryScopeId: scopeOf(instance.directoryScopeId),
      principalId: userId,
      startDateTime: instance.startDateTime ?? 'unknown',
    };
    if (instance.endDateTime) change.endDateTime = instance.endDateTime;
    paths.removable.push({ change, label });
  }
  return paths;
}
