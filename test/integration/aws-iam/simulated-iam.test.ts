import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { classifyIamError } from '../../../shared/adapters/aws-iam/errors.ts';
import { AwsIamIdentityProvider } from '../../../shared/adapters/aws-iam/provider.ts';
import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  RestorableChange,
} from '../../../shared/domain/containment.ts';
import { ConfigError } from '../../../shared/domain/errors.ts';
import {
  AWS_IAM_DEMO_SEED_PATH,
  type SimulatedAwsIam,
  startSimulatedAwsIam,
} from '../../../shared/local/simulated-aws-iam/iam.ts';
import type { AwsIamSeedInput } from '../../../shared/local/simulated-aws-iam/seed.ts';
import {
  AWS_IAM_SEED_SCHEMA_PATH,
  awsIamSeedJsonSchemaText,
} from '../../../shared/local/write-seed-schemas.ts';
import { normalizeEvent } from '../../../shared/sources/normalize.ts';

/** The real AwsIamIdentityProvider and a real IAMClient against the simulated IAM over HTTP. */

const ACCOUNT = '418295730164';
const EC2_ROLE = 'halvorsen-api-ec2-role';
const ROLE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/${EC2_ROLE}/i-0f42efb95a7c9b7f6`;
const USER = `arn:aws:iam::${ACCOUNT}:user/svc-shipment-export`;
const KEY = 'AKIAWJ6KQ3XRB7NDL2FE';
const SSO_ROLE = 'AWSReservedSSO_PowerUserAccess_7c1d2e9f0a3b4c5d';
const INCIDENT = 'inc-3f9a1c0e5b7d4e2a8c6f0b1d';
const POLICY = 'RevokeOlderSessions-responder';
const DETECTED_AT = '2026-03-17T15:11:42.518Z';
const CONTAINED_AT = new Date('2026-03-17T15:12:07.250Z');

let iam: SimulatedAwsIam;
let provider: AwsIamIdentityProvider;

function demoSeed(): AwsIamSeedInput {
  return JSON.parse(readFileSync(AWS_IAM_DEMO_SEED_PATH, 'utf8')) as AwsIamSeedInput;
}

function providerFor(sim: SimulatedAwsIam, client = sim.client()): AwsIamIdentityProvider {
  return new AwsIamIdentityProvider({
    client,
    accountIds: [sim.accountId],
    mode: 'simulated',
    clock: { now: () => CONTAINED_AT },
  });
}

function request(
  subjectId: string,
  actions: ContainmentAction[],
  session?: ContainmentRequest['session'],
): ContainmentRequest {
  return {
    incidentId: INCIDENT,
    tenantId: ACCOUNT,
    subject: { type: 'awsPrincipal', id: subjectId },
    detectedAt: DETECTED_AT,
    actions,
    ...(session ? { session } : {}),
  };
}

function only(outcomes: ActionOutcome[]): ActionOutcome {
  expect(outcomes).toHaveLength(1);
  const [outcome] = outcomes;
  if (!outcome) throw new Error('no outcome');
  return outcome;
}

function restoresOf(outcome: ActionOutcome): RestorableChange[] {
  return outcome.status === 'succeeded' ? (outcome.restore ?? []) : [];
}

/** A signed-looking Query API call over plain HTTP: the simulator checks presence, not validity. */
async function query(
  sim: SimulatedAwsIam,
  form: Record<string, string>,
  authorization = 'AWS4-HMAC-SHA256 Credential=SIMULATED/20260317/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00',
): Promise<{ status: number; text: string; requestIdHeader: string | null }> {
  const response = await fetch(`${sim.endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(authorization ? { authorization } : {}),
    },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    text: await response.text(),
    requestIdHeader: response.headers.get('x-amzn-requestid'),
  };
}

beforeEach(async () => {
  iam = await startSimulatedAwsIam({ seed: AWS_IAM_DEMO_SEED_PATH });
  provider = providerFor(iam);
});

afterEach(async () => {
  await iam?.close();
});

