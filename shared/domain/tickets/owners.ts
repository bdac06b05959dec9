import { type Finding, OWNER_ROLES, type OwnerRole } from '../accountability.ts';
import type { OwnerAssignment, ResolvedOwners } from '../ownership.ts';

/** What one owner team's ticket covers. */
export interface TicketScope {
  /** The first of the team's roles, in contract order, when one team holds several. */
  ownerRole: OwnerRole;
  owner: OwnerAssignment;
  /** Failed and undetermined findings of every role the team holds; never held ones. */
  findings: Finding[];
}

/**
 * One ticket per accountable owner team: a team is accountable when at least one control it owns
 * failed. A team holding two roles gets one ticket with both roles' findings, because the dedupe
 * key is (incident, team). Teams with only undetermined controls get no ticket.
 */
export function ticketScopes(findings: readonly Finding[], owners: ResolvedOwners): TicketScope[] {
  const scopes = new Map<string, TicketScope>();
  for (const role of OWNER_ROLES) {
    const owner = owners[role];
    if (owner === undefined) continue;
    const mine = findings.filter((f) => f.ownerRole === role && f.status !== 'held');
    const scope = scopes.get(owner.team);
    if (scope) scope.findings.push(...mine);
    else scopes.set(owner.team, { ownerRole: role, owner, findings: [...mine] });
  }
  return [...scopes.values()].filter((scope) => scope.findings.some((f) => f.status === 'failed'));
}
