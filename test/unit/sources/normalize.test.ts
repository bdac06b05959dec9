import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectionSchema } from '../../../shared/domain/detection.ts';
import { normalizeEvent } from '../../../shared/sources/normalize.ts';
import { canonicalJson, rawSha256 } from '../../../shared/sources/raw.ts';
import { detectionOf, type FixtureSource, fieldPaths, fixture, patch } from './fixtures.ts';

const issuers = [
  {
    issuer: 'https://idp.halvorsenfreight.example/',
    provider: 'okta' as const,
    tenantId: 'halvorsen-freight',
    vendor: 'okta',
  },
];
const context = {
  decodedSetIssuers: issuers,
  entraTenantId: '395979b2-3921-4e47-adf8-f76fc76c27fc',
};

/** What each fixture must normalize to; a new fixture without an entry fails the table test. */
const EXPECTED: Record<string, 'detection' | 'ignored' | 'invalid'> = {
  'native/stolen-admin-session': 'detection',
  'native/eventbridge-session-compromise': 'detection',
  'native/malformed-subject-and-severity': 'invalid',
  'guardduty/instance-credential-exfiltration-outside-aws': 'detection',
  'guardduty/instance-credential-exfiltration-inside-aws': 'detection',
  'guardduty/iam-user-anomalous-behavior': 'detection',
  'guardduty/ec2-cryptocurrency-dns': 'ignored',
  'guardduty/policy-root-credential-usage': 'ignored',
  'guardduty/malformed-missing-user-name': 'invalid',
  'securityhub/asff-role-session-reuse': 'detection',
  'securityhub/asff-guardduty-instance-credential-exfiltration': 'detection',
  'securityhub/asff-role-session-reuse-resolved': 'ignored',
  'securityhub/asff-ec2-vulnerability': 'ignored',
  'securityhub/asff-malformed-no-findings': 'invalid',
  'securityhub/ocsf-iam-user-anomalous-behavior': 'detection',
  'securityhub/ocsf-ci-web-identity-session': 'detection',
  'securityhub/ocsf-s3-bucket-detection': 'ignored',
  'securityhub/ocsf-compliance-access-key-rotation': 'ignored',
  'securityhub/ocsf-malformed-missing-uid': 'invalid',
  'okta/session-context-change': 'detection',
  'okta/user-risk-detect': 'detection',
  'okta/detect-client-roaming': 'detection',
  'okta/user-risk-detect-decreased': 'ignored',
  'okta/user-authentication-sso': 'ignored',
  'okta/malformed-missing-uuid': 'invalid',
  'entra/anomalous-token-with-signin': 'detection',
  'entra/report-only-risk-policy-password-only': 'detection',
  'entra/eventbridge-anomalous-token': 'detection',
  'entra/attacker-in-the-middle': 'detection',
  'entra/riskdetection-anomalous-token': 'detection', // bare Graph entity, tenant from context
  'entra/signin-push-mfa-unmanaged-device': 'invalid', // a sign-in alone is not a detection
  'entra/anomalous-token-dismissed': 'ignored',
  'entra/malformed-mismatched-signin': 'invalid',
  'entra/service-principal-risk-with-signin': 'detection',
  'entra/service-principal-leaked-credentials': 'detection', // no sign-in: credential unknown
  'caep/session-revoked.jwt': 'detection',
  'caep/risc-credential-compromise.jwt': 'detection',
  'caep/risk-level-change.jwt': 'detection',
  'caep/device-compliance-change-device-only.jwt': 'ignored',
  'caep/ssf-verification.jwt': 'ignored',
  'caep/malformed-two-events.jwt': 'invalid',
};

const SOURCES: FixtureSource[] = ['native', 'guardduty', 'securityhub', 'okta', 'entra', 'caep'];
const fixtureNames = SOURCES.flatMap((source) =>
  readdirSync(fileURLToPath(new URL(`../../fixtures/${source}/`, import.meta.url)))
    .filter((f) => f.endsWith('.json'))
    .map((f) => `${source}/${f.replace(/\.json$/, '')}`),
);