describe('simulated AWS IAM: the seed', () => {
  it('keeps seed.schema.json in step with the seed schema', () => {
    expect(readFileSync(AWS_IAM_SEED_SCHEMA_PATH, 'utf8')).toBe(awsIamSeedJsonSchemaText());
  });

  it('holds every principal and key the AWS fixtures name', () => {
    const fixtures = [
      'test/fixtures/guardduty/instance-credential-exfiltration-outside-aws.json',
      'test/fixtures/guardduty/iam-user-anomalous-behavior.json',
      'test/fixtures/securityhub/asff-guardduty-instance-credential-exfiltration.json',
      'test/fixtures/securityhub/asff-role-session-reuse.json',
      'test/fixtures/securityhub/ocsf-iam-user-anomalous-behavior.json',
    ];
    for (const path of fixtures) {
      const normalized = normalizeEvent(JSON.parse(readFileSync(path, 'utf8')));
      if (normalized.kind !== 'detection') throw new Error(`${path}: ${normalized.kind}`);
      const { tenant, subject, session } = normalized.detection;
      expect(tenant.tenantId, path).toBe(iam.accountId);
      const [, kind, name] = /:(assumed-role|user)\/([^/]+)/.exec(subject.id) ?? [];
      if (kind === 'user') {
        expect(iam.state.findUser(name ?? ''), path).toBeDefined();
        expect(iam.state.accessKey(name ?? '', session?.sessionId ?? '')?.status, path).toBe(
          'Active',
        );
      } else {
        expect(iam.state.findRole(name ?? ''), path).toBeDefined();
      }
    }
    expect(iam.state.findRole(SSO_ROLE)?.arn).toBe(
      `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/${SSO_ROLE}`,
    );
  });

  it('rejects an invalid seed with the field it got wrong', async () => {
    const seed = demoSeed() as { account: { id: string } };
    seed.account.id = '4182957';
    const started = startSimulatedAwsIam({ seed: seed as AwsIamSeedInput });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/account\.id/);
  });

  it('rejects a seed that names a role twice', async () => {
    const seed = demoSeed();
    const role = seed.roles?.[0];
    if (!role) throw new Error('demo seed has roles');
    seed.roles = [...(seed.roles ?? []), { ...role, roleName: EC2_ROLE.toUpperCase() }];
    await expect(startSimulatedAwsIam({ seed })).rejects.toThrow(/role .* appears twice/);
  });
});

