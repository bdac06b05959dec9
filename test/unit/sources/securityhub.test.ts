import { describe, expect, it } from 'vitest';
import { normalizeGuardDuty } from '../../../shared/sources/guardduty.ts';
import { normalizeSecurityHubAsff } from '../../../shared/sources/securityhub-asff.ts';
import { normalizeSecurityHubOcsf } from '../../../shared/sources/securityhub-ocsf.ts';
import { detectionOf, fieldPaths, fixture, patch, remove } from './fixtures.ts';

const roleSessionReuse = () => fixture('securityhub', 'asff-role-session-reuse');
const ocsfUser = () => fixture('securityhub', 'ocsf-iam-user-anomalous-behavior');
const asffKey = 'detail.findings.0.Resources.0.Details.AwsIamAccessKey';

describe('Security Hub ASFF findings', () => {
  it('maps an IAM Identity Center role session to its assumed-role ARN, key, issue time and IP', () => {
    const detection = detectionOf(normalizeSecurityHubAsff(roleSessionReuse()));

    expect(detection.detectionId).toBe(
      'aws.securityhub:arn:aws:securityhub:us-east-1:418295730164:product/418295730164/default/sessionsentinel-2ad58f14-e943-40f7-b790-84945751992f',
    );
    expect(detection.severity).toBe('high');
    expect(detection.detectedAt).toBe('2026-03-17T15:28:04.000Z');
    expect(detection.source).toEqual({
      vendor: 'aws',
      product: 'securityhub',
      ruleId: 'sessionsentinel/role-session-multi-asn',
    });
    expect(detection.tenant).toEqual({ provider: 'aws', tenantId: '418295730164' });
    expect(detection.subject.id).toBe(
      'arn:aws:sts::418295730164:assumed-role/AWSReservedSSO_PowerUserAccess_7c1d2e9f0a3b4c5d/maria.keller@halvorsenfreight.example',
    );
    expect(detection.session).toEqual({
      sessionId: 'ASIA8KMOCHL083F8NF88',
      tokenIssuedAt: '2026-03-17T13:05:22.000Z',
      ipAddress: '203.0.113.145',
    });
    expect(detection.evidence).toEqual(
      expect.arrayContaining([
        {
          type: 'aws.iam.role',
          ref: 'arn:aws:iam::418295730164:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUserAccess_7c1d2e9f0a3b4c5d',
        },
        expect.objectContaining({
          type: 'aws.apiCall',
          ref: 'secretsmanager.amazonaws.com:GetSecretValue',
        }),
      ]),
    );
  });

  it("leaves MFA unknown for Identity Center sessions: STS's false does not see the IdP's MFA", () => {
    const detection = detectionOf(normalizeSecurityHubAsff(roleSessionReuse()));
    expect(detection.signals).toEqual({ longLivedSecretUsed: false }); // an ASIA session key
    expect(detection.subject.kind).toBe('person'); // an Identity Center permission set
    expect(detection.evidence).toContainEqual(
      expect.objectContaining({ type: 'aws.mfaAuthenticated', ref: 'false' }),
    );
  });

  it('maps SessionContext MFA for ordinary role sessions: false is known, true is known', () => {
    const plain = patch(
      roleSessionReuse(),
      `${asffKey}.SessionContext.SessionIssuer.UserName`,
      'deploy-role',
    );
    patch(
      plain,
      `${asffKey}.SessionContext.SessionIssuer.Arn`,
      'arn:aws:iam::418295730164:role/deploy-role',
    );
    patch(plain, `${asffKey}.PrincipalName`, 'deploy-role');
    expect(detectionOf(normalizeSecurityHubAsff(plain)).signals).toMatchObject({
      mfaSatisfied: false,
    });
    // nothing in the finding says whose session an ordinary role session is
    expect(detectionOf(normalizeSecurityHubAsff(plain)).subject.kind).toBeUndefined();

    patch(plain, `${asffKey}.SessionContext.Attributes.MfaAuthenticated`, true);
    expect(detectionOf(normalizeSecurityHubAsff(plain)).signals).toMatchObject({
      mfaSatisfied: true,
    });
  });

  it('gives a GuardDuty finding imported into Security Hub the same detection id as GuardDuty itself', () => {
    const viaHub = detectionOf(
      normalizeSecurityHubAsff(
        fixture('securityhub', 'asff-guardduty-instance-credential-exfiltration'),
      ),
    );
    const direct = detectionOf(
      normalizeGuardDuty(fixture('guardduty', 'instance-credential-exfiltration-outside-aws')),
    );
    expect(viaHub.detectionId).toBe(direct.detectionId);
    expect(viaHub.subject.id).toBe(direct.subject.id);
    expect(viaHub.session?.sessionId).toBe('ASIATDHBDZHX1E8H7KAP'); // read from the resource id
  });

  it.each([
    ['INFORMATIONAL', undefined, 'low'],
    ['LOW', undefined, 'low'],
    ['MEDIUM', undefined, 'medium'],
    ['CRITICAL', undefined, 'critical'],
    [undefined, 95, 'critical'],
    [undefined, 75, 'high'],
    [undefined, 40, 'medium'],
    [undefined, 10, 'low'],
  ])('maps Severity Label %s / Normalized %s to %s', (label, normalized, severity) => {
    const event = patch(roleSessionReuse(), 'detail.findings.0.Severity', {
      ...(label ? { Label: label } : {}),
      ...(normalized !== undefined ? { Normalized: normalized } : {}),
    });
    expect(detectionOf(normalizeSecurityHubAsff(event)).severity).toBe(severity);
  });

  it('maps a finding whose only identity is an IAM user resource to that user', () => {
    const event = patch(roleSessionReuse(), 'detail.findings.0.Resources', [
      {
        Type: 'AwsIamUser',
        Id: 'arn:aws:iam::418295730164:user/ops/svc-shipment-export',
        Partition: 'aws',
      },
    ]);
    expect(detectionOf(normalizeSecurityHubAsff(event)).subject).toEqual({
      type: 'awsPrincipal',
      id: 'arn:aws:iam::418295730164:user/ops/svc-shipment-export',
      displayName: 'svc-shipment-export',
    });
  });

  it('ignores findings without an IAM identity resource, naming what they concern', () => {
    expect(
      normalizeSecurityHubAsff(fixture('securityhub', 'asff-ec2-vulnerability')),
    ).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/AwsEc2Instance/),
    });
  });

  it('ignores resolved, suppressed, archived and sample findings', () => {
    expect(
      normalizeSecurityHubAsff(fixture('securityhub', 'asff-role-session-reuse-resolved')).kind,
    ).toBe('ignored');
    const suppressed = patch(roleSessionReuse(), 'detail.findings.0.Workflow', {
      Status: 'SUPPRESSED',
    });
    expect(normalizeSecurityHubAsff(suppressed).kind).toBe('ignored');
    const archived = patch(roleSessionReuse(), 'detail.findings.0.RecordState', 'ARCHIVED');
    expect(normalizeSecurityHubAsff(archived).kind).toBe('ignored');
    const sample = patch(roleSessionReuse(), 'detail.findings.0.Sample', true);
    expect(normalizeSecurityHubAsff(sample).kind).toBe('ignored');
  });

  it('rejects an event with no finding, and a key without its principal, naming the field', () => {
    expect(
      fieldPaths(normalizeSecurityHubAsff(fixture('securityhub', 'asff-malformed-no-findings'))),
    ).toEqual(['detail.findings']);
    const nameless = remove(roleSessionReuse(), `${asffKey}.PrincipalName`);
    remove(nameless, `${asffKey}.SessionContext.SessionIssuer.UserName`);
    expect(fieldPaths(normalizeSecurityHubAsff(nameless))).toEqual([
      'detail.findings[0].Resources[0].Details.AwsIamAccessKey.PrincipalName',
    ]);
  });

  it('rejects a finding with a malformed account and creation time', () => {
    const event = patch(roleSessionReuse(), 'detail.findings.0.AwsAccountId', 'prod');
    patch(event, 'detail.findings.0.CreatedAt', 'last Tuesday');
    expect(fieldPaths(normalizeSecurityHubAsff(event)).sort()).toEqual([
      'detail.findings[0].AwsAccountId',
      'detail.findings[0].CreatedAt',
    ]);
  });
});

