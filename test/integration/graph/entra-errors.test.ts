import { afterEach, describe, expect, it } from 'vitest';
import type { EntraIdentityProvider } from '../../../shared/adapters/graph/entra-identity-provider.ts';
import {
  ERIK,
  graphRequests,
  type Harness,
  LIMITED_APP,
  NORA,
  only,
  providerAs,
  recordingSleep,
  secondsAgo,
  startHarness,
} from './harness.ts';

let harness: Harness | undefined;
let extra: EntraIdentityProvider | undefined;
afterEach(async () => {
  extra?.close();
  extra = undefined;
  await harness?.close();
  harness = undefined;
});

const revokePath = (id: string) => `/users/${id}/revokeSignInSessions`;

async function revoke(h: Harness, id = NORA) {
  return h.provider.contain({
    incidentId: 'inc-errors',
    tenantId: h.tenant.tenantId,
    subject: { type: 'user', id },
    detectedAt: secondsAgo(1),
    actions: ['revokeSessions'],
  });
}

describe('throttling and transient failures', () => {
  it('honours Retry-After in seconds on a 429 and then succeeds', async () => {
    const { sleep, waits } = recordingSleep();
    harness = await startHarness({}, { sleep });
    harness.tenant.faults.inject({ path: revokePath(NORA), status: 429, retryAfter: 1 });
    const result = await revoke(harness);
    expect(only(result.outcomes, 'revokeSessions').status).toBe('succeeded');
    expect(waits).toEqual([1_000]);
    expect(graphRequests(harness.tenant).map((r) => r.status)).toEqual([429, 200]);
  });

  it('honours Retry-After given as an HTTP date', async () => {
    const { sleep, waits } = recordingSleep();
    harness = await startHarness({}, { sleep });
    const inTwoSeconds = new Date(Date.now() + 2_000);
    harness.tenant.faults.inject({ path: revokePath(NORA), status: 429, retryAfter: inTwoSeconds });
    const result = await revoke(harness);
    expect(only(result.outcomes, 'revokeSessions').status).toBe('succeeded');
    expect(waits).toHaveLength(1);
    // an HTTP date has whole seconds: the wait is what is left of those two seconds
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(2_000);
  });

  it('does not wait for a Retry-After beyond its limit: throttled, left for a later retry', async () => {
    const { sleep, waits } = recordingSleep();
    harness = await startHarness({}, { sleep, retry: { maxDelayMs: 10_000 } });
    harness.tenant.faults.inject({ path: revokePath(NORA), status: 429, retryAfter: 120 });
    const result = await revoke(harness);
    const outcome = only(result.outcomes, 'revokeSessions');
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { class: 'throttled', retryable: true, httpStatus: 429 },
    });
    expect(waits).toEqual([]);
    expect(result.timeToContainMs).toBeUndefined();
  });

  it('retries a 503 and succeeds', async () => {
    const { sleep, waits } = recordingSleep();
    harness = await startHarness({}, { sleep });
    harness.tenant.faults.inject({ path: revokePath(NORA), status: 503 });
    const result = await revoke(harness);
    expect(only(result.outcomes, 'revokeSessions').status).toBe('succeeded');
    expect(waits).toHaveLength(1);
    expect(graphRequests(harness.tenant).map((r) => r.status)).toEqual([503, 200]);
  });

  it('gives up after the bounded number of attempts on repeated 504s', async () => {
    const { sleep, waits } = recordingSleep();
    harness = await startHarness({}, { sleep, retry: { maxAttempts: 3 } });
    harness.tenant.faults.inject({ path: revokePath(NORA), status: 504, times: 10 });
    const result = await revoke(harness);
    expect(only(result.outcomes, 'revokeSessions')).toMatchObject({
      status: 'failed',
      error: { class: 'transient', retryable: true, httpStatus: 504 },
    });
    expect(graphRequests(harness.tenant)).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it('times out a request that gets no answer and retries it', async () => {
    harness = await startHarness({}, { requestTimeoutMs: 600, sleep: recordingSleep().sleep });
    harness.tenant.faults.inject({ path: revokePath(NORA), delayMs: 2_500 });
    const result = await revoke(harness);
    expect(only(result.outcomes, 'revokeSessions').status).toBe('succeeded');
    expect(graphRequests(harness.tenant).filter((r) => r.path === revokePath(NORA))).toHaveLength(
      2,
    );
  });

  it('reports a timeout as a transient failure when no attempt is answered', async () => {
    harness = await startHarness(
      {},
      { requestTimeoutMs: 400, retry: { maxAttempts: 2 }, sleep: recordingSleep().sleep },
    );
    harness.tenant.faults.inject({ path: revokePath(NORA), delayMs: 2_000, times: 2 });
    const result = await revoke(harness);
    const outcome = only(result.outcomes, 'revokeSessions');
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { class: 'transient', retryable: true },
    });
    if (outcome.status === 'failed') expect(outcome.error.message).toMatch(/timeout/);
  });

  it('records a role removal whose first answer was lost and whose retry finds it gone', async () => {
    harness = await startHarness({}, { requestTimeoutMs: 600, sleep: recordingSleep().sleep });
    const { tenant, provider } = harness;
    tenant.faults.inject({
      method: 'DELETE',
      path: '/roleManagement/directory/roleAssignments/ra-erik-global-admin',
      delayMs: 2_000,
    });
    const result = await provider.contain({
      incidentId: 'inc-lost-answer',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: ['isolatePrivilege'],
    });
    const removal = result.outcomes.find((o) => o.target === 'ra-erik-global-admin');
    expect(removal).toMatchObject({
      status: 'succeeded',
      restore: [{ assignmentId: 'ra-erik-global-admin', assignmentType: 'permanent' }],
    });
    const deletes = graphRequests(tenant).filter((r) => r.method === 'DELETE');
    expect(deletes.map((r) => r.status)).toEqual([204, 404]);
  });

  it('signs in again once when Graph rejects the cached token', async () => {
    harness = await startHarness();
    harness.tenant.revokeIssuedTokens();
    const result = await revoke(harness);
    expect(only(result.outcomes, 'revokeSessions').status).toBe('succeeded');
    const calls = harness.tenant.requests().map((r) => `${r.listener} ${r.method} ${r.status}`);
    expect(calls[0]).toBe('graph POST 401');
    expect(calls.at(-1)).toBe('graph POST 200');
    expect(calls.slice(1, -1)).toContain('authority POST 200');
  });
});

