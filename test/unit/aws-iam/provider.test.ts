import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  IAMServiceException,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AwsIamIdentityProvider } from '../../../shared/adapters/aws-iam/provider.ts';
import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  RestorableChange,
} from '../../../shared/domain/containment.ts';

const ACCOUNT = '418295730164';
const ROLE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/halvorsen-api-ec2-role/i-0f42efb95a7c9b7f6`;
const USER = `arn:aws:iam::${ACCOUNT}:user/svc-shipment-export`;
const INCIDENT = 'inc-3f9a1c0e5b7d4e2a8c6f0b1d';
const POLICY = 'RevokeOlderSessions-responder';
const LEGACY_POLICY = `RevokeOlderSessions-${INCIDENT}`;
const NOW = new Date('2026-03-17T15:12:07.250Z');

const iam = mockClient(IAMClient);
let provider: AwsIamIdentityProvider;

beforeEach(() => {
  iam.reset();
  provider = new AwsIamIdentityProvider({
    client: new IAMClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    }),
    accountIds: [ACCOUNT],
    protectedPrincipals: ['break-glass-admin', `arn:aws:iam::${ACCOUNT}:role/revocation-responder`],
    clock: { now: () => NOW },
  });
});

afterEach(() => iam.reset());

function request(
  subjectId: string,
  actions: ContainmentAction[],
  session?: ContainmentRequest['session'],
): ContainmentRequest {
  return {
    incidentId: INCIDENT,
    tenantId: ACCOUNT,
    subject: { type: 'awsPrincipal', id: subjectId },
    detectedAt: '2026-03-17T15:11:42.518Z',
    actions,
    ...(session ? { session } : {}),
  };
}

const iamError = (name: string, httpStatusCode: number) =>
  new IAMServiceException({
    name,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode },
    message: `${name} from IAM`,
  });

function byAction(outcomes: ActionOutcome[], action: ContainmentAction): ActionOutcome {
  const outcome = outcomes.find((o) => o.action === action);
  if (!outcome) throw new Error(`no outcome for ${action}`);
  return outcome;
}

describe('AWS IAM containment of a role session', () => {
  it('attaches the deny-older-sessions inline policy with the containment time as cut-off', async () => {
    iam.on(PutRolePolicyCommand).resolves({});
    const result = await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']));

    const calls = iam.commandCalls(PutRolePolicyCommand);
    expect(calls).toHaveLength(1);
    const input = calls[0]?.args[0].input;
    expect(input?.RoleName).toBe('halvorsen-api-ec2-role');
    expect(input?.PolicyName).toBe(POLICY);
    expect(JSON.parse(input?.PolicyDocument ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          // 15:12:07.250 rounded up: tokens issued within the last second are denied too.
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-03-17T15:12:08Z' } },
        },
      ],
    });
    expect(result.outcomes).toEqual([
      expect.objectContaining({
        action: 'denyOlderSessions',
        target: ROLE_SESSION,
        status: 'succeeded',
        startedAt: NOW.toISOString(),
        restore: [
          { kind: 'awsDenyPolicy', roleName: 'halvorsen-api-ec2-role', policyName: POLICY },
        ],
      }),
    ]);
    expect(result.timeToContainMs).toBeGreaterThanOrEqual(0);
  });

  it('treats revokeSessions as the same policy, attached once', async () => {
    iam.on(PutRolePolicyCommand).resolves({});
    const { outcomes } = await provider.contain(
      request(ROLE_SESSION, ['revokeSessions', 'denyOlderSessions']),
    );
    expect(iam.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
    expect(byAction(outcomes, 'revokeSessions')).toMatchObject({ status: 'succeeded' });
    expect(byAction(outcomes, 'denyOlderSessions')).toMatchObject({
      status: 'skipped',
      reason: 'notApplicable',
      why: expect.stringMatching(/same deny policy as revokeSessions/),
    });
  });

  it('answers notApplicable, with the reason, for what IAM cannot do to a role', async () => {
    const { outcomes } = await provider.contain(
      request(ROLE_SESSION, [
        'removeCredentials',
        'isolatePrivilege',
        'markCompromised',
        'disableAccount',
      ]),
    );
    expect(iam.calls()).toHaveLength(0);
    for (const outcome of outcomes)
      expect(outcome).toMatchObject({ status: 'skipped', reason: 'notApplicable' });
    expect(byAction(outcomes, 'removeCredentials')).toMatchObject({
      why: expect.stringMatching(/temporary credentials/),
    });
  });

  it('does not touch IAM Identity Center roles, which IAM cannot edit', async () => {
    const sso = `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_PowerUserAccess_7c1d2e9f0a3b4c5d/maria.keller@halvorsenfreight.example`;
    const { outcomes } = await provider.contain(request(sso, ['denyOlderSessions']));
    expect(iam.calls()).toHaveLength(0);
    expect(outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: 'notApplicable',
      why: expect.stringMatching(/IAM Identity Center/),
    });
  });

  it('classifies IAM failures, naming the missing permission', async () => {
    iam.on(PutRolePolicyCommand).rejects(iamError('AccessDenied', 403));
    const denied = await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']));
    expect(denied.outcomes[0]).toMatchObject({
      status: 'failed',
      error: {
        class: 'forbidden',
        retryable: false,
        missingPermission: 'iam:PutRolePolicy',
        httpStatus: 403,
      },
    });
    expect(denied.timeToContainMs).toBeUndefined();

    iam
      .on(PutRolePolicyCommand)
      .rejects(
        new NoSuchEntityException({ message: 'role gone', $metadata: { httpStatusCode: 404 } }),
      );
    expect(
      (await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']))).outcomes[0],
    ).toMatchObject({
      error: { class: 'notFound', retryable: false },
    });

    iam.on(PutRolePolicyCommand).rejects(iamError('Throttling', 400));
    expect(
      (await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']))).outcomes[0],
    ).toMatchObject({
      error: { class: 'throttled', retryable: true },
    });

    iam.on(PutRolePolicyCommand).rejects(iamError('ServiceFailure', 500));
    expect(
      (await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']))).outcomes[0],
    ).toMatchObject({
      error: { class: 'transient', retryable: true },
    });
  });
});

describe("AWS IAM containment of an IAM user's access key", () => {
  it('deactivates exactly the key the detection names', async () => {
    iam.on(UpdateAccessKeyCommand).resolves({});
    const { outcomes } = await provider.contain(
      request(USER, ['removeCredentials', 'revokeSessions'], { sessionId: 'AKIAWJ6KQ3XRB7NDL2FE' }),
    );
    expect(iam.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input)).toEqual([
      { UserName: 'svc-shipment-export', AccessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE', Status: 'Inactive' },
    ]);
    expect(byAction(outcomes, 'removeCredentials')).toMatchObject({
      status: 'succeeded',
      restore: [
        {
          kind: 'awsAccessKeyDeactivated',
          userName: 'svc-shipment-export',
          accessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE',
        },
      ],
    });
    expect(byAction(outcomes, 'revokeSessions')).toMatchObject({
      status: 'skipped',
      reason: 'notApplicable',
    });
  });

  it('does nothing without a key id, or for a temporary key that cannot be deactivated', async () => {
    const none = await provider.contain(request(USER, ['removeCredentials']));
    const temporary = await provider.contain(
      request(USER, ['removeCredentials'], { accessKeyId: 'ASIATDHBDZHX1E8H7KAP' }),
    );
    expect(iam.calls()).toHaveLength(0);
    expect(none.outcomes[0]).toMatchObject({
      status: 'skipped',
      why: expect.stringMatching(/names no access key/),
    });
    expect(temporary.outcomes[0]).toMatchObject({
      status: 'skipped',
      why: expect.stringMatching(/temporary \(ASIA\)/),
    });
  });

  it("reports a key that is not the user's as notFound", async () => {
    iam.on(UpdateAccessKeyCommand).rejects(
      new NoSuchEntityException({
        message: 'The Access Key with id AKIA... cannot be found.',
        $metadata: {},
      }),
    );
    const { outcomes } = await provider.contain(
      request(USER, ['removeCredentials'], { accessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE' }),
    );
    expect(outcomes[0]).toMatchObject({ status: 'failed', error: { class: 'notFound' } });
  });
});

describe('AWS IAM containment guards', () => {
  it('never touches protected principals, by name or ARN', async () => {
    const byName = await provider.contain(
      request(`arn:aws:iam::${ACCOUNT}:user/break-glass-admin`, ['removeCredentials'], {
        accessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE',
      }),
    );
    const byArn = await provider.contain(
      request(`arn:aws:iam::${ACCOUNT}:role/revocation-responder`, ['denyOlderSessions']),
    );
    expect(iam.calls()).toHaveLength(0);
    expect(byName.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'protectedIdentity' });
    expect(byArn.outcomes[0]).toMatchObject({ status: 'skipped', reason: 'protectedIdentity' });
  });

  it('refuses a subject in another account than the detection, or not an IAM principal', async () => {
    const foreign = await provider.contain(
      request('arn:aws:iam::111122223333:user/someone', ['removeCredentials']),
    );
    const bogus = await provider.contain(
      request('1b688927-349c-4622-845d-03aefbc01f62', ['denyOlderSessions']),
    );
    expect(iam.calls()).toHaveLength(0);
    expect(foreign.outcomes[0]).toMatchObject({
      status: 'failed',
      error: { class: 'invalid', message: expect.stringMatching(/account 111122223333/) },
    });
    expect(bogus.outcomes[0]).toMatchObject({ status: 'failed', error: { class: 'invalid' } });
  });

  it('does not act in an account it holds no credentials for', async () => {
    const other = {
      ...request(`arn:aws:iam::111122223333:user/someone`, ['removeCredentials']),
      tenantId: '111122223333',
    };
    expect(provider.coversTenant('111122223333')).toBe(false);
    expect((await provider.contain(other)).outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: 'noCredentials',
    });
    expect(iam.calls()).toHaveLength(0);
  });

  it('answers notApplicable for the root user', async () => {
    const { outcomes } = await provider.contain(
      request(`arn:aws:iam::${ACCOUNT}:root`, ['denyOlderSessions']),
    );
    expect(outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: 'notApplicable',
      why: expect.stringMatching(/root/),
    });
  });
});

describe('AWS IAM verification', () => {
  const verifyRole = () =>
    provider.verify({
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: ROLE_SESSION },
      detectedAt: '2026-03-17T15:11:42.518Z',
    });

  it('reads back the deny policy (URL-encoded, as IAM returns it) and reports its cut-off', async () => {
    iam
      .on(ListRolePoliciesCommand)
      .resolves({ PolicyNames: ['app-inline', POLICY], IsTruncated: false });
    iam.on(GetRolePolicyCommand, { PolicyName: POLICY }).resolves({
      RoleName: 'halvorsen-api-ec2-role',
      PolicyName: POLICY,
      PolicyDocument: encodeURIComponent(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["*"],"Resource":["*"],"Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-03-17T15:12:08Z"}}}]}',
      ),
    });
    const result = await verifyRole();
    expect(result).toMatchObject({
      verified: true,
      sessionsValidFrom: '2026-03-17T15:12:08Z',
      checkedAt: NOW.toISOString(),
    });
    expect(iam.commandCalls(GetRolePolicyCommand).map((c) => c.args[0].input.PolicyName)).toEqual([
      POLICY,
    ]);
  });

  it('is not verified when the policy is missing, altered, or older than the detection', async () => {
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [], IsTruncated: false });
    expect(await verifyRole()).toMatchObject({
      verified: false,
      detail: expect.stringMatching(/no RevokeOlderSessions/),
    });

    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [POLICY] });
    iam.on(GetRolePolicyCommand).resolves({
      PolicyDocument: encodeURIComponent(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
      ),
    });
    expect((await verifyRole()).verified).toBe(false);

    iam.on(GetRolePolicyCommand).resolves({
      PolicyDocument: encodeURIComponent(
        '{"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":"2026-03-01T00:00:00Z"}}}}',
      ),
    });
    expect(await verifyRole()).toMatchObject({
      verified: false,
      detail: expect.stringMatching(/before the detection/),
    });
  });

  it('checks the named access key is inactive', async () => {
    iam.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        {
          UserName: 'svc-shipment-export',
          AccessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE',
          Status: 'Inactive',
          CreateDate: new Date('2025-11-02T10:00:00Z'),
        },
        {
          UserName: 'svc-shipment-export',
          AccessKeyId: 'AKIAWJ6KQ3XRNEWKEY01',
          Status: 'Active',
          CreateDate: new Date('2026-03-17T17:00:00Z'),
        },
      ],
    });
    const subject = { type: 'awsPrincipal' as const, id: USER };
    const detectedAt = '2026-03-17T16:02:19.027Z';
    expect(
      await provider.verify({
        tenantId: ACCOUNT,
        subject,
        detectedAt,
        session: { accessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE' },
      }),
    ).toMatchObject({
      verified: true,
      detail: expect.stringMatching(/is Inactive/),
    });
    // Without the key id: every key that existed at detection time must be inactive; a key created since is fine.
    expect((await provider.verify({ tenantId: ACCOUNT, subject, detectedAt })).verified).toBe(true);
  });

  it('says an Identity Center role cannot be verified here, without calling IAM', async () => {
    const sso = `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_PowerUserAccess_7c1d2e9f0a3b4c5d/maria`;
    const result = await provider.verify({
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: sso },
      detectedAt: '2026-03-17T15:28:04Z',
    });
    expect(result).toMatchObject({
      verified: false,
      detail: expect.stringMatching(/IAM Identity Center/),
    });
    expect(iam.calls()).toHaveLength(0);
  });

  it('reports a read-back failure as not verified, with the classified reason', async () => {
    iam.on(ListRolePoliciesCommand).rejects(iamError('AccessDenied', 403));
    expect(await verifyRole()).toMatchObject({
      verified: false,
      detail: expect.stringMatching(/AccessDenied/),
    });
  });
});

describe('AWS IAM restore', () => {
  const restore = (subjectId: string, changes: RestorableChange[], force = false) =>
    provider.restore({
      incidentId: INCIDENT,
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: subjectId },
      changes,
      requestedBy: 'arn:aws:sts::418295730164:assumed-role/ir-operator/jdoe',
      justification: 'false positive: instance role rotated',
      ...(force ? { force } : {}),
    });

  const denyDocument = (cutoff: string) =>
    encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Deny',
            Action: ['*'],
            Resource: ['*'],
            Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
          },
        ],
      }),
    );
  const roleOf = (maxSeconds: number) => ({
    Role: {
      RoleName: 'halvorsen-api-ec2-role',
      RoleId: 'AROAEXAMPLE000000000',
      Path: '/',
      Arn: `arn:aws:iam::${ACCOUNT}:role/halvorsen-api-ec2-role`,
      CreateDate: new Date('2025-01-01T00:00:00Z'),
      MaxSessionDuration: maxSeconds,
    },
  });
  const deny = (policyName = POLICY) => ({
    kind: 'awsDenyPolicy' as const,
    roleName: 'halvorsen-api-ec2-role',
    policyName,
  });

  it('keeps the deny on release unless forced: removing it would revive a stolen session', async () => {
    const outcomes = await restore(ROLE_SESSION, [deny()]);
    expect(outcomes[0]).toMatchObject({
      action: 'denyOlderSessions',
      status: 'skipped',
      reason: 'policy',
    });
    expect(iam.calls()).toHaveLength(0);
  });

  it.each([
    { cutoff: '2026-03-17T15:12:08Z', maxSeconds: 3600, deleted: false },
    { cutoff: '2026-03-17T04:00:00Z', maxSeconds: 43_200, deleted: false },
    { cutoff: '2026-03-17T14:00:00Z', maxSeconds: 3600, deleted: true },
  ])(
    'forced, deletes the deny only once the role maximum session has passed (cut-off $cutoff, max $maxSeconds s)',
    async ({ cutoff, maxSeconds, deleted }) => {
      iam.on(GetRoleCommand).resolves(roleOf(maxSeconds));
      iam.on(GetRolePolicyCommand).resolves({
        RoleName: 'halvorsen-api-ec2-role',
        PolicyName: POLICY,
        PolicyDocument: denyDocument(cutoff),
      });
      iam.on(DeleteRolePolicyCommand).resolves({});
      const outcomes = await restore(ROLE_SESSION, [deny()], true);
      expect(iam.commandCalls(DeleteRolePolicyCommand)).toHaveLength(deleted ? 1 : 0);
      expect(outcomes[0]).toMatchObject(
        deleted ? { status: 'succeeded' } : { status: 'failed', error: { class: 'invalid' } },
      );
    },
  );

  it('forced, counts an already deleted policy (of an earlier version, named per incident) as restored', async () => {
    iam.on(GetRoleCommand).resolves(roleOf(3600));
    iam
      .on(GetRolePolicyCommand)
      .rejects(new NoSuchEntityException({ message: 'not found', $metadata: {} }));
    const outcomes = await restore(ROLE_SESSION, [deny(LEGACY_POLICY)], true);
    expect(outcomes[0]).toMatchObject({
      status: 'succeeded',
      detail: expect.stringMatching(/already absent/),
    });
  });

  it('reactivates exactly the recorded key', async () => {
    iam.on(UpdateAccessKeyCommand).resolves({});
    const outcomes = await restore(USER, [
      {
        kind: 'awsAccessKeyDeactivated',
        userName: 'svc-shipment-export',
        accessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE',
      },
    ]);
    expect(iam.commandCalls(UpdateAccessKeyCommand).map((c) => c.args[0].input)).toEqual([
      { UserName: 'svc-shipment-export', AccessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE', Status: 'Active' },
    ]);
    expect(outcomes[0]).toMatchObject({ action: 'removeCredentials', status: 'succeeded' });
  });

  it("refuses to delete a policy this incident did not add, or on another principal's role", async () => {
    const outcomes = await restore(ROLE_SESSION, [
      {
        kind: 'awsDenyPolicy',
        roleName: 'halvorsen-api-ec2-role',
        policyName: 'AWSRevokeOlderSessions',
      },
      { kind: 'awsDenyPolicy', roleName: 'prod-admin', policyName: POLICY },
      {
        kind: 'awsAccessKeyDeactivated',
        userName: 'someone-else',
        accessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE',
      },
    ]);
    expect(iam.calls()).toHaveLength(0);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        status: 'failed',
        error: { class: 'invalid', message: expect.stringMatching(/^refused: /) },
      });
    }
  });

  it('leaves changes of other providers alone', async () => {
    const outcomes = await restore(ROLE_SESSION, [
      { kind: 'accountDisabled', subjectId: 'user-1' },
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'skipped', reason: 'notApplicable' });
    expect(iam.calls()).toHaveLength(0);
  });
});
