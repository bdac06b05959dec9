import type { ActionOutcome, RestorableChange, RestoreRequest } from '../../domain/containment.ts';
import {
  parseRestorableChange,
  restoreActionOf,
  targetOf,
} from '../../domain/restorable-change.ts';
import type { Clock } from '../../ports/clock.ts';
import { type StartedAction, startAction } from '../containment-outcome.ts';
import { reenableAccount } from './account-enabled.ts';
import { outcomeErrorOf } from './errors.ts';
import type { ListResult } from './graph-paging.ts';
import type { GraphTenantSession } from './graph-session.ts';
import { resolveUserId } from './isolate-privilege.ts';
import { PrivilegeRestorer } from './restore-privilege.ts';
import { listRolesOf, type RoleAssignment, type RoleChange } from './role-assignments.ts';

/**
 * The operator's restore in Entra: re-creates the role assignments and re-enables the accounts
 * containment recorded for this subject, and refuses anything else (another principal's change,
 * a malformed record, a PIM assignment whose end has passed).
 */
export async function restoreChanges(
  session: GraphTenantSession,
  request: RestoreRequest,
  clock: Clock,
): Promise<ActionOutcome[]> {
  const subject = request.subject;
  const justification = `Restore after incident ${request.incidentId}, requested by ${request.requestedBy}: ${request.justification}`;
  const seen = new Set<string>();
  const tasks: Promise<ActionOutcome>[] = [];
  let current: Promise<ListResult<RoleAssignment>> | undefined;
  // Changes name the object id; a subject named by UPN is read once to compare on identity.
  let principal: Promise<string | undefined> | undefined;
  const principalIds = async () => {
    principal ??= resolveUserId(session, subject.id).then((r) => (r.ok ? r.value.id : undefined));
    const id = await principal;
    return [subject.id, id].filter((v): v is string => v !== undefined).map((v) => v.toLowerCase());
  };
  const privilege = new PrivilegeRestorer(session, justification, clock);
  for (const raw of request.changes) {
    const t0 = performance.now();
    const started = startAction(clock, restoreActionOf(raw), targetOf(raw), t0);
    const parsed = parseRestorableChange(raw);
    if (!parsed.ok) {
      tasks.push(Promise.resolve(started.refused('malformed change; refused')));
      continue;
    }
    const change = parsed.value;
    const key = JSON.stringify(change);
    if (seen.has(key)) continue;
    seen.add(key);
    if (change.kind === 'credentialRemoved') {
      tasks.push(Promise.resolve(started.skipped('notApplicable', credentialNotRestored(change))));
    } else if (
      change.kind === 'roleAssignment' ||
      change.kind === 'roleEligibility' ||
      change.kind === 'groupMembership' ||
      change.kind === 'pimGroupAccess'
    ) {
      const owner = change.kind === 'groupMembership' ? change.memberId : change.principalId;
      tasks.push(
        principalIds().then((ids) => {
          if (!ids.includes(owner.toLowerCase())) {
            return started.refused(`recorded for principal ${owner}, not ${subject.id}: refused`);
          }
          if (change.kind !== 'roleAssignment') return privilege.restore(change, started);
          current ??= listRolesOf(session, change.principalId);
          return reassignRole(session, change, current, justification, started, clock);
        }),
      );
    } else if (change.kind === 'accountDisabled' || change.kind === 'servicePrincipalDisabled') {
      const expectedType = change.kind === 'accountDisabled' ? 'user' : 'servicePrincipal';
      if (
        change.subjectId.toLowerCase() !== subject.id.toLowerCase() ||
        subject.type !== expectedType
      ) {
        tasks.push(
          Promise.resolve(
            started.refused(
              `recorded for ${expectedType} ${change.subjectId}, not this ${subject.type} ${subject.id}: refused`,
            ),
          ),
        );
        continue;
      }
      const reenabling = startAction(clock, 'disableAccount', subject.id, t0);
      tasks.push(reenableAccount(session, expectedType, subject.id, reenabling));
    } else {
      tasks.push(
        Promise.resolve(
          started.skipped(
            'notApplicable',
            `${change.kind} is an AWS change; the Entra adapter does not restore it`,
          ),
        ),
      );
    }
  }
  return Promise.all(tasks);
}

/** A removed secret or certificate cannot be given back: say what to do instead. */
function credentialNotRestored(change: Extract<RestorableChange, { kind: 'credentialRemoved' }>) {
  const what = change.credentialType === 'password' ? 'client secret' : 'certificate';
  const name = change.displayName ? ` "${change.displayName}"` : '';
  return `the ${what}${name} (key ${change.keyId}) removed from ${change.owner} ${change.ownerId} cannot be put back: issue a new ${what} to the workload once the investigation allows it`;
}

/** Re-creates a removed assignment unless it is already back or would have ended by now. */
async function reassignRole(
  session: GraphTenantSession,
  change: RoleChange,
  current: Promise<ListResult<RoleAssignment>>,
  justification: string,
  started: StartedAction,
  clock: Clock,
): Promise<ActionOutcome> {
  const now = clock.now();
  if (change.endDateTime !== undefined && Date.parse(change.endDateTime) <= now.getTime()) {
    return started.refused(
      `the active PIM assignment would have ended at ${change.endDateTime}; not restored`,
    );
  }
  const existing = await current;
  if (!existing.ok) return started.failed(outcomeErrorOf(existing.failure));
  const present = existing.value.some(
    (a) =>
      a.roleDefinitionId === change.roleDefinitionId &&
      (a.directoryScopeId ?? '/') === change.directoryScopeId,
  );
  if (present) {
    return started.succeeded(
      `role ${change.roleDefinitionId} at ${change.directoryScopeId} is already assigned; nothing changed`,
    );
  }
  const result =
    change.assignmentType === 'pimActive'
      ? await session.call<{ id?: string }>({
          operation: 'restorePimAssignment',
          method: 'POST',
          path: '/roleManagement/directory/roleAssignmentScheduleRequests',
          body: {
            action: 'adminAssign',
            principalId: change.principalId,
            roleDefinitionId: change.roleDefinitionId,
            directoryScopeId: change.directoryScopeId,
            justification,
            scheduleInfo: {
              startDateTime: now.toISOString(),
              expiration:
                change.endDateTime === undefined
                  ? { type: 'noExpiration' }
                  : { type: 'afterDateTime', endDateTime: change.endDateTime },
            },
          },
        })
      : await session.call<{ id?: string }>({
          operation: 'restorePermanentAssignment',
          method: 'POST',
          path: '/roleManagement/directory/roleAssignments',
          body: {
            principalId: change.principalId,
            roleDefinitionId: change.roleDefinitionId,
            directoryScopeId: change.directoryScopeId,
          },
        });
  if (!result.ok) return started.failed(outcomeErrorOf(result.failure));
  const until = change.endDateTime ? ` until ${change.endDateTime}` : '';
  return started.succeeded(
    change.assignmentType === 'pimActive'
      ? `active PIM assignment of role ${change.roleDefinitionId} re-created${until} (schedule request ${result.value?.id ?? 'accepted'})`
      : `permanent assignment of role ${change.roleDefinitionId} re-created as ${result.value?.id ?? 'a new assignment'}`,
  );
}
