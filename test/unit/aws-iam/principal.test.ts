import { describe, expect, it } from 'vitest';
import {
  cutoffFor,
  legacyDenyPolicyName,
  readDenyCutoff,
} from '../../../shared/adapters/aws-iam/policy.ts';
import { parseAwsPrincipal } from '../../../shared/adapters/aws-iam/principal.ts';

describe('AWS principal ARNs', () => {
  it.each([
    [
      'arn:aws:sts::418295730164:assumed-role/halvorsen-api-ec2-role/i-0f42efb95a7c9b7f6',
      { kind: 'role', roleName: 'halvorsen-api-ec2-role', sessionName: 'i-0f42efb95a7c9b7f6' },
    ],
    [
      'arn:aws:iam::418295730164:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PowerUserAccess_7c1d2e9f0a3b4c5d',
      { kind: 'role', roleName: 'AWSReservedSSO_PowerUserAccess_7c1d2e9f0a3b4c5d' },
    ],
    [
      'arn:aws:iam::418295730164:user/ops/svc-shipment-export',
      { kind: 'user', userName: 'svc-shipment-export' },
    ],
    [
      'arn:aws-us-gov:iam::418295730164:user/alice',
      { kind: 'user', partition: 'aws-us-gov', userName: 'alice' },
    ],
    ['arn:aws:iam::418295730164:root', { kind: 'root' }],
    ['arn:aws:sts::418295730164:federated-user/bob', { kind: 'federatedUser', name: 'bob' }],
  ])('parses %s', (arn, expected) => {
    expect(parseAwsPrincipal(arn)).toMatchObject({ accountId: '418295730164', ...expected });
  });

  it.each([
    '1b688927-349c-4622-845d-03aefbc01f62',
    'arn:aws:s3:::halvorsen-exports',
    'arn:aws:iam::4182:user/alice',
    'arn:aws:sts::418295730164:assumed-role/only-role',
  ])('does not take %s for a principal', (arn) => {
    expect(parseAwsPrincipal(arn)).toBeUndefined();
  });
});

describe('deny-older-sessions policy', () => {
  it('names the policy after the incident, within IAM naming rules', () => {
    expect(legacyDenyPolicyName('inc-3f9a1c0e5b7d4e2a8c6f0b1d')).toBe(
      'RevokeOlderSessions-inc-3f9a1c0e5b7d4e2a8c6f0b1d',
    );
    expect(legacyDenyPolicyName('weird id/with:chars')).toBe(
      'RevokeOlderSessions-weird-id-with-chars',
    );
    expect(legacyDenyPolicyName('x'.repeat(300))).toHaveLength(128);
  });

  it('rounds the cut-off up to the next whole second', () => {
    expect(cutoffFor(new Date('2026-03-17T15:12:07.001Z'))).toBe('2026-03-17T15:12:08Z');
    expect(cutoffFor(new Date('2026-03-17T15:12:07.000Z'))).toBe('2026-03-17T15:12:07Z');
  });

  it('reads only a deny-all conditioned on the token issue time', () => {
    const doc = (statement: unknown) =>
      encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: statement }));
    const condition = { DateLessThan: { 'aws:TokenIssueTime': '2026-03-17T15:12:08Z' } };
    expect(
      readDenyCutoff(doc([{ Effect: 'Deny', Action: '*', Resource: '*', Condition: condition }])),
    ).toBe('2026-03-17T15:12:08Z');
    expect(
      readDenyCutoff(
        doc([{ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: condition }]),
      ),
    ).toBeUndefined();
    expect(readDenyCutoff(doc([{ Effect: 'Deny', Action: '*', Resource: '*' }]))).toBeUndefined();
    expect(readDenyCutoff('%E0%A4%A')).toBeUndefined();
  });
});