describe('simulated AWS IAM: containment by the real provider', () => {
  it('denies the EC2 role sessions issued before containment, and verifies it', async () => {
    expect(provider.mode).toBe('simulated');
    const outcome = only(
      (await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']))).outcomes,
    );
    expect(outcome).toMatchObject({ status: 'succeeded', action: 'denyOlderSessions' });
    expect(restoresOf(outcome)).toEqual([
      { kind: 'awsDenyPolicy', roleName: EC2_ROLE, policyName: POLICY },
    ]);

    const document = iam.state.inlinePolicy(EC2_ROLE, POLICY);
    expect(JSON.parse(document ?? '{}')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Deny',
          Action: ['*'],
          Resource: ['*'],
          Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-03-17T15:12:08Z' } },
        },
      ],
    });
    // The role's own policy is left alone.
    expect(iam.state.inlinePolicyNames(EC2_ROLE)).toEqual([POLICY, 'halvorsen-api-shipments-read']);

    const verification = await provider.verify({
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: ROLE_SESSION },
      detectedAt: DETECTED_AT,
    });
    expect(verification).toMatchObject({
      verified: true,
      sessionsValidFrom: '2026-03-17T15:12:08Z',
    });

    const put = iam.requests().find((r) => r.action === 'PutRolePolicy');
    expect(put).toMatchObject({
      signed: true,
      scope: 'us-east-1/iam',
      status: 200,
      params: { RoleName: EC2_ROLE, PolicyName: POLICY },
    });
    expect(iam.requests().map((r) => r.action)).toEqual([
      'PutRolePolicy',
      'ListRolePolicies',
      'GetRolePolicy',
    ]);
  });

  it("deactivates the user's named access key, and verifies it", async () => {
    const outcome = only(
      (await provider.contain(request(USER, ['removeCredentials'], { sessionId: KEY }))).outcomes,
    );
    expect(outcome).toMatchObject({ status: 'succeeded', action: 'removeCredentials' });
    expect(restoresOf(outcome)).toEqual([
      { kind: 'awsAccessKeyDeactivated', userName: 'svc-shipment-export', accessKeyId: KEY },
    ]);
    expect(iam.state.accessKey('svc-shipment-export', KEY)?.status).toBe('Inactive');

    const verification = await provider.verify({
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: USER },
      detectedAt: DETECTED_AT,
      session: { sessionId: KEY },
    });
    expect(verification).toMatchObject({ verified: true });
    expect(verification.detail).toContain(`${KEY} of user svc-shipment-export is Inactive`);
  });

  it('restores exactly what containment recorded, and nothing else', async () => {
    const role = await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']));
    const user = await provider.contain(request(USER, ['removeCredentials'], { sessionId: KEY }));

    const restoredRole = await provider.restore({
      incidentId: INCIDENT,
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: ROLE_SESSION },
      changes: role.outcomes.flatMap(restoresOf),
      requestedBy: 'analyst@halvorsenfreight.example',
      justification: 'false positive: the instance moved to a new NAT gateway',
    });
    const restoredUser = await provider.restore({
      incidentId: INCIDENT,
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: USER },
      changes: user.outcomes.flatMap(restoresOf),
      requestedBy: 'analyst@halvorsenfreight.example',
      justification: 'false positive: the export job runs from a new region',
    });

    // The deny stays unless forced: it blocks only sessions issued before containment.
    expect(only(restoredRole)).toMatchObject({ status: 'skipped', reason: 'policy' });
    expect(only(restoredUser)).toMatchObject({ status: 'succeeded' });
    expect(iam.state.inlinePolicyNames(EC2_ROLE)).toEqual([POLICY, 'halvorsen-api-shipments-read']);
    // Forced, once the role's maximum session (3600 s) has passed since the cut-off.
    const later = new AwsIamIdentityProvider({
      client: iam.client(),
      accountIds: [iam.accountId],
      mode: 'simulated',
      clock: { now: () => new Date(CONTAINED_AT.getTime() + 3_601_000) },
    });
    const forced = await later.restore({
      incidentId: INCIDENT,
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: ROLE_SESSION },
      changes: role.outcomes.flatMap(restoresOf),
      requestedBy: 'analyst@halvorsenfreight.example',
      justification: 'false positive: the instance moved to a new NAT gateway',
      force: true,
    });
    expect(only(forced)).toMatchObject({ status: 'succeeded' });
    expect(iam.state.inlinePolicyNames(EC2_ROLE)).toEqual(['halvorsen-api-shipments-read']);
    expect(iam.state.accessKey('svc-shipment-export', KEY)?.status).toBe('Active');
    expect(iam.state.toSeed()).toEqual(
      await startSimulatedAwsIam({ seed: AWS_IAM_DEMO_SEED_PATH }).then(async (fresh) => {
        const seed = fresh.state.toSeed();
        await fresh.close();
        return seed;
      }),
    );
  });

  it('refuses to restore a change containment did not record, and calls IAM for none of it', async () => {
    await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']));
    iam.clearRequests();

    const outcomes = await provider.restore({
      incidentId: INCIDENT,
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: ROLE_SESSION },
      changes: [
        // The operator's own policy, not the one this incident added.
        { kind: 'awsDenyPolicy', roleName: EC2_ROLE, policyName: 'halvorsen-api-shipments-read' },
        // A policy on another role than the subject's.
        { kind: 'awsDenyPolicy', roleName: SSO_ROLE, policyName: POLICY },
        // A key of a user that is not the subject.
        { kind: 'awsAccessKeyDeactivated', userName: 'svc-shipment-export', accessKeyId: KEY },
      ],
      requestedBy: 'analyst@halvorsenfreight.example',
      justification: 'testing the guard',
    });

    expect(outcomes).toHaveLength(3);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'failed', error: { class: 'invalid' } });
      if (outcome.status === 'failed') expect(outcome.error.message).toMatch(/^refused: /);
    }
    expect(iam.requests()).toEqual([]);
    expect(iam.state.inlinePolicyNames(EC2_ROLE)).toEqual([POLICY, 'halvorsen-api-shipments-read']);
  });

  it('keeps one responder policy per role: 20 containments of a role near its quota all succeed', async () => {
    // Fill the role's inline policy quota (10,240 characters) to within ~500 characters.
    const filler = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: [`arn:aws:s3:::${'b'.repeat(9_400)}/*`],
        },
      ],
    });
    await iam.client().send(
      new PutRolePolicyCommand({
        RoleName: EC2_ROLE,
        PolicyName: 'big-inline',
        PolicyDocument: filler,
      }),
    );
    const cutoffs: string[] = [];
    for (let n = 0; n < 20; n++) {
      const at = new Date(CONTAINED_AT.getTime() + n * 60_000);
      const responder = new AwsIamIdentityProvider({
        client: iam.client(),
        accountIds: [iam.accountId],
        mode: 'simulated',
        clock: { now: () => at },
      });
      const outcome = only(
        (
          await responder.contain({
            ...request(ROLE_SESSION, ['denyOlderSessions']),
            incidentId: `inc-${String(n).padStart(24, '0')}`,
          })
        ).outcomes,
      );
      expect(outcome).toMatchObject({ status: 'succeeded' });
      cutoffs.push(
        JSON.parse(iam.state.inlinePolicy(EC2_ROLE, POLICY) ?? '{}').Statement[0].Condition
          .DateLessThan['aws:TokenIssueTime'],
      );
    }
    expect(iam.state.inlinePolicyNames(EC2_ROLE)).toEqual([
      POLICY,
      'big-inline',
      'halvorsen-api-shipments-read',
    ]);
    // The cut-off moved forward with every containment.
    expect(new Set(cutoffs).size).toBe(20);
    expect([...cutoffs].sort()).toEqual(cutoffs);
    // One policy per incident would not have fit: the simulated IAM enforces the quota.
    let refused: unknown;
    for (let n = 0; n < 20 && refused === undefined; n++) {
      refused = await iam
        .client()
        .send(
          new PutRolePolicyCommand({
            RoleName: EC2_ROLE,
            PolicyName: `RevokeOlderSessions-inc-${n}`,
            PolicyDocument: iam.state.inlinePolicy(EC2_ROLE, POLICY) ?? '',
          }),
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );
    }
    expect(refused).toMatchObject({ name: 'LimitExceededException' });
  });

  it('leaves an IAM Identity Center role alone, which IAM itself would refuse to change', async () => {
    const subject = `arn:aws:sts::${ACCOUNT}:assumed-role/${SSO_ROLE}/maria.keller@halvorsenfreight.example`;
    const outcome = only(
      (await provider.contain(request(subject, ['denyOlderSessions']))).outcomes,
    );
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'notApplicable' });
    if (outcome.status === 'skipped') expect(outcome.why).toContain('IAM Identity Center');
    expect(iam.requests()).toEqual([]);

    // Asked directly, the simulated IAM answers as IAM does for a protected role.
    const direct = await iam
      .client()
      .send(
        new PutRolePolicyCommand({ RoleName: SSO_ROLE, PolicyName: POLICY, PolicyDocument: '{}' }),
      )
      .catch((error: unknown) => error);
    expect(direct).toMatchObject({
      name: 'UnmodifiableEntityException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(classifyIamError(direct, 'PutRolePolicy').class).toBe('forbidden');
    expect(iam.state.inlinePolicyNames(SSO_ROLE)).toEqual([]);
  });
});