describe('refusals', () => {
  it('fails forbidden without retrying when disabling an administrator needs a privileged role', async () => {
    harness = await startHarness();
    extra = providerAs(harness.tenant, LIMITED_APP);
    const result = await extra.contain({
      incidentId: 'inc-403',
      tenantId: harness.tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: ['disableAccount'],
    });
    const outcome = only(result.outcomes, 'disableAccount');
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { class: 'forbidden', retryable: false, httpStatus: 403 },
    });
    if (outcome.status !== 'failed') return;
    expect(outcome.error.missingPermission).toMatch(/User\.EnableDisableAccount\.All/);
    expect(outcome.error.missingPermission).toMatch(/Privileged Authentication Administrator/);
    expect(outcome.error.message).toMatch(/Authorization_RequestDenied/);
    const patches = harness.tenant.requests().filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.status)).toEqual([403]);
    expect(harness.tenant.directory.findUser(ERIK)?.accountEnabled).toBe(true);
  });

  it('names the missing permission for each refused action', async () => {
    harness = await startHarness();
    extra = providerAs(harness.tenant, LIMITED_APP);
    const result = await extra.contain({
      incidentId: 'inc-403-revoke',
      tenantId: harness.tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: ['revokeSessions', 'isolatePrivilege', 'markCompromised'],
    });
    const permissions = result.outcomes.map((o) =>
      o.status === 'failed'
        ? [o.action, o.error.class, o.error.missingPermission]
        : [o.action, o.status],
    );
    expect(permissions.map((p) => p.join(' ')).sort()).toEqual(
      [
        ['revokeSessions', 'forbidden', 'User.RevokeSessions.All'],
        ['isolatePrivilege', 'forbidden', 'RoleManagement.ReadWrite.Directory'],
        ['isolatePrivilege', 'forbidden', 'RoleAssignmentSchedule.ReadWrite.Directory'],
        // the listings it may not read (RoleManagement.Read.Directory covers eligible roles)
        ['isolatePrivilege', 'forbidden', 'GroupMember.Read.All'],
        ['isolatePrivilege', 'forbidden', 'PrivilegedEligibilitySchedule.Read.AzureADGroup'],
        ['isolatePrivilege', 'forbidden', 'PrivilegedAssignmentSchedule.Read.AzureADGroup'],
        ['markCompromised', 'forbidden', 'IdentityRiskyUser.ReadWrite.All (Entra ID P2)'],
      ]
        .map((p) => p.join(' '))
        .sort(),
    );
    expect(
      result.outcomes.some((o) => o.action === 'isolatePrivilege' && o.status === 'succeeded'),
    ).toBe(false);
    // none retried: one 403 per call
    const refused = harness.tenant.requests().filter((r) => r.status === 403);
    expect(refused).toHaveLength(7);
  });

  it('fails notFound without retrying when the subject no longer exists', async () => {
    harness = await startHarness();
    const gone = '99999999-9999-4999-8999-999999999999';
    const result = await revoke(harness, gone);
    expect(only(result.outcomes, 'revokeSessions')).toMatchObject({
      status: 'failed',
      error: { class: 'notFound', retryable: false, httpStatus: 404 },
    });
    expect(graphRequests(harness.tenant)).toHaveLength(1);
  });

  it('keeps the secret out of the outcome when sign-in is refused', async () => {
    harness = await startHarness();
    const wrongSecret = 'wrong-secret-7f3a9c1e-should-never-be-printed';
    extra = providerAs(harness.tenant, {
      clientId: LIMITED_APP.clientId,
      clientSecret: wrongSecret,
    });
    const result = await extra.contain({
      incidentId: 'inc-bad-secret',
      tenantId: harness.tenant.tenantId,
      subject: { type: 'user', id: NORA },
      detectedAt: secondsAgo(1),
      actions: ['revokeSessions'],
    });
    const outcome = only(result.outcomes, 'revokeSessions');
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { class: 'forbidden', retryable: false },
    });
    if (outcome.status === 'failed')
      expect(outcome.error.message).toMatch(/sign-in refused.*AADSTS7000215/);
    expect(JSON.stringify(result)).not.toContain(wrongSecret);
    expect(graphRequests(harness.tenant)).toEqual([]);
  });
});

