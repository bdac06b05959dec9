import { afterEach, describe, expect, it } from 'vitest';
import type { RestorableChange } from '../../../shared/domain/containment.ts';
import {
  ERIK,
  graphRequests,
  type Harness,
  only,
  recordingSleep,
  secondsAgo,
  startHarness,
} from './harness.ts';

/**
 * Every wait is bounded by the invocation's deadline (a fixed clock: nothing here depends on
 * how fast the machine is), and nothing is removed before its restore data is recorded.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const NOW = new Date();

describe('containment with a deadline', () => {
  it.each([
    {
      name: 'a Retry-After beyond the deadline is not waited for: failed, deadline, retryable',
      deadlineInMs: 5_000,
      retryAfter: 10,
      expected: { status: 'failed', error: { class: 'deadline', retryable: true } },
      waits: [],
      sent: 1,
    },
    {
      name: 'a Retry-After within the deadline is waited for, then the revoke succeeds',
      deadlineInMs: 60_000,
      retryAfter: 1,
      expected: { status: 'succeeded' },
      waits: [1_000],
      sent: 2,
    },
    {
      name: 'a deadline already past sends nothing and says so',
      deadlineInMs: 100,
      retryAfter: 10,
      expected: { status: 'failed', error: { class: 'deadline', retryable: true } },
      waits: [],
      sent: 0,
    },
  ])('$name', async ({ deadlineInMs, retryAfter, expected, waits, sent }) => {
    const recorded = recordingSleep();
    harness = await startHarness({}, { clock: { now: () => NOW }, sleep: recorded.sleep });
    const { tenant, provider } = harness;
    tenant.faults.inject({
      method: 'POST',
      path: `/users/${ERIK}/revokeSignInSessions`,
      status: 429,
      retryAfter,
    });
    const result = await provider.contain({
      incidentId: 'inc-deadline',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: ['revokeSessions'],
      deadline: NOW.getTime() + deadlineInMs,
    });
    expect(only(result.outcomes, 'revokeSessions')).toMatchObject(expected);
    expect(recorded.waits).toEqual(waits);
    expect(graphRequests(tenant)).toHaveLength(sent);
  });
});

describe('write-ahead before each removal', () => {
  it('records the restore data of every role before the first removal leaves', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const seen: { changes: RestorableChange[]; removalsSent: number }[] = [];
    const result = await provider.contain({
      incidentId: 'inc-write-ahead',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: ['isolatePrivilege'],
      recordIntent: async (changes) => {
        const removalsSent = graphRequests(tenant).filter((r) => r.method !== 'GET').length;
        seen.push({ changes, removalsSent });
      },
    });
    const removed = result.outcomes.flatMap((o) =>
      o.status === 'succeeded' ? (o.restore ?? []) : [],
    );
    expect(removed.length).toBeGreaterThan(0);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.removalsSent).toBe(0);
    expect(seen[0]?.changes).toEqual(expect.arrayContaining(removed));
  });

  it('removes nothing when the intent cannot be recorded: failed, transient, retryable', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const before = tenant.directory.activeAssignmentsOf(ERIK).length;
    const result = await provider.contain({
      incidentId: 'inc-write-ahead-down',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: ['isolatePrivilege', 'disableAccount'],
      recordIntent: async () => {
        throw new Error('ledger unavailable');
      },
    });
    for (const action of ['isolatePrivilege', 'disableAccount'] as const) {
      const outcome = result.outcomes.find((o) => o.action === action);
      expect(outcome).toMatchObject({
        status: 'failed',
        error: {
          class: 'transient',
          retryable: true,
          message: expect.stringMatching(/intent could not be recorded/),
        },
      });
    }
    expect(graphRequests(tenant).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(tenant.directory.activeAssignmentsOf(ERIK)).toHaveLength(before);
    expect(tenant.directory.users.get(ERIK)?.accountEnabled).not.toBe(false);
  });
});