describe('simulated AWS IAM: failures as the provider classifies them', () => {
  it('answers NoSuchEntity (404) for a role it does not have: notFound', async () => {
    const ghost = `arn:aws:sts::${ACCOUNT}:assumed-role/decommissioned-batch-role/i-0aa`;
    const outcome = only((await provider.contain(request(ghost, ['denyOlderSessions']))).outcomes);
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { class: 'notFound', retryable: false, httpStatus: 404 },
    });
    if (outcome.status === 'failed') {
      expect(outcome.error.message).toContain(
        'The role with name decommissioned-batch-role cannot be found.',
      );
    }
    expect(iam.requests().at(-1)).toMatchObject({ status: 404, code: 'NoSuchEntity' });
  });

  it('answers NoSuchEntity for a key the user does not have: notFound, nothing changed', async () => {
    const outcome = only(
      (
        await provider.contain(
          request(USER, ['removeCredentials'], { sessionId: 'AKIAWJ6KQ3XRB7NDL2FX' }),
        )
      ).outcomes,
    );
    expect(outcome).toMatchObject({ status: 'failed', error: { class: 'notFound' } });
    expect(iam.state.accessKey('svc-shipment-export', KEY)?.status).toBe('Active');
  });

  it('turns an injected AccessDenied (403) into forbidden, naming the missing permission', async () => {
    iam.faults.inject({ action: 'PutRolePolicy', code: 'AccessDenied' });
    const outcome = only(
      (await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']))).outcomes,
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      error: {
        class: 'forbidden',
        retryable: false,
        missingPermission: 'iam:PutRolePolicy',
        httpStatus: 403,
      },
    });
    expect(iam.state.inlinePolicyNames(EC2_ROLE)).toEqual(['halvorsen-api-shipments-read']);
    expect(iam.requests().at(-1)).toMatchObject({ injected: true, status: 403 });
    expect(iam.faults.pending()).toBe(0);
  });

  it('turns Throttling (400) into throttled and retryable when the SDK gives up', async () => {
    const once = providerFor(iam, iam.client({ maxAttempts: 1 }));
    iam.faults.inject({ action: 'UpdateAccessKey', code: 'Throttling' });
    const outcome = only(
      (await once.contain(request(USER, ['removeCredentials'], { sessionId: KEY }))).outcomes,
    );
    expect(outcome).toMatchObject({
      status: 'failed',
      error: { class: 'throttled', retryable: true, httpStatus: 400 },
    });
    expect(iam.state.accessKey('svc-shipment-export', KEY)?.status).toBe('Active');
  });

  it("lets the SDK's own retry absorb a single Throttling answer", async () => {
    iam.faults.inject({ action: 'PutRolePolicy', code: 'Throttling', times: 1 });
    const outcome = only(
      (await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']))).outcomes,
    );
    expect(outcome).toMatchObject({ status: 'succeeded' });
    expect(
      iam
        .requests()
        .filter((r) => r.action === 'PutRolePolicy')
        .map((r) => [r.status, r.code]),
    ).toEqual([
      [400, 'Throttling'],
      [200, undefined],
    ]);
  });

  it('cannot verify while IAM refuses to be read, and says why', async () => {
    await provider.contain(request(ROLE_SESSION, ['denyOlderSessions']));
    iam.faults.inject({ action: 'ListRolePolicies', code: 'AccessDenied' });
    const verification = await provider.verify({
      tenantId: ACCOUNT,
      subject: { type: 'awsPrincipal', id: ROLE_SESSION },
      detectedAt: DETECTED_AT,
    });
    expect(verification.verified).toBe(false);
    expect(verification.detail).toContain('could not read back');
  });
});

