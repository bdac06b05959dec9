import type { RestorableChange } from '../../domain/containment.ts';
import type { GraphCallResult, GraphTenantSession } from './graph-session.ts';

/** Directory role assignments of one principal, as containment removes and restore re-creates them. */

export type RoleChange = Extract<RestorableChange, { kind: 'roleAssignment' }>;

export interface RoleAssignment {
  id: string;
  principalId?: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
}

/** An active assignment as PIM schedules it: permanent, or activated until `endDateTime`. */
export interface RoleAssignmentInstance extends RoleAssignment {
  assignmentType?: string | null;
  memberType?: string | null;
  endDateTime?: string | null;
  roleAssignmentOriginId?: string | null;
}

const byPrincipal = (principalId: string) => ({
  $filter: `principalId eq '${principalId.replaceAll("'", "''")}'`,
});

export function listRoleAssignments(
  session: GraphTenantSession,
  principalId: string,
): Promise<GraphCallResult<{ value: RoleAssignment[] }>> {
  return session.call({
    operation: 'listRoleAssignments',
    method: 'GET',
    path: '/roleManagement/directory/roleAssignments',
    query: byPrincipal(principalId),
  });
}

export function listRoleAssignmentScheduleInstances(
  session: GraphTenantSession,
  principalId: string,
): Promise<GraphCallResult<{ value: RoleAssignmentInstance[] }>> {
  return session.call({
    operation: 'listRoleAssignmentScheduleInstances',
    method: 'GET',
    path: '/roleManagement/directory/roleAssignmentScheduleInstances',
    query: byPrincipal(principalId),
  });
}
