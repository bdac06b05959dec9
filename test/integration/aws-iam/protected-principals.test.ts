import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AwsIamIdentityProvider } from '../../../shared/adapters/aws-iam/provider.ts';
import type { ContainmentAction, ContainmentRequest } from '../../../shared/domain/containment.ts';
import {
  awsProtectedPrincipals,
  parseContainmentPolicy,
} from '../../../shared/domain/guardrails.ts';
import {
  type SimulatedAwsIam,
  startSimulatedAwsIam,
} from '../../../shared/local/simulated-aws-iam/iam.ts';
import type { AwsIamSeedInput } from '../../../shared/local/simulated-aws-iam/seed.ts';

/**
 * The AWS IAM adapter's own protected-principal check, fed by `awsProtectedPrincipals` exactly as
 * the runtimes feed it, against the simulated IAM over HTTP: a protected principal gets no IAM
 * request at all, named however; its neighbours are contained.
 */

const A = '418295730164';
const B = '111122223333';
const CREATED = '2025-09-02T08:14:51Z';
const WRITES = new Set(['PutRolePolicy', 'DeleteRolePolicy', 'UpdateAccessKey']);

function seed(accountId: string): AwsIamSeedInput {
  const role = (roleName: string, path = '/') => ({ roleName, path, createDate: CREATED });
  const user = (userName: string, keys: string[]) => ({
    userName,
    path: '/',
    createDate: CREATED,
    accessKeys: keys.map((accessKeyId) => ({
      accessKeyId,
      status: 'Active' as const,
      createDate: CREATED,
    })),
  });
  return {
    account: { id: accountId, partition: 'aws' },
    roles: [
      role('break-glass'),
      role('platform-admin', '/ops/admins/'),
      role('responder-role'),
      role('role-other'),
      role('break-glass-ops'),
      role('legacy-admin'),
    ],
    users: [
      user('break-glass-user', ['AKIAPROTECTEDKEY0001', 'AKIAPROTECTEDKEY0002']),
      user('alice', ['AKIANEIGHBOURKEY0001']),
      user('responder-role', ['AKIANAMESAKEUSER0001']),
    ],
  };
}

const policy = parseContainmentPolicy({
  version: 1,
  protectedIdentities: [
    { id: `arn:aws:iam::${A}:role/break-glass`, reason: 'break-glass role' },
    // Whitespace around a configured ARN is a spelling, not another principal.
    { id: ` arn:aws:iam::${A}:role/ops/admins/platform-admin `, reason: 'platform admins' },
    { id: `arn:aws:iam::${A}:user/break-glass-user`, reason: 'break-glass user' },
    // A bare name scoped to account A: protects role or user so named there, not elsewhere.
    { id: 'responder-role', tenantId: A, reason: "the responder's own role" },
    // An unscoped bare name protects in every account.
    { id: 'legacy-admin', reason: 'legacy admin role, every account' },
  ],
  blastRadius: { maxContainments: 10, windowSeconds: 900 },
  severities: { low: {}, medium: {}, high: {}, critical: {} },
});
if (!policy.ok) throw policy.error;
const protectedPrincipals = awsProtectedPrincipals(policy.value);

const sims: Record<string, SimulatedAwsIam> = {};
const providers: Record<string, AwsIamIdentityProvider> = {};

beforeAll(async () => {
  for (const account of [A, B]) {
    const sim = await startSimulatedAwsIam({ seed: seed(account) });
    sims[account] = sim;
    providers[account] = new AwsIamIdentityProvider({
      client: sim.client(),
      accountIds: [account],
      protectedPrincipals,
      mode: 'simulated',
    });
  }
});

afterAll(async () => {
  await Promise.all(Object.values(sims).map((sim) => sim.close()));
});

beforeEach(() => {
  for (const sim of Object.values(sims)) sim.clearRequests();
});

const ROLE_ACTIONS: ContainmentAction[] = ['denyOlderSessions', 'revokeSessions'];
const USER_ACTIONS: ContainmentAction[] = ['removeCredentials', 'revokeSessions'];

function request(
  account: string,
  subjectId: string,
  actions: ContainmentAction[],
  accessKeyId?: string,
): ContainmentRequest {
  return {
    incidentId: 'inc-protected-principals',
    tenantId: account,
    subject: { type: 'awsPrincipal', id: subjectId },
    detectedAt: '2026-03-17T15:11:42.518Z',
    actions,
    ...(accessKeyId ? { session: { accessKeyId } } : {}),
  };
}

function sim(account: string): SimulatedAwsIam {
  const found = sims[account];
  if (!found) throw new Error(`no simulated IAM for ${account}`);
  return found;
}

async function contain(account: string, req: ContainmentRequest) {
  const provider = providers[account];
  if (!provider) throw new Error(`no provider for ${account}`);
  return provider.contain(req);
}

