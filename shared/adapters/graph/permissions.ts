const ENABLE_DISABLE_USER =
  'User.EnableDisableAccount.All (with User.Read.All); for an administrator target the app also needs a privileged Entra role such as Privileged Authentication Administrator';

/**
 * The least-privileged Microsoft Graph application permission each operation needs (docs/containment.md).
 * A 403 names the permission of the operation that was refused, so the fix is one grant.
 */
export const GRAPH_PERMISSIONS = {
  revokeSignInSessions: 'User.RevokeSessions.All',
  readUser: 'User.Read.All',
  disableUser: ENABLE_DISABLE_USER,
  enableUser: ENABLE_DISABLE_USER,
  confirmCompromisedUser: 'IdentityRiskyUser.ReadWrite.All (Entra ID P2)',
  listRoleAssignments: 'RoleManagement.Read.Directory',
  listRoleAssignmentScheduleInstances: 'RoleAssignmentSchedule.Read.Directory',
  removePimAssignment: 'RoleAssignmentSchedule.ReadWrite.Directory',
  removePermanentAssignment: 'RoleManagement.ReadWrite.Directory',
  restorePimAssignment: 'RoleAssignmentSchedule.ReadWrite.Directory',
  restorePermanentAssignment: 'RoleManagement.ReadWrite.Directory',
  readServicePrincipal: 'Application.ReadWrite.OwnedBy',
  disableServicePrincipal: 'Application.ReadWrite.OwnedBy',
  enableServicePrincipal: 'Application.ReadWrite.OwnedBy',
  removeServicePrincipalPassword: 'Application.ReadWrite.OwnedBy',
  confirmCompromisedServicePrincipal: 'IdentityRiskyServicePrincipal.ReadWrite.All',
} as const;

export type GraphOperation = keyof typeof GRAPH_PERMISSIONS;