describe('simulated AWS IAM: the Query API on the wire', () => {
  it('refuses an unsigned request with the documented XML error (403 MissingAuthenticationToken)', async () => {
    const response = await query(
      iam,
      { Action: 'ListRolePolicies', Version: '2010-05-08', RoleName: EC2_ROLE },
      '',
    );
    expect(response.status).toBe(403);
    expect(response.text).toMatch(
      /^<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/,
    );
    expect(iam.requests().at(-1)).toMatchObject({ signed: false, status: 403 });
  });

  it('refuses a signature scoped to another region or service', async () => {
    const wrongRegion = await query(
      iam,
      { Action: 'ListRolePolicies', Version: '2010-05-08', RoleName: EC2_ROLE },
      'AWS4-HMAC-SHA256 Credential=SIMULATED/20260317/eu-west-1/iam/aws4_request, SignedHeaders=host, Signature=00',
    );
    expect(wrongRegion.status).toBe(403);
    expect(wrongRegion.text).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('answers GetRolePolicy in the documented shape, the document URL-encoded', async () => {
    const response = await query(iam, {
      Action: 'GetRolePolicy',
      Version: '2010-05-08',
      RoleName: EC2_ROLE,
      PolicyName: 'halvorsen-api-shipments-read',
    });
    expect(response.status).toBe(200);
    const match =
      /^<GetRolePolicyResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><GetRolePolicyResult><RoleName>halvorsen-api-ec2-role<\/RoleName><PolicyName>halvorsen-api-shipments-read<\/PolicyName><PolicyDocument>([^<]+)<\/PolicyDocument><\/GetRolePolicyResult><ResponseMetadata><RequestId>([0-9a-f-]{36})<\/RequestId><\/ResponseMetadata><\/GetRolePolicyResponse>$/.exec(
        response.text,
      );
    expect(match).not.toBeNull();
    expect(match?.[1]).toMatch(/^%7B%22Version%22%3A%222012-10-17%22/);
    expect(JSON.parse(decodeURIComponent(match?.[1] ?? ''))).toMatchObject({
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'] }],
    });
    expect(response.requestIdHeader).toBe(match?.[2]);

    // The SDK hands the document over still encoded, as it does against IAM.
    const viaSdk = await iam.client().send(
      new GetRolePolicyCommand({
        RoleName: EC2_ROLE,
        PolicyName: 'halvorsen-api-shipments-read',
      }),
    );
    expect(viaSdk.PolicyDocument).toBe(match?.[1]);
    expect(viaSdk.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown actions with InvalidAction and bad parameters with ValidationError (400)', async () => {
    const unknown = await query(iam, {
      Action: 'DeleteRole',
      Version: '2010-05-08',
      RoleName: EC2_ROLE,
    });
    expect(unknown.status).toBe(400);
    expect(unknown.text).toContain('<Code>InvalidAction</Code>');

    const invalid = await query(iam, {
      Action: 'UpdateAccessKey',
      Version: '2010-05-08',
      UserName: 'svc shipment export',
      AccessKeyId: KEY,
      Status: 'Disabled',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('<Code>ValidationError</Code>');
    expect(invalid.text).toContain('2 validation errors detected');
    expect(invalid.text).toContain("at 'userName'");
    expect(invalid.text).toContain("at 'status'");
    expect(iam.state.accessKey('svc-shipment-export', KEY)?.status).toBe('Active');
  });

  it('rejects a malformed policy document (400 MalformedPolicyDocument)', async () => {
    const error = await iam
      .client()
      .send(
        new PutRolePolicyCommand({
          RoleName: EC2_ROLE,
          PolicyName: 'broken',
          PolicyDocument: '{"Statement":[{"Effect":"Deny","Action":"*"',
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'MalformedPolicyDocumentException',
      $metadata: { httpStatusCode: 400 },
    });
    expect(iam.state.inlinePolicy(EC2_ROLE, 'broken')).toBeUndefined();
  });

  it('pages ListRolePolicies with MaxItems, Marker and IsTruncated', async () => {
    const client = iam.client();
    for (const name of ['a-first', 'b-second', 'c-third']) {
      await client.send(
        new PutRolePolicyCommand({
          RoleName: EC2_ROLE,
          PolicyName: name,
          PolicyDocument:
            '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}}',
        }),
      );
    }
    const first = await client.send(
      new ListRolePoliciesCommand({ RoleName: EC2_ROLE, MaxItems: 2 }),
    );
    expect(first).toMatchObject({ PolicyNames: ['a-first', 'b-second'], IsTruncated: true });
    const second = await client.send(
      new ListRolePoliciesCommand({ RoleName: EC2_ROLE, MaxItems: 2, Marker: first.Marker }),
    );
    expect(second.PolicyNames).toEqual(['c-third', 'halvorsen-api-shipments-read']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
  });

  it('answers LimitExceeded (409) when the role inline policy quota would be exceeded', async () => {
    const statement = {
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${'b'.repeat(10_200)}`,
    };
    // The SDK counts LimitExceededException among throttling errors and would retry it.
    const error = await iam
      .client({ maxAttempts: 1 })
      .send(
        new PutRolePolicyCommand({
          RoleName: EC2_ROLE,
          PolicyName: 'too-large',
          PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }),
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 409 },
    });
  });
});

describe('simulated AWS IAM: persistence', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simulated-iam-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps what containment changed in statePath, and starts from it next time', async () => {
    const statePath = join(dir, 'simulated-aws-iam.json');
    const first = await startSimulatedAwsIam({ seed: AWS_IAM_DEMO_SEED_PATH, statePath });
    try {
      await providerFor(first).contain(request(USER, ['removeCredentials'], { sessionId: KEY }));
    } finally {
      await first.close();
    }
    expect(statSync(statePath).mode & 0o777).toBe(0o600);

    const second = await startSimulatedAwsIam({ seed: AWS_IAM_DEMO_SEED_PATH, statePath });
    try {
      expect(second.state.accessKey('svc-shipment-export', KEY)?.status).toBe('Inactive');
      const verification = await providerFor(second).verify({
        tenantId: ACCOUNT,
        subject: { type: 'awsPrincipal', id: USER },
        detectedAt: DETECTED_AT,
        session: { sessionId: KEY },
      });
      expect(verification.verified).toBe(true);
    } finally {
      await second.close();
    }
  });
});