describe('Security Hub OCSF findings (Findings Imported V2)', () => {
  it("maps a Detection Finding about an IAM user's access key", () => {
    const result = normalizeSecurityHubOcsf(ocsfUser());
    const detection = detectionOf(result);
    expect(detection).toMatchObject({
      detectionId: 'aws.guardduty:418295730164:us-east-1:6ec6d8e2b0a94a1fb6a3f3c1e0f5b2d4',
      detectedAt: '2026-03-17T16:02:19.027Z',
      severity: 'medium',
      source: {
        vendor: 'aws',
        product: 'securityhub',
        ruleId: 'CredentialAccess:IAMUser/AnomalousBehavior',
      },
      tenant: { provider: 'aws', tenantId: '418295730164' },
      subject: { type: 'awsPrincipal', id: 'arn:aws:iam::418295730164:user/svc-shipment-export' },
      session: { sessionId: 'AKIAWJ6KQ3XRB7NDL2FE', ipAddress: '198.51.100.201' },
    });
    // no session object: MFA unknown; an AKIA key is a long-lived secret
    expect(detection.signals).toEqual({ longLivedSecretUsed: true });
    // an IAM user: a person's CLI key or automation's, the finding cannot tell
    expect(detection.subject.kind).toBeUndefined();
    expect(result.kind === 'detection' && result.sourceEventId).toMatch(/finding\/6ec6d8e2/);
  });

  it('folds the OCSF copy of a GuardDuty finding into the same detection as GuardDuty itself', () => {
    const direct = detectionOf(
      normalizeGuardDuty(fixture('guardduty', 'iam-user-anomalous-behavior')),
    );
    expect(detectionOf(normalizeSecurityHubOcsf(ocsfUser())).detectionId).toBe(direct.detectionId);
  });

  it('builds the subject from the user type and name when no ARN is given', () => {
    const event = remove(ocsfUser(), 'detail.findings.0.actor.user.uid_alt');
    patch(event, 'detail.findings.0.actor.user.type', 'AssumedRole');
    patch(event, 'detail.findings.0.actor.user.name', 'halvorsen-api-ec2-role');
    patch(event, 'detail.findings.0.actor.user.uid', 'AROAZB0KDEFPFYCM6GSWJ:i-0f42efb95a7c9b7f6');
    patch(event, 'detail.findings.0.actor.session', {
      is_mfa: false,
      issuer: 'arn:aws:iam::418295730164:role/halvorsen-api-ec2-role',
    });
    const detection = detectionOf(normalizeSecurityHubOcsf(event));
    expect(detection.subject.id).toBe(
      'arn:aws:sts::418295730164:assumed-role/halvorsen-api-ec2-role/i-0f42efb95a7c9b7f6',
    );
    expect(detection.signals).toMatchObject({ mfaSatisfied: false });
    // a session name that looks like an instance id is spelling, not identity: the finding
    // names no instance, so whose session it is stays unknown
    expect(detection.subject.kind).toBeUndefined();
    const withInstance = patch(event, 'detail.findings.0.resources.1', {
      type: 'AWS::EC2::Instance',
      uid: 'i-0f42efb95a7c9b7f6',
    });
    expect(detectionOf(normalizeSecurityHubOcsf(withInstance)).subject.kind).toBe('workload');
  });

  it.each([
    [1, 'low'],
    [2, 'low'],
    [3, 'medium'],
    [4, 'high'],
    [5, 'critical'],
    [6, 'critical'],
  ])('maps severity_id %s to %s', (id, severity) => {
    const event = patch(ocsfUser(), 'detail.findings.0.severity_id', id);
    expect(detectionOf(normalizeSecurityHubOcsf(event)).severity).toBe(severity);
  });

  it('says so in the evidence when severity_id gives no level and medium is assumed', () => {
    const detection = detectionOf(
      normalizeSecurityHubOcsf(patch(ocsfUser(), 'detail.findings.0.severity_id', 99)),
    );
    expect(detection.severity).toBe('medium');
    expect(detection.evidence).toContainEqual(
      expect.objectContaining({ type: 'severity.default', ref: 'medium' }),
    );
  });

  it('ignores compliance findings, non-identity resources and closed findings', () => {
    expect(
      normalizeSecurityHubOcsf(fixture('securityhub', 'ocsf-compliance-access-key-rotation')),
    ).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/class 2003/),
    });
    expect(
      normalizeSecurityHubOcsf(fixture('securityhub', 'ocsf-s3-bucket-detection')),
    ).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/AWS::S3::Bucket/),
    });
    expect(
      normalizeSecurityHubOcsf(patch(ocsfUser(), 'detail.findings.0.status_id', 4)),
    ).toMatchObject({
      kind: 'ignored',
      reason: 'finding status is Resolved',
    });
    expect(
      normalizeSecurityHubOcsf(patch(ocsfUser(), 'detail.findings.0.activity_id', 3)).kind,
    ).toBe('ignored');
  });

  it('rejects a finding without its uid or account, naming the field', () => {
    expect(
      fieldPaths(normalizeSecurityHubOcsf(fixture('securityhub', 'ocsf-malformed-missing-uid'))),
    ).toEqual(['detail.findings[0].finding_info.uid']);
    const accountless = remove(ocsfUser(), 'detail.findings.0.cloud');
    remove(accountless, 'detail.findings.0.resources.0.owner');
    remove(accountless, 'detail.findings.0.actor.user.account');
    expect(fieldPaths(normalizeSecurityHubOcsf(accountless))).toEqual([
      'detail.findings[0].cloud.account.uid',
    ]);
  });
});
