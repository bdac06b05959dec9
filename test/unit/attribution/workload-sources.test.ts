import { describe, expect, it } from 'vitest';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import { attribute } from '../../../shared/domain/attribution.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import type { SubjectKind } from '../../../shared/domain/detection.ts';
import { normalizeEvent } from '../../../shared/sources/normalize.ts';
import { detectionOf, type FixtureSource, fixture } from '../sources/fixtures.ts';

const PEOPLE_ONLY = new Set(
  CONTROL_CATALOG.filter((c) => c.appliesTo === 'people').map((c) => c.id),
);
const WORKLOAD_ONLY = new Set(
  CONTROL_CATALOG.filter((c) => c.appliesTo === 'workloads').map((c) => c.id),
);

/** Source events end to end: normalized, then attributed with the shipped catalog. */
const CASES: [FixtureSource, string, SubjectKind | undefined, string[], string[]][] = [
  // [source, fixture, kind, failed controls, held controls]
  [
    'guardduty',
    'instance-credential-exfiltration-outside-aws',
    'workload',
    ['application.workload-network-perimeter'],
    ['iam.workload-short-lived-credentials'],
  ],
  [
    'guardduty',
    'instance-credential-exfiltration-inside-aws',
    'workload',
    ['application.workload-network-perimeter'],
    ['iam.workload-short-lived-credentials'],
  ],
  [
    'securityhub',
    'asff-guardduty-instance-credential-exfiltration',
    'workload',
    ['application.workload-network-perimeter'],
    ['iam.workload-short-lived-credentials'],
  ],
  // The CI role's STS MFA flag is false, but MFA is no question for a machine role.
  [
    'securityhub',
    'ocsf-ci-web-identity-session',
    'workload',
    [],
    ['iam.workload-short-lived-credentials'],
  ],
  // An Identity Center session is a person's: no workload control, MFA left to the identity source.
  ['securityhub', 'asff-role-session-reuse', 'person', [], []],
  // An IAM user's key: person or automation cannot be told, so everything is judged.
  [
    'guardduty',
    'iam-user-anomalous-behavior',
    undefined,
    ['iam.workload-short-lived-credentials'],
    [],
  ],
  // An Entra service principal signed in with its client secret.
  [
    'entra',
    'service-principal-risk-with-signin',
    'workload',
    ['iam.workload-short-lived-credentials'],
    [],
  ],
  // Without the sign-in the credential it used is unknown: nothing fails, nothing for people.
  ['entra', 'service-principal-leaked-credentials', 'workload', [], []],
  // An interactive Entra sign-in is a person's: no workload control is judged.
  [
    'entra',
    'report-only-risk-policy-password-only',
    'person',
    [
      'iam.phishing-resistant-mfa',
      'iam.conditional-access',
      'iam.compliant-device-required',
      'iam.token-binding',
    ],
    ['endpoint.device-posture'],
  ],
];

describe('attribution of workload and cloud sessions from source events', () => {
  it.each(CASES)('%s/%s', (source, name, kind, failed, held) => {
    const detection = detectionOf(normalizeEvent(fixture(source, name)));
    expect(detection.subject.kind).toBe(kind);
    const { findings } = attribute(detection, CONTROL_CATALOG, defaultOwnershipMap);
    const status = new Map(findings.map((f) => [f.controlId, f.status]));
    expect(findings.filter((f) => f.status === 'failed').map((f) => f.controlId)).toEqual(failed);
    for (const id of held) expect(status.get(id), id).toBe('held');
    for (const f of findings) {
      if (kind === 'workload') expect(PEOPLE_ONLY.has(f.controlId), f.controlId).toBe(false);
      if (kind === 'person') expect(WORKLOAD_ONLY.has(f.controlId), f.controlId).toBe(false);
    }
    for (const f of findings.filter((x) => x.status === 'failed')) {
      // each failed finding names the signals and source evidence it used
      expect(f.evidence.length, f.controlId).toBeGreaterThan(0);
      expect(f.ownerTeam, f.controlId).not.toBe('');
    }
  });

  it('cites the GuardDuty finding, the source IP and the remote account for the perimeter failure', () => {
    const detection = detectionOf(
      normalizeEvent(fixture('guardduty', 'instance-credential-exfiltration-inside-aws')),
    );
    const perimeter = attribute(detection, CONTROL_CATALOG, defaultOwnershipMap).findings.find(
      (f) => f.controlId === 'application.workload-network-perimeter',
    );
    expect(perimeter).toMatchObject({ ownerRole: 'application', question: 'non-human' });
    expect(perimeter?.evidence).toEqual([
      'sessionUsedOutsidePerimeter=true',
      expect.stringMatching(/^aws\.guardduty\.finding:arn:aws:guardduty:.*8ec6a1f3/),
      'aws.ec2.instance:i-0f42efb95a7c9b7f6',
      'aws.remoteAccount:730218465901',
      'network.sourceIp:192.0.2.18',
    ]);
    expect(perimeter?.frameworks).toContain('OWASP NHI2:2025');
  });

  it("cites the service principal's risk detection and the client secret it signed in with", () => {
    const detection = detectionOf(
      normalizeEvent(fixture('entra', 'service-principal-risk-with-signin')),
    );
    const credential = attribute(detection, CONTROL_CATALOG, defaultOwnershipMap).findings.find(
      (f) => f.controlId === 'iam.workload-short-lived-credentials',
    );
    expect(credential).toMatchObject({ status: 'failed', ownerRole: 'iam', question: 'non-human' });
    expect(credential?.evidence).toEqual([
      'longLivedSecretUsed=true',
      'entra.servicePrincipalRiskDetection:5d8f2b6e1a9c4e7f3b0d6a2c8e4f1b7d9a3c5e0f2b4d6a8c1e3f5b7d9a0c2e4f',
      'entra.servicePrincipalCredential:9c1e3a5b-7d9f-4b1d-8f3a-5c7e9b1d3f5a',
    ]);
  });

  it('fails conditional access on the report-only risk policy it cites, though a session control applied', () => {
    const detection = detectionOf(
      normalizeEvent(fixture('entra', 'report-only-risk-policy-password-only')),
    );
    expect(detection.signals).toMatchObject({
      conditionalAccessApplied: true,
      conditionalAccessEnforced: false,
      mfaSatisfied: false,
    });
    const ca = attribute(detection, CONTROL_CATALOG, defaultOwnershipMap).findings.find(
      (f) => f.controlId === 'iam.conditional-access',
    );
    expect(ca?.evidence).toContain(
      'entra.conditionalAccessPolicy:6b2e9d41-7c3a-4f5e-8d10-3a5c7e9b1d24',
    );
  });
});
