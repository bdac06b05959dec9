import * as z from 'zod/mini';
import {
  type ActionOutcome,
  CONTAINMENT_ACTIONS,
  type ContainmentAction,
  type RestorableChange,
} from './containment.ts';

/**
 * Watch after containment: what containment established, re-read on a schedule for a period,
 * and what to do when someone (an administrator, other automation) has undone part of it.
 */

const RECONTAIN_MODES = ['auto', 'approval', 'never'] as const;

/** The containment policy's `watch` section; absent means the defaults. */
export const watchPolicySchema = z.object({
  /** How long after containment each incident is re-checked. */
  periodHours: z._default(z.int().check(z.gte(1), z.lte(30 * 24)), 24),
  /** On drift: contain again now, ask an operator, or only record and announce. */
  recontainOnDrift: z._default(z.enum(RECONTAIN_MODES), 'approval'),
});
export type WatchPolicy = z.infer<typeof watchPolicySchema>;

export const DEFAULT_WATCH_POLICY: WatchPolicy = { periodHours: 24, recontainOnDrift: 'approval' };

/** One thing containment established that must still hold. `action` is what re-establishes it. */
export type Expectation = { action: ContainmentAction } & (
  | { check: 'accountDisabled'; subjectId: string }
  /** No active directory role except those containment could not remove (`ignore`). */
  | { check: 'noPrivilegedRole'; principalId: string; ignore: string[] }
  /** No session issued before the revoke is valid again: valid-from is not older than it. */
  | { check: 'sessionsRevoked'; subjectId: string; revokedAt: string }
  | { check: 'denyPolicyAttached'; roleName: string; policyName: string }
  | { check: 'accessKeyInactive'; userName: string; accessKeyId: string }
);
type ExpectationCheck = Expectation['check'];

/** What no longer holds, as read from the provider. */
export interface Drift {
  check: ExpectationCheck;
  /** What drifted: the account, the role assignment, the policy or key. */
  target: string;
  detail: string;
  action: ContainmentAction;
}

export interface RecheckResult {
  checkedAt: string;
  drift: Drift[];
  /** Expectations that could not be read this time (never counted as drift). */
  unchecked: Array<{ check: ExpectationCheck; detail: string }>;
}

/**
 * What containment established, from its succeeded outcomes. `sessionsRevoked` only where the
 * provider revokes sign-in sessions (Entra, Okta); AWS role sessions are the deny policy.
 */
export function expectationsOf(
  provider: 'entra' | 'okta' | 'aws',
  subjectId: string,
  outcomes: readonly ActionOutcome[],
): Expectation[] {
  const succeeded = outcomes.filter((o) => o.status === 'succeeded');
  const ignore = outcomes
    .filter((o) => o.action === 'isolatePrivilege' && o.status === 'skipped')
    .map((o) => o.target);
  const expectations: Expectation[] = [];
  const add = (e: Expectation) => {
    if (!expectations.some((x) => expectationKey(x) === expectationKey(e))) expectations.push(e);
  };
  for (const outcome of succeeded) {
    const { action } = outcome;
    const changes: readonly RestorableChange[] =
      outcome.status === 'succeeded' ? (outcome.restore ?? []) : [];
    for (const change of changes) {
      if (change.kind === 'awsDenyPolicy') {
        add({ check: 'denyPolicyAttached', action, ...pick(change, 'roleName', 'policyName') });
      } else if (change.kind === 'awsAccessKeyDeactivated') {
        add({ check: 'accessKeyInactive', action, ...pick(change, 'userName', 'accessKeyId') });
      }
    }
    if (provider === 'aws') continue;
    if (action === 'disableAccount') add({ check: 'accountDisabled', action, subjectId });
    if (action === 'isolatePrivilege') {
      add({ check: 'noPrivilegedRole', action, principalId: subjectId, ignore });
    }
    if (action === 'revokeSessions') {
      add({ check: 'sessionsRevoked', action, subjectId, revokedAt: outcome.startedAt });
    }
  }
  return expectations;
}

function pick<T, K extends keyof T>(value: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, value[k]])) as Pick<T, K>;
}

function expectationKey(e: Expectation): string {
  switch (e.check) {
    case 'accountDisabled':
    case 'sessionsRevoked':
      return `${e.check}:${e.subjectId}`;
    case 'noPrivilegedRole':
      return `${e.check}:${e.principalId}`;
    case 'denyPolicyAttached':
      return `${e.check}:${e.roleName}:${e.policyName}`;
    case 'accessKeyInactive':
      return `${e.check}:${e.accessKeyId}`;
  }
}

export type WatchState = 'watching' | 'periodOver' | 'released';

/** Whether an incident is still watched: contained less than the period ago and not released. */
export function watchStateOf(
  incident: { containedAt: string; released: boolean },
  now: Date,
  policy: WatchPolicy,
): WatchState {
  if (incident.released) return 'released';
  const ends = Date.parse(incident.containedAt) + policy.periodHours * 3_600_000;
  return now.getTime() < ends ? 'watching' : 'periodOver';
}

/** When the watch of an incident contained at `containedAt` ends. */
export function watchEndsAt(containedAt: string, policy: WatchPolicy): string {
  return new Date(Date.parse(containedAt) + policy.periodHours * 3_600_000).toISOString();
}

/**
 * The check window `now` falls in: the schedule's interval, aligned to the epoch. Drift is
 * recorded once per window, so two runs inside one interval record it once.
 */
export function checkWindowOf(now: Date, intervalMinutes: number): string {
  const size = intervalMinutes * 60_000;
  return new Date(Math.floor(now.getTime() / size) * size).toISOString();
}

export function driftStepKey(window: string, drift: Drift): string {
  return `drift:${window}:${drift.check}:${drift.target}`;
}

export type RecontainDecision =
  | { decision: 'recontain'; actions: ContainmentAction[]; why: string }
  | { decision: 'approvalRequired'; actions: ContainmentAction[]; why: string }
  | { decision: 'recordOnly'; actions: ContainmentAction[]; why: string };

/** What to do about drift, per the policy: the actions are those that re-establish what drifted. */
export function decideRecontainment(
  drift: readonly Drift[],
  policy: { watch: WatchPolicy; dryRun: boolean },
): RecontainDecision {
  const actions = CONTAINMENT_ACTIONS.filter((a) => drift.some((d) => d.action === a));
  if (policy.dryRun) {
    return { decision: 'recordOnly', actions, why: 'the policy is a dry run: nothing is called' };
  }
  switch (policy.watch.recontainOnDrift) {
    case 'auto':
      return { decision: 'recontain', actions, why: 'the policy re-contains drift automatically' };
    case 'approval':
      return {
        decision: 'approvalRequired',
        actions,
        why: 'the policy holds re-containment for an operator',
      };
    case 'never':
      return {
        decision: 'recordOnly',
        actions,
        why: 'the policy never re-contains: drift is recorded and announced only',
      };
  }
}
