import { describe, expect, it } from 'vitest';
import type { ActionOutcome } from '../../../shared/domain/containment.ts';
import { parseContainmentPolicy } from '../../../shared/domain/guardrails.ts';
import {
  checkWindowOf,
  DEFAULT_WATCH_POLICY,
  type Drift,
  decideRecontainment,
  expectationsOf,
  watchStateOf,
} from '../../../shared/domain/watch.ts';

const AT = '2026-03-17T10:00:00.000Z';
const outcome = (o: Partial<ActionOutcome> & Pick<ActionOutcome, 'action' | 'status'>) =>
  ({ target: 'u1', startedAt: AT, durationMs: 1, ...o }) as ActionOutcome;

describe('what containment established', () => {
  it('expects an Entra user to stay disabled, without roles and revoked', () => {
    const expectations = expectationsOf('entra', 'u1', [
      outcome({ action: 'revokeSessions', status: 'succeeded' }),
      outcome({ action: 'isolatePrivilege', status: 'succeeded', target: 'ra-1' }),
      outcome({ action: 'isolatePrivilege', status: 'skipped', target: 'group-ra' }),
      outcome({ action: 'disableAccount', status: 'succeeded' }),
      outcome({ action: 'markCompromised', status: 'succeeded' }),
    ]);
    expect(expectations).toEqual([
      { check: 'sessionsRevoked', action: 'revokeSessions', subjectId: 'u1', revokedAt: AT },
      {
        check: 'noPrivilegedRole',
        action: 'isolatePrivilege',
        principalId: 'u1',
        ignore: ['group-ra'],
      },
      { check: 'accountDisabled', action: 'disableAccount', subjectId: 'u1' },
    ]);
  });

  it('expects nothing of what failed or was held', () => {
    expect(
      expectationsOf('entra', 'u1', [
        outcome({ action: 'disableAccount', status: 'skipped' }),
        outcome({ action: 'isolatePrivilege', status: 'failed' }),
      ]),
    ).toEqual([]);
  });

  it('expects AWS deny policies and deactivated keys from the recorded changes', () => {
    const expectations = expectationsOf('aws', 'arn:aws:iam::1:role/r', [
      {
        ...outcome({ action: 'denyOlderSessions', status: 'succeeded' }),
        restore: [{ kind: 'awsDenyPolicy', roleName: 'r', policyName: 'RevokeOlderSessions-x' }],
      } as ActionOutcome,
      {
        ...outcome({ action: 'removeCredentials', status: 'succeeded' }),
        restore: [
          { kind: 'awsAccessKeyDeactivated', userName: 'u', accessKeyId: 'AKIAEXAMPLE0000000' },
        ],
      } as ActionOutcome,
      outcome({ action: 'revokeSessions', status: 'succeeded' }),
    ]);
    expect(expectations.map((e) => e.check)).toEqual(['denyPolicyAttached', 'accessKeyInactive']);
  });
});

describe('which incidents are watched', () => {
  const policy = DEFAULT_WATCH_POLICY;
  it.each([
    ['within the period', '2026-03-18T09:59:59Z', false, 'watching'],
    ['at the end of the period', '2026-03-18T10:00:00Z', false, 'periodOver'],
    ['released within the period', '2026-03-17T11:00:00Z', true, 'released'],
  ] as const)('%s', (_, now, released, state) => {
    expect(watchStateOf({ containedAt: AT, released }, new Date(now), policy)).toBe(state);
  });
});

describe('check windows', () => {
  it('puts two runs inside one interval in one window, and the next interval in another', () => {
    const w = (t: string) => checkWindowOf(new Date(t), 15);
    expect(w('2026-03-17T10:01:00Z')).toBe(w('2026-03-17T10:14:59Z'));
    expect(w('2026-03-17T10:15:00Z')).not.toBe(w('2026-03-17T10:14:59Z'));
  });
});

describe('the re-containment decision', () => {
  const drift: Drift[] = [
    { check: 'accountDisabled', target: 'u1', detail: 'on', action: 'disableAccount' },
    { check: 'noPrivilegedRole', target: 'ra', detail: 'back', action: 'isolatePrivilege' },
  ];
  it.each([
    ['auto', false, 'recontain'],
    ['approval', false, 'approvalRequired'],
    ['never', false, 'recordOnly'],
    ['auto', true, 'recordOnly'],
  ] as const)('recontainOnDrift %s (dry run %s): %s', (mode, dryRun, decision) => {
    const decided = decideRecontainment(drift, {
      dryRun,
      watch: { ...DEFAULT_WATCH_POLICY, recontainOnDrift: mode },
    });
    expect(decided.decision).toBe(decision);
    // In containment order: roles go before the account is disabled.
    expect(decided.actions).toEqual(['isolatePrivilege', 'disableAccount']);
  });
});

describe('the watch policy', () => {
  const base = {
    version: 1,
    protectedIdentities: [],
    blastRadius: { maxContainments: 10, windowSeconds: 900 },
    severities: { low: {}, medium: {}, high: {}, critical: {} },
  };
  it('defaults to 24 hours and re-containment on approval', () => {
    const parsed = parseContainmentPolicy(base);
    expect(parsed.ok && parsed.value.watch).toEqual({
      periodHours: 24,
      recontainOnDrift: 'approval',
    });
  });

  it.each([
    [{ periodHours: 0 }, 'watch.periodHours'],
    [{ periodHours: 1.5 }, 'watch.periodHours'],
    [{ recontainOnDrift: 'sometimes' }, 'watch.recontainOnDrift'],
  ])('refuses %j, naming the field', (watch, path) => {
    const parsed = parseContainmentPolicy({ ...base, watch });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.issues.map((i) => i.path)).toContain(path);
  });
});