describe('Identity Protection batching', () => {
  it('marks users compromised in one call per free slot, splitting a batch an unknown id would sink', async () => {
    harness = await startHarness({ throttling: { identityProtectionPerSecond: 1 } });
    const { tenant, provider } = harness;
    // the first report takes the free slot alone; the rest queue and go together
    const ids = [
      NORA,
      ERIK,
      '99999999-9999-4999-8999-999999999999',
      'a3c4d5e6-f7a8-4b92-8c13-d4e5f6071829',
    ];
    const results = await Promise.all(
      ids.map((id, i) =>
        provider.contain({
          incidentId: `inc-mark-${i}`,
          tenantId: tenant.tenantId,
          subject: { type: 'user', id },
          detectedAt: secondsAgo(1),
          actions: ['markCompromised'],
        }),
      ),
    );
    expect(results.map((r) => r.outcomes[0]?.status)).toEqual([
      'succeeded',
      'succeeded',
      'failed',
      'succeeded',
    ]);
    const failed = results[2]?.outcomes[0];
    if (failed?.status === 'failed') expect(failed.error.class).toBe('notFound');
    const calls = graphRequests(tenant).filter((r) => r.path.endsWith('/confirmCompromised'));
    // [NORA] alone, then the batch of three (404), then those three one by one; never a 429
    expect(calls.map((r) => r.status)).toEqual([204, 404, 204, 404, 204]);
    expect(tenant.directory.findUser(ERIK)?.riskState).toBe('confirmedCompromised');
  });
});
