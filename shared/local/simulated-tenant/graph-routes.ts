import type { GraphAnswer, SimulatedDirectory } from './directory.ts';

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
  ) => GraphAnswer;
}

/** The routes over `directory`; revokeSignInSessions answers with `revokeStatus` on success. */
export function graphRoutes(directory: SimulatedDirectory, revokeStatus: 200 | 204): Route[] {
  const d = directory;
  const id = '([^/]+)';
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
      handle: (_m, _b, url) => d.listRoleAssignments(url.searchParams.get('$filter')),
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
      handle: (_m, _b, url) =>
        d.listRoleAssignmentScheduleInstances(url.searchParams.get('$filter')),
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
  ];
}