describe('AWS IAM adapter: a protected principal is never touched, named however', () => {
  const role = (name: string, session: string) =>
    `arn:aws:sts::${A}:assumed-role/${name}/${session}`;
  it.each([
    ['a session of the protected role', role('break-glass', 'alice'), ROLE_ACTIONS],
    ['an EC2 instance session of it', role('break-glass', 'i-0f42efb95a7c9b7f6'), ROLE_ACTIONS],
    ['a session named like an email', role('break-glass', 'ops@example.com'), ROLE_ACTIONS],
    ['the role name in other letter cases', role('Break-Glass', 'x'), ROLE_ACTIONS],
    ['the role ARN itself', `arn:aws:iam::${A}:role/break-glass`, ROLE_ACTIONS],
    ['the role ARN with a path', `arn:aws:iam::${A}:role/some/path/break-glass`, ROLE_ACTIONS],
    [
      'partition and service upper-case',
      `ARN:AWS:STS::${A}:assumed-role/break-glass/s`,
      ROLE_ACTIONS,
    ],
    ['a session of a role configured with a path', role('platform-admin', 's1'), ROLE_ACTIONS],
    ['a session of a bare-named role in its account', role('responder-role', 's1'), ROLE_ACTIONS],
    ['the bare-named user of its account', `arn:aws:iam::${A}:user/responder-role`, USER_ACTIONS],
    ['an unscoped name, account A', role('legacy-admin', 's1'), ROLE_ACTIONS],
    ['an unscoped name, account B', `arn:aws:sts::${B}:assumed-role/legacy-admin/s`, ROLE_ACTIONS],
  ])('%s (%s): skipped, no IAM request', async (_, subjectId, actions) => {
    const account = subjectId.split(':')[4] ?? '';
    const result = await contain(account, request(account, subjectId, actions));
    expect(result.outcomes.map((o) => [o.status, o.status === 'skipped' && o.reason])).toEqual(
      actions.map(() => ['skipped', 'protectedIdentity']),
    );
    expect(sim(account).requests()).toEqual([]);
  });

  it.each([
    ['its first key', `arn:aws:iam::${A}:user/break-glass-user`, 'AKIAPROTECTEDKEY0001'],
    ['its second key', `arn:aws:iam::${A}:user/break-glass-user`, 'AKIAPROTECTEDKEY0002'],
    [
      'a key, the user named with a path',
      `arn:aws:iam::${A}:user/people/break-glass-user`,
      'AKIAPROTECTEDKEY0002',
    ],
    [
      'a key, the user name upper-case',
      `arn:aws:iam::${A}:user/BREAK-GLASS-USER`,
      'AKIAPROTECTEDKEY0001',
    ],
    ['no key named', `arn:aws:iam::${A}:user/break-glass-user`, undefined],
  ])('the protected user, %s: skipped, its keys stay active', async (_, subjectId, key) => {
    const result = await contain(A, request(A, subjectId, USER_ACTIONS, key));
    expect(
      result.outcomes.every((o) => o.status === 'skipped' && o.reason === 'protectedIdentity'),
    ).toBe(true);
    expect(sim(A).requests()).toEqual([]);
    const keys = sim(A)
      .state.toSeed()
      .users?.find((u) => u.userName === 'break-glass-user')?.accessKeys;
    expect(keys?.map((k) => k.status)).toEqual(['Active', 'Active']);
  });
});

describe('AWS IAM adapter: an unprotected neighbour is contained', () => {
  it.each([
    [
      'role-other in the same account',
      A,
      `arn:aws:sts::${A}:assumed-role/role-other/s1`,
      'PutRolePolicy',
    ],
    [
      'a role whose name starts with the protected one',
      A,
      `arn:aws:sts::${A}:assumed-role/break-glass-ops/s1`,
      'PutRolePolicy',
    ],
    [
      'the protected role name in another account',
      B,
      `arn:aws:sts::${B}:assumed-role/break-glass/s1`,
      'PutRolePolicy',
    ],
    [
      'a role with the bare-protected name in another account',
      B,
      `arn:aws:sts::${B}:assumed-role/responder-role/s1`,
      'PutRolePolicy',
    ],
  ])('%s: the deny policy reaches IAM', async (_, account, subjectId, write) => {
    const result = await contain(account, request(account, subjectId, ['denyOlderSessions']));
    expect(result.outcomes.map((o) => o.status)).toEqual(['succeeded']);
    expect(
      sim(account)
        .requests()
        .filter((r) => WRITES.has(r.action))
        .map((r) => r.action),
    ).toEqual([write]);
  });

  it.each([
    [
      'alice, another user of the account',
      A,
      `arn:aws:iam::${A}:user/alice`,
      'AKIANEIGHBOURKEY0001',
    ],
    [
      'the protected user name in another account',
      B,
      `arn:aws:iam::${B}:user/break-glass-user`,
      'AKIAPROTECTEDKEY0001',
    ],
  ])('%s: the key is deactivated in IAM', async (_, account, subjectId, key) => {
    const result = await contain(account, request(account, subjectId, ['removeCredentials'], key));
    expect(result.outcomes.map((o) => o.status)).toEqual(['succeeded']);
    const writes = sim(account)
      .requests()
      .filter((r) => WRITES.has(r.action));
    expect(writes.map((r) => [r.action, r.params.AccessKeyId, r.params.Status])).toEqual([
      ['UpdateAccessKey', key, 'Inactive'],
    ]);
  });
});
