import type { ActionOutcome, RestorableChange } from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import type { StartedAction } from '../containment-outcome.ts';
import { outcomeErrorOf } from './errors.ts';
import { type ListResult, listAll } from './graph-paging.ts';
import type { GraphTenantSession } from './graph-session.ts';

/**
 * Restore of the privilege paths beyond active role assignments: a PIM eligible role
 * (re-created with `adminAssign`), a role-assignable group membership (`members/$ref`) and PIM
 * for Groups access (`adminAssign`). Each is put back only when not already there, and never
 * past the end it had.
 */

type Change = Extract<
  RestorableChange,
  { kind: 'roleEligibility' | 'groupMembership' | 'pimGroupAccess' }
>;

interface Instance {
  roleDefinitionId?: string;
  directoryScopeId?: string | null;
  groupId?: string;
  accessId?: string | null;
}

const enc = encodeURIComponent;
const PIM_GROUP = '/identityGovernance/privilegedAccess/group';
const byPrincipal = (id: string) => ({ $filter: `principalId eq '${id.replaceAll("'", "''")}'` });

export class PrivilegeRestorer {
  readonly #session: GraphTenantSession;
  readonly #justification: string;
  readonly #clock: Clock;
  /** One listing per collection and principal, shared by every change that needs it. */
  readonly #listings = new Map<string, Promise<ListResult<Instance>>>();

  constructor(session: GraphTenantSession, justification: string, clock: Clock) {
    this.#session = session;
    this.#justification = justification;
    this.#clock = clock;
  }

  async restore(change: Change, started: StartedAction): Promise<ActionOutcome> {
    const now = this.#clock.now();
    if (
      change.kind !== 'groupMembership' &&
      change.endDateTime !== undefined &&
      Date.parse(change.endDateTime) <= now.getTime()
    ) {
      return started.refused(`it would have ended at ${change.endDateTime}; not restored`);
    }
    switch (change.kind) {
      case 'roleEligibility':
        return this.#reassignEligibility(change, started, now);
      case 'groupMembership':
        return this.#readdMember(change, started);
      case 'pimGroupAccess':
        return this.#reassignGroupAccess(change, started, now);
    }
  }

  #list(
    operation:
      | 'listRoleEligibilityScheduleInstances'
      | 'listPimGroupEligibilityInstances'
      | 'listPimGroupAssignmentInstances',
    path: string,
    principalId: string,
  ) {
    const key = `${path}|${principalId}`;
    let listing = this.#listings.get(key);
    if (!listing) {
      listing = listAll<Instance>(this.#session, {
        operation,
        path,
        query: byPrincipal(principalId),
      });
      this.#listings.set(key, listing);
    }
    return listing;
  }

  #schedule(now: Date, endDateTime: string | undefined) {
    return {
      startDateTime: now.toISOString(),
      expiration:
        endDateTime === undefined
          ? { type: 'noExpiration' }
          : { type: 'afterDateTime', endDateTime },
    };
  }

  async #reassignEligibility(
    change: Extract<Change, { kind: 'roleEligibility' }>,
    started: StartedAction,
    now: Date,
  ): Promise<ActionOutcome> {
    const existing = await this.#list(
      'listRoleEligibilityScheduleInstances',
      '/roleManagement/directory/roleEligibilityScheduleInstances',
      change.principalId,
    );
    if (!existing.ok) return started.failed(outcomeErrorOf(existing.failure));
    const what = `eligible role ${change.roleDefinitionId} at ${change.directoryScopeId}`;
    if (
      existing.value.some(
        (e) =>
          e.roleDefinitionId === change.roleDefinitionId &&
          (e.directoryScopeId ?? '/') === change.directoryScopeId,
      )
    ) {
      return started.succeeded(`${what} is already in place; nothing changed`);
    }
    const result = await this.#session.call<{ id?: string }>({
      operation: 'restoreRoleEligibility',
      method: 'POST',
      path: '/roleManagement/directory/roleEligibilityScheduleRequests',
      body: {
        action: 'adminAssign',
        principalId: change.principalId,
        roleDefinitionId: change.roleDefinitionId,
        directoryScopeId: change.directoryScopeId,
        justification: this.#justification,
        scheduleInfo: this.#schedule(now, change.endDateTime),
      },
    });
    if (!result.ok) return started.failed(outcomeErrorOf(result.failure));
    const until = change.endDateTime ? ` until ${change.endDateTime}` : '';
    return started.succeeded(
      `${what} re-created${until} (schedule request ${result.value?.id ?? 'accepted'})`,
    );
  }

  async #readdMember(
    change: Extract<Change, { kind: 'groupMembership' }>,
    started: StartedAction,
  ): Promise<ActionOutcome> {
    const result = await this.#session.call({
      operation: 'restoreGroupMember',
      method: 'POST',
      path: `/groups/${enc(change.groupId)}/members/$ref`,
      body: {
        '@odata.id': this.#session.directoryObjectRef(change.memberId),
      },
    });
    const start =
      change.startDateTime === 'unknown'
        ? '; Graph does not say when the membership began, so it was restored without that check'
        : '';
    if (result.ok) {
      return started.succeeded(`membership of group ${change.groupId} re-added${start}`);
    }
    // Graph answers 400 "already exist" when the member is back already.
    if (result.failure.httpStatus === 400 && /already exist/i.test(result.failure.message)) {
      return started.succeeded(`already a member of group ${change.groupId}; nothing changed`);
    }
    return started.failed(outcomeErrorOf(result.failure));
  }

  async #reassignGroupAccess(
    change: Extract<Change, { kind: 'pimGroupAccess' }>,
    started: StartedAction,
    now: Date,
  ): Promise<ActionOutcome> {
    const eligible = change.schedule === 'eligible';
    const collection = eligible ? 'eligibility' : 'assignment';
    const existing = await this.#list(
      eligible ? 'listPimGroupEligibilityInstances' : 'listPimGroupAssignmentInstances',
      `${PIM_GROUP}/${collection}ScheduleInstances`,
      change.principalId,
    );
    if (!existing.ok) return started.failed(outcomeErrorOf(existing.failure));
    const what = `${change.schedule} PIM for Groups ${change.accessId}ship of group ${change.groupId}`;
    if (
      existing.value.some((e) => e.groupId === change.groupId && e.accessId === change.accessId)
    ) {
      return started.succeeded(`${what} is already in place; nothing changed`);
    }
    const result = await this.#session.call<{ id?: string }>({
      operation: eligible ? 'restorePimGroupEligibility' : 'restorePimGroupAssignment',
      method: 'POST',
      path: `${PIM_GROUP}/${collection}ScheduleRequests`,
      body: {
        action: 'adminAssign',
        accessId: change.accessId,
        principalId: change.principalId,
        groupId: change.groupId,
        justification: this.#justification,
        scheduleInfo: this.#schedule(now, change.endDateTime),
      },
    });
    if (!result.ok) return started.failed(outcomeErrorOf(result.failure));
    const until = change.endDateTime ? ` until ${change.endDateTime}` : '';
    return started.succeeded(
      `${what} re-created${until} (schedule request ${result.value?.id ?? 'accepted'})`,
    );
  }
}
