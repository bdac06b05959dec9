import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OktaIdentityProvider } from '../../../shared/adapters/okta/provider.ts';
import type { ContainmentRequest, RestorableChange } from '../../../shared/domain/containment.ts';
import {
  createSimulatedOktaProvider,
  OKTA_DEMO_SEED_PATH,
  type SimulatedOkta,
  startSimulatedOkta,
} from '../../../shared/local/simulated-okta/okta.ts';
import { type OktaSeedInput, parseOktaSeed } from '../../../shared/local/simulated-okta/seed.ts';
import {
  OKTA_SEED_SCHEMA_PATH,
  oktaSeedJsonSchemaText,
} from '../../../shared/local/write-seed-schemas.ts';

const MARIA = '00unncgl0k9KaBdRpL3L';
const ORG = 'halvorsen-freight';

const seed = (): OktaSeedInput => ({
  org: { name: ORG },
  apps: [
    {
      clientId: '0oaTestApp',
      scopes: ['okta.users.read', 'okta.users.manage', 'okta.roles.manage'],
    },
  ],
  users: [
    {
      id: MARIA,
      login: 'maria.keller@halvorsenfreight.example',
      created: '2024-02-11T09:12:00.000Z',
      sessions: ['idxA', 'idxB'],
      oauthTokens: ['oar1'],
      roles: [
        { id: 'ra1AppAdmin', type: 'APP_ADMIN', created: '2025-06-02T08:00:00.000Z' },
        {
          id: 'irbCustom',
          type: 'CUSTOM',
          role: 'cr0Help',
          resourceSet: 'iam0Set',
          created: '2025-09-14T10:30:00.000Z',
        },
      ],
      groups: ['00gAdmins'],
    },
  ],
  groups: [
    {
      id: '00gAdmins',
      name: 'Admins',
      roles: [{ id: 'raGroup', type: 'ORG_ADMIN', created: '2025-01-01T00:00:00.000Z' }],
    },
  ],
});

function request(over: Partial<ContainmentRequest> = {}): ContainmentRequest {
  return {
    incidentId: 'inc-1',
    tenantId: ORG,
    subject: { type: 'user', id: MARIA },
    detectedAt: '2026-03-17T14:21:48.613Z',
    actions: ['revokeSessions'],
    ...over,
  };
}