describe('normalizeEvent', () => {
  it.each(fixtureNames)('normalizes fixture %s to what it is', (name) => {
    const [source, variant] = name.split('/') as [FixtureSource, string];
    const result = normalizeEvent(fixture(source, variant), context);
    expect(EXPECTED[name], `add ${name} to EXPECTED`).toBeDefined();
    expect(result.kind, result.kind === 'invalid' ? result.error.message : '').toBe(EXPECTED[name]);
    expect(result.rawSha256).toMatch(/^[0-9a-f]{64}$/);
    if (result.kind === 'detection') {
      expect(detectionSchema.safeParse(result.detection).success).toBe(true);
      expect(result.sourceEventId.length).toBeGreaterThan(0);
    }
    if (result.kind === 'ignored') expect(result.reason.length).toBeGreaterThan(10);
    if (result.kind === 'invalid') expect(result.error.issues.length).toBeGreaterThan(0);
  });

  it('routes each EventBridge source to its own normalizer', () => {
    const products = [
      ['guardduty', 'instance-credential-exfiltration-outside-aws', 'guardduty'],
      ['securityhub', 'asff-role-session-reuse', 'securityhub'],
      ['securityhub', 'ocsf-iam-user-anomalous-behavior', 'securityhub'],
      ['okta', 'session-context-change', 'identity-threat-protection'],
      ['entra', 'eventbridge-anomalous-token', 'entra-id-protection'],
      ['native', 'eventbridge-session-compromise', 'soar-playbook'],
    ] as const;
    for (const [source, variant, product] of products) {
      expect(detectionOf(normalizeEvent(fixture(source, variant))).source.product).toBe(product);
    }
  });

  it('accepts an analyst-forwarded Security Hub custom action like an imported finding', () => {
    const event = patch(
      fixture('securityhub', 'asff-role-session-reuse'),
      'detail-type',
      'Security Hub Findings - Custom Action',
    );
    expect(normalizeEvent(event).kind).toBe('detection');
  });

  it('refuses an EventBridge event it has no normalizer for, naming detail-type and what is accepted', () => {
    const event = patch(
      fixture('guardduty', 'ec2-cryptocurrency-dns'),
      'detail-type',
      'GuardDuty Runtime Alert',
    );
    const result = normalizeEvent(event);
    expect(fieldPaths(result)).toEqual(['detail-type']);
    expect(result.kind === 'invalid' && result.error.message).toMatch(
      /no normalizer for source 'aws.guardduty'.*accepted: /,
    );
  });

  it('refuses what is not an event at all, saying what is accepted', () => {
    for (const input of [null, 42, [], 'hello', { hello: 'world' }]) {
      const result = normalizeEvent(input);
      expect(result.kind).toBe('invalid');
      expect(result.kind === 'invalid' && result.error.message).toMatch(
        /unrecognised format.*native detection/,
      );
    }
  });

  it('points a compact JWS and a decoded SET to the SSF push endpoint unless decoded SETs are allowed', () => {
    const jws = normalizeEvent('eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln');
    expect(jws.kind === 'invalid' && jws.error.message).toMatch(/POST \/v1\/ssf\/events/);
    const decoded = normalizeEvent(fixture('caep', 'session-revoked.jwt'));
    expect(decoded.kind === 'invalid' && decoded.error.message).toMatch(/POST \/v1\/ssf\/events/);
  });

  it('applies the trusted native sources it is given', () => {
    const event = fixture('native', 'eventbridge-session-compromise');
    expect(normalizeEvent(event, { trustedNativeSources: ['halvorsen.soar'] }).kind).toBe(
      'detection',
    );
    expect(fieldPaths(normalizeEvent(event, { trustedNativeSources: ['other'] }))).toEqual([
      'source',
    ]);
  });
});

describe('raw payload fingerprint', () => {
  it('is independent of key order but not of array order or values', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
    expect(rawSha256({ a: 1, b: 2 })).toBe(rawSha256({ b: 2, a: 1 }));
    expect(rawSha256({ a: [1, 2] })).not.toBe(rawSha256({ a: [2, 1] }));
    expect(rawSha256({ a: 1 })).not.toBe(rawSha256({ a: 2 }));
  });

  it('hashes a compact JWS as sent', () => {
    expect(rawSha256('a.b.c')).toBe(createHash('sha256').update('a.b.c').digest('hex'));
    expect(rawSha256('a.b.c')).not.toBe(rawSha256('"a.b.c"'));
  });
});
