import { describe, expect, it } from 'vitest';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import type { ControlStatus } from '../../../shared/domain/accountability.ts';
import { attribute } from '../../../shared/domain/attribution.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import { parseDetection } from '../../../shared/domain/detection.ts';
import { exampleNames, readExample } from './detections.ts';

/** What each example must come out as: failed and undetermined listed, every other control held. */
const EXPECTED: Record<string, { failed: string[]; undetermined: string[]; partner?: boolean }> = {
  'aitm-phished-admin.json': {
    failed: [
      'iam.session-lifetime',
      'iam.phishing-resistant-mfa',
      'iam.compliant-device-required',
      'iam.token-binding',
      'iam.privileged-identity-separation',
      'endpoint.phishing-protection',
      'application.session-validation',
      'application.admin-step-up',
      'application.standing-privilege',
    ],
    undetermined: [],
  },
  'infostealer-managed-device.json': {
    failed: [
      'iam.token-binding',
      'iam.abnormal-token-detection',
      'endpoint.infostealer-resistance',
      'endpoint.browser-hardening',
      'endpoint.credential-theft-detection',
      'application.session-validation',
    ],
    undetermined: [],
  },
  'partner-session.json': {
    partner: true,
    failed: [
      'iam.phishing-resistant-mfa',
      'iam.conditional-access',
      'iam.token-binding',
      'application.admin-step-up',
      'application.standing-privilege',
      'partner.delegated-trust-boundary',
      'partner.delegated-least-privilege',
      'partner.technician-mfa',
    ],
    undetermined: [
      'iam.session-lifetime',
      'iam.refresh-token-lifetime',
      'iam.compliant-device-required',
      'iam.abnormal-token-detection',
      'endpoint.device-posture',
      'endpoint.infostealer-resistance',
      'endpoint.browser-hardening',
      'endpoint.phishing-protection',
      'endpoint.credential-theft-detection',
      'application.session-validation',
      'application.legacy-sso',
    ],
  },
  'fully-controlled-tenant.json': { failed: [], undetermined: [] },
  'workload-credential-exposed.json': {
    failed: [
      'iam.phishing-resistant-mfa',
      'application.session-validation',
      'application.workload-credential-exposure',
    ],
    undetermined: [
      'iam.session-lifetime',
      'iam.refresh-token-lifetime',
      'iam.compliant-device-required',
      'iam.token-binding',
      'iam.abnormal-token-detection',
      'endpoint.device-posture',
      'endpoint.infostealer-resistance',
      'endpoint.browser-hardening',
      'endpoint.phishing-protection',
      'endpoint.credential-theft-detection',
      'application.legacy-sso',
      'application.admin-step-up',
      'application.shared-admin-sessions',
    ],
  },
  'shared-admin-legacy-sso.json': {
    failed: [
      'iam.session-lifetime',
      'iam.refresh-token-lifetime',
      'iam.phishing-resistant-mfa',
      'application.session-validation',
      'application.legacy-sso',
      'application.admin-step-up',
      'application.shared-admin-sessions',
    ],
    undetermined: [
      'iam.conditional-access',
      'iam.compliant-device-required',
      'iam.token-binding',
      'iam.privileged-identity-separation',
      'endpoint.device-posture',
      'endpoint.infostealer-resistance',
      'endpoint.browser-hardening',
      'endpoint.phishing-protection',
      'endpoint.credential-theft-detection',
      'application.standing-privilege',
      'application.workload-credential-exposure',
    ],
  },
  'app-admin-without-step-up.json': {
    failed: ['application.admin-step-up'],
    undetermined: [
      'endpoint.infostealer-resistance',
      'endpoint.browser-hardening',
      'endpoint.phishing-protection',
      'endpoint.credential-theft-detection',
      'application.legacy-sso',
      'application.shared-admin-sessions',
      'application.workload-credential-exposure',
    ],
  },
};

describe('examples', () => {
  it('has an expectation for every example file, and at least the five required stories', () => {
    expect(exampleNames()).toEqual(Object.keys(EXPECTED).sort());
    expect(exampleNames().length).toBeGreaterThanOrEqual(5);
  });

  it.each(Object.entries(EXPECTED))('%s comes out with the expected statuses', (name, expected) => {
    const parsed = parseDetection(readExample(name));
    if (!parsed.ok) throw parsed.error;
    const { findings } = attribute(parsed.value, CONTROL_CATALOG, defaultOwnershipMap);

    // Every example is about a person: workload controls are left out.
    const applicable = CONTROL_CATALOG.filter(
      (c) => (expected.partner || c.ownerRole !== 'partner') && c.appliesTo !== 'workloads',
    );
    const want = new Map<string, ControlStatus>(applicable.map((c) => [c.id, 'held']));
    for (const id of expected.failed) want.set(id, 'failed');
    for (const id of expected.undetermined) want.set(id, 'undetermined');

    expect(new Map(findings.map((f) => [f.controlId, f.status]))).toEqual(want);
  });

  it('tells the AiTM story about maria.keller, the subject the simulated tenant knows', () => {
    const example = readExample('aitm-phished-admin.json') as { subject: unknown };
    expect(example.subject).toMatchObject({
      id: '1b688927-349c-4622-845d-03aefbc01f62',
      userPrincipalName: 'maria.keller@halvorsenfreight.example',
    });
  });

  it('uses the Halvorsen Freight Entra tenant in every Entra example', () => {
    for (const name of exampleNames()) {
      const example = readExample(name) as { tenant: { provider: string; tenantId: string } };
      if (example.tenant.provider === 'entra') {
        expect(example.tenant.tenantId, name).toBe('395979b2-3921-4e47-adf8-f76fc76c27fc');
      }
    }
  });
});
