import type { RestorableChange } from '../../domain/containment.ts';
import { type ListResult, listAll } from './graph-paging.ts';
import type { GraphTenantSession } from './graph-session.ts';

/** Directory role assignments of one principal, as restore checks them before re-creating one. */

export type RoleChange = Extract<RestorableChange, { kind: 'roleAssignment' }>;

export interface RoleAssignment {
  id: string;
  principalId?: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
}

/** The principal's active directory role assignments, every page. */
export function listRolesOf(
  session: GraphTenantSession,
  principalId: string,
): Promise<ListResult<RoleAssignment>> {
  return listAll<RoleAssignment>(session, {
    operation: 'listRoleAssignments',
    path: '/roleManagement/directory/roleAssignments',
    query: { $filter: `principalId eq '${principalId.replaceAll("'", "''")}'` },
  });
}