describe('Okta identity provider against the simulated org (HTTPS)', () => {
  let okta: SimulatedOkta;
  let provider: OktaIdentityProvider;

  beforeAll(async () => {
    okta = await startSimulatedOkta({ seed: seed() });
    provider = createSimulatedOktaProvider(okta);
  });
  afterAll(async () => {
    provider.close();
    await okta.close();
  });
  afterEach(() => okta.faults.clear());

  it('revokes sessions and OAuth tokens with a service-app token, saying what it does not reach', async () => {
    const result = await provider.contain(request());
    const [outcome] = result.outcomes;
    expect(outcome?.status).toBe('succeeded');
    expect(outcome?.status === 'succeeded' && outcome.detail).toMatch(
      /not reached: sessions applications keep/,
    );
    expect(result.timeToContainMs).toBeGreaterThan(0);
    const user = okta.state.user(MARIA);
    expect(user?.sessions).toEqual([]);
    expect(user?.oauthTokens).toEqual([]);
    const ops = okta.requests().map((r) => `${r.operation} ${r.path}`);
    expect(ops).toContain('token /oauth2/v1/token');
    expect(ops).toContain(`revokeSessions /api/v1/users/${MARIA}/sessions?oauthTokens=true`);
  });

  it('isolates privilege: records intents first, removes direct roles, reports group-held ones', async () => {
    const intents: RestorableChange[][] = [];
    const result = await provider.contain(
      request({ actions: ['isolatePrivilege'], recordIntent: async (c) => void intents.push(c) }),
    );
    expect(intents.flat().map((c) => c.kind === 'oktaRoleAssignment' && c.assignmentId)).toEqual([
      'ra1AppAdmin',
      'irbCustom',
    ]);
    const removed = result.outcomes.filter((o) => o.status === 'succeeded');
    expect(removed).toHaveLength(2);
    const group = result.outcomes.find((o) => o.status === 'failed');
    expect(group?.status === 'failed' && group.remaining).toEqual([
      'ORG_ADMIN via group 00gAdmins',
    ]);
    expect(okta.state.user(MARIA)?.roles).toEqual([]);

    const verified = await provider.verify({
      tenantId: ORG,
      subject: { type: 'user', id: MARIA },
      detectedAt: '2026-03-17T14:21:48.613Z',
    });
    expect(verified.privilege?.isolated).toBe(false);
    expect(verified.privilege?.remaining).toEqual(['ORG_ADMIN via group 00gAdmins']);

    const changes = removed.flatMap((o) => (o.status === 'succeeded' ? (o.restore ?? []) : []));
    const restored = await provider.restore({
      incidentId: 'inc-1',
      tenantId: ORG,
      subject: { type: 'user', id: MARIA },
      changes,
      requestedBy: 'op',
      justification: 'false positive',
    });
    expect(restored.map((o) => o.status)).toEqual(['succeeded', 'succeeded']);
    expect(
      okta.state
        .user(MARIA)
        ?.roles.map((r) => r.type)
        .sort(),
    ).toEqual(['APP_ADMIN', 'CUSTOM']);
  });

  it('does not remove a role whose intent could not be recorded', async () => {
    const before = okta.state.user(MARIA)?.roles.length;
    const result = await provider.contain(
      request({
        actions: ['isolatePrivilege'],
        recordIntent: () => Promise.reject(new Error('ledger down')),
      }),
    );
    const failed = result.outcomes.filter(
      (o) => o.status === 'failed' && o.error.class === 'transient',
    );
    expect(failed).toHaveLength(2);
    expect(okta.state.user(MARIA)?.roles.length).toBe(before);
  });

  it('suspends an active user found by login (any case) and unsuspends only that on restore', async () => {
    const result = await provider.contain(
      request({
        subject: { type: 'user', id: 'Maria.Keller@HalvorsenFreight.example' },
        actions: ['disableAccount', 'markCompromised', 'removeCredentials'],
      }),
    );
    const [suspend, mark, creds] = result.outcomes;
    expect(suspend?.status).toBe('succeeded');
    expect(suspend?.target).toBe(MARIA);
    expect(mark?.status === 'skipped' && mark.reason).toBe('notApplicable');
    expect(creds?.status === 'skipped' && creds.reason).toBe('notApplicable');
    expect(okta.state.user(MARIA)?.status).toBe('SUSPENDED');

    const again = await provider.contain(request({ actions: ['disableAccount'] }));
    expect(again.outcomes[0]?.status === 'succeeded' && again.outcomes[0].restore).toBeUndefined();

    const changes = suspend?.status === 'succeeded' ? (suspend.restore ?? []) : [];
    expect(changes).toEqual([{ kind: 'oktaUserSuspended', userId: MARIA }]);
    const restored = await provider.restore({
      incidentId: 'inc-1',
      tenantId: ORG,
      subject: { type: 'user', id: MARIA },
      changes,
      requestedBy: 'op',
      justification: 'ok',
    });
    expect(restored[0]?.status).toBe('succeeded');
    expect(okta.state.user(MARIA)?.status).toBe('ACTIVE');
  });

  it('waits for X-Rate-Limit-Reset after a 429, then succeeds', async () => {
    okta.faults.inject({ operation: 'revokeSessions', status: 429, resetInSeconds: 1, times: 1 });
    const result = await provider.contain(request());
    expect(result.outcomes[0]?.status).toBe('succeeded');
    expect(
      okta
        .requests()
        .filter((r) => r.operation === 'revokeSessions')
        .at(-2)?.status,
    ).toBe(429);
  });

  it('fails with deadline when the 429 reset lies beyond the deadline', async () => {
    okta.faults.inject({ operation: 'revokeSessions', status: 429, resetInSeconds: 30, times: 1 });
    const result = await provider.contain(request({ deadline: Date.now() + 2_000 }));
    const [outcome] = result.outcomes;
    expect(outcome?.status === 'failed' && outcome.error.class).toBe('deadline');
    expect(outcome?.status === 'failed' && outcome.error.retryable).toBe(true);
  });

  it.each([
    ['403 names the missing scope and is not retried', 403, 'forbidden', 'okta.users.manage'],
    ['404 means the user is gone', 404, 'notFound', undefined],
  ])('%s', async (_name, status, errorClass, scope) => {
    // Fresh org: the previous case left a rate-limit window exhausted.
    const fresh = await startSimulatedOkta({ seed: seed() });
    const p = createSimulatedOktaProvider(fresh);
    try {
      fresh.faults.inject({
        operation: 'revokeSessions',
        status,
        scope: 'okta.users.manage',
        errorCode: status === 404 ? 'E0000007' : 'E0000006',
        times: 1,
      });
      const [outcome] = (await p.contain(request())).outcomes;
      expect(outcome?.status === 'failed' && outcome.error.class).toBe(errorClass);
      if (scope)
        expect(outcome?.status === 'failed' && outcome.error.missingPermission).toBe(scope);
      if (status === 404)
        expect(outcome?.status === 'failed' && outcome.error.message).toMatch(/gone/);
      expect(fresh.requests().filter((r) => r.operation === 'revokeSessions')).toHaveLength(1);
    } finally {
      p.close();
      await fresh.close();
    }
  });

  it('refuses a token when the service app lacks a requested scope', async () => {
    const fresh = await startSimulatedOkta({
      seed: { ...seed(), apps: [{ clientId: '0oaTestApp', scopes: ['okta.users.read'] }] },
    });
    const p = createSimulatedOktaProvider(fresh);
    try {
      const [outcome] = (await p.contain(request())).outcomes;
      expect(outcome?.status === 'failed' && outcome.error.class).toBe('forbidden');
      expect(outcome?.status === 'failed' && outcome.error.message).toMatch(/invalid_scope/);
      expect(fresh.state.user(MARIA)?.sessions).toHaveLength(2);
    } finally {
      p.close();
      await fresh.close();
    }
  });

  it('answers noCredentials for an org it holds no credentials for', async () => {
    const [outcome] = (await provider.contain(request({ tenantId: 'other-org' }))).outcomes;
    expect(outcome?.status === 'skipped' && outcome.reason).toBe('noCredentials');
  });
});

describe('simulated Okta org seed', () => {
  it('checked-in seed.schema.json is generated from the seed schema', () => {
    expect(readFileSync(OKTA_SEED_SCHEMA_PATH, 'utf8')).toBe(oktaSeedJsonSchemaText());
  });

  it('the demo seed parses and holds the user of the Okta fixtures', () => {
    const parsed = parseOktaSeed(JSON.parse(readFileSync(OKTA_DEMO_SEED_PATH, 'utf8')));
    expect(parsed.ok && parsed.value.users.map((u) => u.id)).toContain(MARIA);
    expect(parsed.ok && parsed.value.org.name).toBe(ORG);
  });

  it('a seed user with a malformed id is refused naming the field', () => {
    const bad = { ...seed(), users: [{ ...seed().users?.[0], id: 'maria' }] };
    const parsed = parseOktaSeed(bad);
    expect(!parsed.ok && parsed.error.message).toMatch(/users\[0\]\.id/);
  });
});
