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
interface RoleAssignmentInstance extends RoleAssignment {
  assignmentType?: string | null;
  memberType?: string | null;
  endDateTime?: string | null;
  roleAssignmentOriginId?: string | null;
}

const LISTINGS = {
  listRoleAssignments: '/roleManagement/directory/roleAssignments',
  listRoleAssignmentScheduleInstances: '/roleManagement/directory/roleAssignmentScheduleInstances',
} as const;

interface Listed {
  listRoleAssignments: RoleAssignment;
  listRoleAssignmentScheduleInstances: RoleAssignmentInstance;
}

/** The principal's active assignments, or the PIM schedule instances behind them. */
export function listRolesOf<L extends keyof typeof LISTINGS>(
  session: GraphTenantSession,
  listing: L,
  principalId: string,
): Promise<GraphCallResult<{ value: Listed[L][] }>> {
  return session.call({
    operation: listing,
    method: 'GET',
    path: LISTINGS[listing],
    query: { $filter: `principalId eq '${principalId.replaceAll("'", "''")}'` },
  });
}
