import { describe, expect, it } from 'vitest';
import { normalizeGuardDuty } from '../../../shared/sources/guardduty.ts';
import { detectionOf, fieldPaths, fixture, patch, remove } from './fixtures.ts';

const exfiltration = () => fixture('guardduty', 'instance-credential-exfiltration-outside-aws');

describe('GuardDuty findings', () => {
  it('maps an instance-role credential exfiltration to the assumed-role session it concerns', () => {
    const result = normalizeGuardDuty(exfiltration());
    const detection = detectionOf(result);

    expect(detection.detectionId).toBe(
      'aws.guardduty:418295730164:us-east-1:30a6674d67973023f3ba5b6c760b9833',
    );
    expect(detection.detectedAt).toBe('2026-03-17T15:11:42.518Z');
    expect(detection.severity).toBe('high'); // 8.0 is in GuardDuty's High band
    expect(detection.source).toMatchObject({
      vendor: 'aws',
      product: 'guardduty',
      ruleId: 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
    });
    expect(detection.tenant).toEqual({ provider: 'aws', tenantId: '418295730164' });
    expect(detection.subject).toEqual({
      type: 'awsPrincipal',
      id: 'arn:aws:sts::418295730164:assumed-role/halvorsen-api-ec2-role/i-0f42efb95a7c9b7f6',
      displayName: 'halvorsen-api-ec2-role/i-0f42efb95a7c9b7f6',
      kind: 'workload', // the session EC2 issued to the instance the finding names
    });
    expect(detection.session).toEqual({
      sessionId: 'ASIATDHBDZHX1E8H7KAP',
      ipAddress: '203.0.113.77',
    });
    expect(detection.evidence).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          type: 'aws.guardduty.finding',
          ref: expect.stringContaining('/finding/30a6674d'),
        }),
        { type: 'aws.accessKeyId', ref: 'ASIATDHBDZHX1E8H7KAP' },
        { type: 'aws.ec2.instance', ref: 'i-0f42efb95a7c9b7f6' },
        expect.objectContaining({ type: 'aws.apiCall', ref: 's3.amazonaws.com:ListBuckets' }),
        expect.objectContaining({
          type: 'network.sourceIp',
          description: expect.stringContaining('AS64501'),
        }),
      ]),
    );
    expect(result.kind === 'detection' && result.sourceEventId).toBe(
      '30a6674d67973023f3ba5b6c760b9833',
    );
  });

  it('says only what the finding shows: used outside the perimeter, on a temporary credential', () => {
    const detection = detectionOf(normalizeGuardDuty(exfiltration()));
    // nothing of MFA, devices or policies
    expect(detection.signals).toEqual({
      sessionUsedOutsidePerimeter: true,
      longLivedSecretUsed: false,
    });
  });

  it('maps an IAM user finding to the user ARN with its long-term key and a medium severity', () => {
    const detection = detectionOf(
      normalizeGuardDuty(fixture('guardduty', 'iam-user-anomalous-behavior')),
    );
    expect(detection.subject.id).toBe('arn:aws:iam::418295730164:user/svc-shipment-export');
    expect(detection.session?.sessionId).toBe('AKIAWJ6KQ3XRB7NDL2FE');
    expect(detection.severity).toBe('medium');
    expect(detection.source.ruleId).toBe('CredentialAccess:IAMUser/AnomalousBehavior');
  });

  it.each([
    [1.0, 'low'],
    [3.9, 'low'],
    [4.0, 'medium'],
    [6.9, 'medium'],
    [7.0, 'high'],
    [8.9, 'high'],
    [9.0, 'critical'],
    [10, 'critical'],
  ])('maps severity %s to %s', (score, severity) => {
    const event = patch(exfiltration(), 'detail.severity', score);
    expect(detectionOf(normalizeGuardDuty(event)).severity).toBe(severity);
  });

  it('gives the same detection id to every update of one finding (GuardDuty re-publishes it)', () => {
    const update = patch(exfiltration(), 'detail.service.count', 42);
    patch(update, 'detail.updatedAt', '2026-03-17T21:11:42.518Z');
    const a = normalizeGuardDuty(exfiltration());
    const b = normalizeGuardDuty(update);
    expect(detectionOf(a).detectionId).toBe(detectionOf(b).detectionId);
    expect(a.rawSha256).not.toBe(b.rawSha256);
  });

  it('ignores findings about EC2 instances and other non-credential resources', () => {
    const result = normalizeGuardDuty(fixture('guardduty', 'ec2-cryptocurrency-dns'));
    expect(result).toMatchObject({
      kind: 'ignored',
      sourceEventId: 'b2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f0',
    });
    expect(result.kind === 'ignored' && result.reason).toMatch(
      /Instance resource, not IAM credentials/,
    );
  });

  it('ignores Policy findings (a practice, not a compromise)', () => {
    const result = normalizeGuardDuty(fixture('guardduty', 'policy-root-credential-usage'));
    expect(result.kind).toBe('ignored');
    expect(result.kind === 'ignored' && result.reason).toMatch(/policy practice/);
  });

  it('ignores archived and sample findings', () => {
    const archived = patch(exfiltration(), 'detail.service.archived', true);
    expect(normalizeGuardDuty(archived)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/archived/),
    });

    const sample = patch(exfiltration(), 'detail.service.additionalInfo', {
      value: '{}',
      type: 'default',
      sample: true,
    });
    expect(normalizeGuardDuty(sample)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/sample/),
    });
  });

  it('ignores AWS service principals, which have no session to contain', () => {
    const event = patch(exfiltration(), 'detail.resource.accessKeyDetails.userType', 'AWSService');
    expect(normalizeGuardDuty(event)).toMatchObject({
      kind: 'ignored',
      reason: expect.stringMatching(/AWSService/),
    });
  });

  it('rejects an AccessKey finding without the principal, naming the field', () => {
    const result = normalizeGuardDuty(fixture('guardduty', 'malformed-missing-user-name'));
    expect(fieldPaths(result)).toEqual(['detail.resource.accessKeyDetails.userName']);
  });

  it('rejects a malformed finding, naming each field', () => {
    const event = patch(exfiltration(), 'detail.accountId', '4182');
    patch(event, 'detail.severity', 'HIGH');
    remove(event, 'detail.createdAt');
    const result = normalizeGuardDuty(event);
    expect(fieldPaths(result).sort()).toEqual([
      'detail.accountId',
      'detail.createdAt',
      'detail.severity',
    ]);
    expect(result.kind === 'invalid' && result.error.message).toMatch(
      /^invalid GuardDuty finding: /,
    );
  });
});
