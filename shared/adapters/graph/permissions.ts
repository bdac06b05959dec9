const APPLICATION_WRITE =
  'Application.ReadWrite.OwnedBy (the responder must own the application; else Application.ReadWrite.All)';
const GROUP_MEMBER_WRITE =
  'GroupMember.ReadWrite.All and RoleManagement.ReadWrite.Directory (role-assignable groups need both)';

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
  listRoleEligibilityScheduleInstances: 'RoleEligibilitySchedule.Read.Directory',
  removeRoleEligibility: 'RoleEligibilitySchedule.ReadWrite.Directory',
  restoreRoleEligibility: 'RoleEligibilitySchedule.ReadWrite.Directory',
  listTransitiveGroups: 'GroupMember.Read.All',
  removeGroupMember: GROUP_MEMBER_WRITE,
  restoreGroupMember: GROUP_MEMBER_WRITE,
  listPimGroupEligibilityInstances: 'PrivilegedEligibilitySchedule.Read.AzureADGroup',
  listPimGroupAssignmentInstances: 'PrivilegedAssignmentSchedule.Read.AzureADGroup',
  removePimGroupEligibility: 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  restorePimGroupEligibility: 'PrivilegedEligibilitySchedule.ReadWrite.AzureADGroup',
  removePimGroupAssignment: 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  restorePimGroupAssignment: 'PrivilegedAssignmentSchedule.ReadWrite.AzureADGroup',
  readApplication: APPLICATION_WRITE,
  removeApplicationPassword: APPLICATION_WRITE,
  removeApplicationKeys: APPLICATION_WRITE,
} as const;

export type GraphOperation = keyof typeof GRAPH_PERMISSIONS;
