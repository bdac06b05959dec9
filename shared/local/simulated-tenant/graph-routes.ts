import type { GraphAnswer, SimulatedDirectory } from './directory.ts';
import { type PagingSettings, pageOf } from './paging.ts';
import type { SimulatedPrivilegedAccess } from './privileged-access.ts';

/**
 * The Graph v1.0 operations the simulated tenant answers (those containment and restore use),
 * each with the application permissions that allow it.
 */

/** Application permissions that satisfy each operation: the least-privileged one first. */
const PERMISSIONS = {
  revoke: ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  readUser: [
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  enableDisableUser: [
    'User.EnableDisableAccount.All',
    'User.ReadWrite.All',
    'Directory.ReadWrite.All',
  ],
  riskyUsers: ['IdentityRiskyUser.ReadWrite.All'],
  riskyServicePrincipals: ['IdentityRiskyServicePrincipal.ReadWrite.All'],
  readRoles: [
    'RoleManagement.Read.Directory',
    'RoleManagement.Read.All',
    'RoleManagement.ReadWrite.Directory',
    'Directory.Read.All',
  ],
  writeRoles: ['RoleManagement.ReadWrite.Directory'],
  readSchedules: [
    'RoleAssignmentSchedule.Read.Directory',
    'RoleAssignmentSchedule.ReadWrite.Directory',
    'RoleManagement.Read.Directory',
    'RoleManagement.ReadWrite.Directory',
  ],
  writeSchedules: [
    'RoleAssignmentSchedule.ReadWrite.Directory',
    'RoleManagement.ReadWrite.Directory',
  ],
  readServicePrincipal: [
    'Application.Read.All',
    'Application.ReadWrite.OwnedBy',
    'Application.ReadWrite.All',
    'Directory.Read.All',
  ],
  writeServicePrincipal: ['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All'],
  readEligibility: [
    'RoleEligibilitySchedule.Read.Directory',
    'RoleEligibilitySchedule.ReadWrite.Directory',
    'RoleManagement.Read.Directory',
    'RoleManagement.ReadWrite.Directory',
  ],
  writeEligibility: [
    'RoleEligibilitySchedule.ReadWrite.Directory',
    'RoleManagement.ReadWrite.Directory',
  ],
  readGroups: [
    'GroupMember.Read.All',
    'GroupMember.ReadWrite.All',
    'Group.Read.All',
    'Directory.Read.All',
  ],
  writeGroupMembers: [
    'GroupMember.ReadWrite.All',
    'Group.ReadWrite.All',
    'Directory.ReadWrite.All',
  ],
  readPimGroupEligibility: [
    'PrivilegedEligibilitySchedule.Read.AzureADGroup',
    'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  ],
  writePimGroupEligibility: ['PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup'],
  readPimGroupAssignment: [
    'PrivilegedAssignmentSchedule.Read.AzureADGroup',
    'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  ],
  writePimGroupAssignment: ['PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup'],
} as const;

export interface Route {
  method: string;
  pattern: RegExp;
  permissions: readonly string[];
  handle: (
    match: RegExpExecArray,
    body: unknown,
    url: URL,
    appRoles: readonly string[],
    appPermissions: readonly string[],
  ) => GraphAnswer;
}

/**
 * The routes over `directory` and `access`; revokeSignInSessions answers with `revokeStatus` on
 * success. Collections page as Graph's do (`paging`).
 */
export function graphRoutes(
  directory: SimulatedDirectory,
  access: SimulatedPrivilegedAccess,
  revokeStatus: 200 | 204,
  paging: PagingSettings,
  now: () => Date,
): Route[] {
  const d = directory;
  const a = access;
  const id = '([^/]+)';
  const paged =
    (handle: (m: RegExpExecArray, b: unknown, url: URL) => GraphAnswer): Route['handle'] =>
    (m, b, url) =>
      pageOf(handle(m, b, url), url, paging, now());
  const pim = '/identityGovernance/privilegedAccess/group';
  return [
    {
      method: 'POST',
      pattern: new RegExp(`^/users/${id}/revokeSignInSessions$`),
      permissions: PERMISSIONS.revoke,
      handle: (m) => {
        const answer = d.revokeSignInSessions(decodeURIComponent(m[1] ?? ''));
        return answer.status === 200 && revokeStatus === 204 ? { status: 204 } : answer;
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${id}$`),
      permissions: PERMISSIONS.readUser,
      handle: (m, _b, url) =>
        d.getUser(decodeURIComponent(m[1] ?? ''), url.searchParams.get('$select')),
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/users/${id}$`),
      permissions: PERMISSIONS.enableDisableUser,
      handle: (m, body, _u, roles) => d.patchUser(decodeURIComponent(m[1] ?? ''), body, roles),
    },
    {
      method: 'POST',
      pattern: /^\/identityProtection\/riskyUsers\/confirmCompromised$/,
      permissions: PERMISSIONS.riskyUsers,
      handle: (_m, body) => d.confirmCompromisedUsers(body),
    },
    {
      method: 'POST',
      pattern: /^\/identityProtection\/riskyServicePrincipals\/confirmCompromised$/,
      permissions: PERMISSIONS.riskyServicePrincipals,
      handle: (_m, body) => d.confirmCompromisedServicePrincipals(body),
    },
    {
      method: 'GET',
      pattern: /^\/roleManagement\/directory\/roleAssignments$/,
      permissions: PERMISSIONS.readRoles,
      handle: paged((_m, _b, url) => d.listRoleAssignments(url.searchParams.get('$filter'))),
    },
    {
      method: 'POST',
      pattern: /^\/roleManagement\/directory\/roleAssignments$/,
      permissions: PERMISSIONS.writeRoles,
      handle: (_m, body) => d.createRoleAssignment(body),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/roleManagement/directory/roleAssignments/${id}$`),
      permissions: PERMISSIONS.writeRoles,
      handle: (m) => d.deleteRoleAssignment(decodeURIComponent(m[1] ?? '')),
    },
    {
      method: 'GET',
      pattern: /^\/roleManagement\/directory\/roleAssignmentScheduleInstances$/,
      permissions: PERMISSIONS.readSchedules,
      handle: paged((_m, _b, url) =>
        d.listRoleAssignmentScheduleInstances(url.searchParams.get('$filter')),
      ),
    },
    {
      method: 'POST',
      pattern: /^\/roleManagement\/directory\/roleAssignmentScheduleRequests$/,
      permissions: PERMISSIONS.writeSchedules,
      handle: (_m, body) => d.createScheduleRequest(body),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/servicePrincipals/${id}$`),
      permissions: PERMISSIONS.readServicePrincipal,
      handle: (m, _b, url) =>
        d.getServicePrincipal(decodeURIComponent(m[1] ?? ''), url.searchParams.get('$select')),
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/servicePrincipals/${id}$`),
      permissions: PERMISSIONS.writeServicePrincipal,
      handle: (m, body) => d.patchServicePrincipal(decodeURIComponent(m[1] ?? ''), body),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/servicePrincipals/${id}/removePassword$`),
      permissions: PERMISSIONS.writeServicePrincipal,
      handle: (m, body) => d.removePassword(decodeURIComponent(m[1] ?? ''), body),
    },
    {
      method: 'GET',
      pattern: /^\/roleManagement\/directory\/roleEligibilityScheduleInstances$/,
      permissions: PERMISSIONS.readEligibility,
      handle: paged((_m, _b, url) => a.listEligibilityInstances(url.searchParams.get('$filter'))),
    },
    {
      method: 'POST',
      pattern: /^\/roleManagement\/directory\/roleEligibilityScheduleRequests$/,
      permissions: PERMISSIONS.writeEligibility,
      handle: (_m, body) => a.eligibilityRequest(body),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/users/${id}/transitiveMemberOf/microsoft\\.graph\\.group$`),
      permissions: PERMISSIONS.readGroups,
      handle: paged((m) => a.transitiveGroupsOf(decodeURIComponent(m[1] ?? ''))),
    },
    {
      method: 'DELETE',
      pattern: new RegExp(`^/groups/${id}/members/${id}/\\$ref$`),
      permissions: PERMISSIONS.writeGroupMembers,
      handle: (m, _b, _u, _r, granted) =>
        a.removeMember(decodeURIComponent(m[1] ?? ''), decodeURIComponent(m[2] ?? ''), granted),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/groups/${id}/members/\\$ref$`),
      permissions: PERMISSIONS.writeGroupMembers,
      handle: (m, body, _u, _r, granted) =>
        a.addMember(decodeURIComponent(m[1] ?? ''), body, granted, paging.baseUrl()),
    },
    ...(['eligible', 'active'] as const).flatMap((schedule): Route[] => {
      const name = schedule === 'eligible' ? 'eligibility' : 'assignment';
      const [read, write] =
        schedule === 'eligible'
          ? [PERMISSIONS.readPimGroupEligibility, PERMISSIONS.writePimGroupEligibility]
          : [PERMISSIONS.readPimGroupAssignment, PERMISSIONS.writePimGroupAssignment];
      return [
        {
          method: 'GET',
          pattern: new RegExp(`^${pim}/${name}ScheduleInstances$`),
          permissions: read,
          handle: paged((_m, _b, url) =>
            a.listGroupAccess(schedule, url.searchParams.get('$filter')),
          ),
        },
        {
          method: 'POST',
          pattern: new RegExp(`^${pim}/${name}ScheduleRequests$`),
          permissions: write,
          handle: (_m, body) => a.groupAccessRequest(schedule, body),
        },
      ];
    }),
    {
      method: 'GET',
      pattern: /^\/applications\(appId='([^']+)'\)$/,
      permissions: PERMISSIONS.readServicePrincipal,
      handle: (m, _b, url) =>
        a.applicationByAppId(decodeURIComponent(m[1] ?? ''), url.searchParams.get('$select')),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/applications/${id}/removePassword$`),
      permissions: PERMISSIONS.writeServicePrincipal,
      handle: (m, body) => a.removeApplicationPassword(decodeURIComponent(m[1] ?? ''), body),
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/applications/${id}$`),
      permissions: PERMISSIONS.writeServicePrincipal,
      handle: (m, body) => a.patchApplication(decodeURIComponent(m[1] ?? ''), body),
    },
  ];
}
