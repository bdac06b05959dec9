import { describe, expect, it } from 'vitest';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import type { Finding } from '../../../shared/domain/accountability.ts';
import { attribute } from '../../../shared/domain/attribution.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import type { Detection, Signals } from '../../../shared/domain/detection.ts';
import type { OwnershipMap } from '../../../shared/domain/ownership.ts';
import { detectionWith, HALVORSEN_TENANT, OTHER_TENANT, PARTNER } from './detections.ts';

const run = (detection: Detection, map: OwnershipMap = defaultOwnershipMap) =>
  attribute(detection, CONTROL_CATALOG, map);
const find = (findings: Finding[], controlId: string) => {
  const finding = findings.find((f) => f.controlId === controlId);
  if (!finding) throw new Error(`no finding for ${controlId}`);
  return finding;
};
const failed = (findings: Finding[]) => findings.filter((f) => f.status === 'failed');

/** IAM did everything right: phishing-resistant MFA, CA, binding, lifetime, compliant device. */
const IAM_CORRECT: Signals = {
  mfaSatisfied: true,
  mfaMethod: 'phishingResistant',
  conditionalAccessApplied: true,
  conditionalAccessEnforced: true,
  tokenBindingEnforced: true,
  sessionLifetimeHours: 8,
  maxSessionLifetimeHours: 12,
  abnormalTokenUseDetectedByIdp: true,
  deviceManaged: true,
  deviceCompliant: true,
  privilegedSubject: true,
  separateAdminAccount: true,
};

describe('delegated administration', () => {
  const signals: Signals = {
    partnerSessionUsed: true,
    standingPrivilege: true,
    privilegedSubject: true,
    mfaMethod: 'push',
    conditionalAccessApplied: false,
  };
  const withPartner = detectionWith(signals, {
    tenant: { provider: 'entra', tenantId: OTHER_TENANT, partner: PARTNER },
  });
  const withoutPartner = detectionWith(signals);

  it('makes the partner accountable in addition to the tenant owners', () => {
    const roles = new Set(failed(run(withPartner).findings).map((f) => f.ownerRole));
    expect(roles).toEqual(new Set(['partner', 'iam', 'application']));
    expect(find(run(withPartner).findings, 'partner.delegated-trust-boundary')).toMatchObject({
      status: 'failed',
      ownerTeam: 'Fjordline IT Services (managed service provider)',
      question: 'delegation',
    });
  });

  it('never replaces the tenant findings: they are identical with or without the partner', () => {
    const tenantSide = run(withPartner).findings.filter((f) => f.ownerRole !== 'partner');
    expect(tenantSide).toEqual(run(withoutPartner).findings);
  });

  it('lists partner controls only when the detection names a partner', () => {
    expect(run(withoutPartner).findings.some((f) => f.ownerRole === 'partner')).toBe(false);
    const partnerIds = run(withPartner)
      .findings.filter((f) => f.ownerRole === 'partner')
      .map((f) => f.controlId);
    expect(partnerIds).toEqual(
      CONTROL_CATALOG.filter((c) => c.ownerRole === 'partner').map((c) => c.id),
    );
  });

  it('routes a partner the map does not know to the unknown-partner owner', () => {
    const stranger = detectionWith(signals, {
      tenant: {
        provider: 'entra',
        tenantId: OTHER_TENANT,
        partner: { name: 'Unlisted MSP', relationship: 'msp' },
      },
    });
    const finding = find(run(stranger).findings, 'partner.delegated-trust-boundary');
    expect(finding.ownerTeam).toBe(defaultOwnershipMap.unknownPartner.team);
    expect(finding.reason).toContain('Unlisted MSP');
  });

  it('holds the partner trust boundary when the partner relationship exists but was not used', () => {
    const unused = detectionWith(
      { partnerSessionUsed: false },
      { tenant: { provider: 'entra', tenantId: OTHER_TENANT, partner: PARTNER } },
    );
    expect(find(run(unused).findings, 'partner.delegated-trust-boundary').status).toBe('held');
  });
});

describe('application allowed tenant-level admin actions without step-up', () => {
  const detection = detectionWith(
    { ...IAM_CORRECT, adminActionPerformed: true, stepUpRequired: false, stepUpPerformed: false },
    {
      session: { refreshTokenAgeHours: 2 },
      subject: { type: 'user', id: '1b688927-349c-4622-845d-03aefbc01f62', kind: 'person' },
    },
  );
  const { findings } = run(detection);

  it('holds every IAM control because IAM issued the session correctly', () => {
    const iam = findings.filter((f) => f.ownerRole === 'iam');
    expect(iam.length).toBeGreaterThan(0);
    expect(iam.map((f) => [f.controlId, f.status])).toEqual(iam.map((f) => [f.controlId, 'held']));
  });

  it('still makes the application owner accountable for the missing step-up', () => {
    expect(find(findings, 'application.admin-step-up')).toMatchObject({
      status: 'failed',
      ownerRole: 'application',
      ownerTeam: 'Application Security',
      question: 'tenant-admin',
    });
    expect(find(findings, 'application.admin-step-up').evidence).toEqual(
      expect.arrayContaining(['adminActionPerformed=true', 'stepUpPerformed=false']),
    );
  });
});

describe('a human-stolen session that exposed workload credentials', () => {
  const detection = detectionWith(
    { nhiCredentialExposedInteractively: true },
    {
      subject: { type: 'user', id: 'b3f6a9d2-7e41-4c85-9d0b-1a8e6c4f2d97' },
      evidence: [
        { type: 'secretAccess', ref: 'kv/secrets/dispatch-api' },
        { type: 'edrAlert', ref: 'unrelated-alert' },
      ],
    },
  );
  const finding = find(run(detection).findings, 'application.workload-credential-exposure');

  it('is a non-human identity failure owned by the application owner', () => {
    expect(finding).toMatchObject({
      status: 'failed',
      question: 'non-human',
      ownerRole: 'application',
      ownerTeam: 'Application Security',
    });
    expect(finding.frameworks).toEqual(expect.arrayContaining(['OWASP NHI2:2025']));
  });

  it('cites the signal and only the evidence refs relevant to workload credentials', () => {
    expect(finding.evidence).toEqual([
      'nhiCredentialExposedInteractively=true',
      'secretAccess:kv/secrets/dispatch-api',
    ]);
  });
});

describe('stolen browser context reused across services', () => {
  const detection = detectionWith(
    { sharedAdminSession: true, legacySso: true, maxSessionLifetimeHours: 168 },
    {
      session: { refreshTokenAgeHours: 997 },
      tenant: { provider: 'entra', tenantId: HALVORSEN_TENANT },
    },
  );
  const { findings } = run(detection);

  it.each([
    ['application.shared-admin-sessions', 'application', 'Freight Platform Engineering'],
    ['application.legacy-sso', 'application', 'Freight Platform Engineering'],
    ['iam.refresh-token-lifetime', 'iam', 'Identity Platform'],
  ])('fails %s and holds its owner (%s: %s) accountable', (controlId, role, team) => {
    expect(find(findings, controlId)).toMatchObject({
      status: 'failed',
      ownerRole: role,
      ownerTeam: team,
    });
  });

  it('says in the reason which signals decided it', () => {
    expect(find(findings, 'iam.refresh-token-lifetime').reason).toBe(
      'A refresh token older than the session limit was still accepted, so a stolen browser context stayed reusable across services (session.refreshTokenAgeHours=997, maxSessionLifetimeHours=168).',
    );
  });
});

describe('report shape and ownership', () => {
  it('emits exactly the contract finding fields, in owner-role then catalog order', () => {
    const report = run(
      detectionWith(
        { legacySso: true },
        { tenant: { provider: 'entra', tenantId: OTHER_TENANT, partner: PARTNER } },
      ),
    );
    expect(Object.keys(report)).toEqual(['detectionId', 'findings']);
    expect(report.detectionId).toBe('test-detection-1');
    for (const finding of report.findings) {
      expect(Object.keys(finding).sort()).toEqual([
        'controlId',
        'evidence',
        'frameworks',
        'ownerRole',
        'ownerTeam',
        'question',
        'reason',
        'status',
      ]);
    }
    const roles = report.findings.map((f) => f.ownerRole);
    expect(roles).toEqual([...roles].sort((a, b) => order(a) - order(b)));
    expect(report.findings.map((f) => f.controlId)).toEqual(CONTROL_CATALOG.map((c) => c.id));
  });

  it('uses the tenant override for the tenant that has one and the defaults elsewhere', () => {
    const signals: Signals = { legacySso: true };
    const overridden = run(
      detectionWith(signals, { tenant: { provider: 'entra', tenantId: HALVORSEN_TENANT } }),
    );
    const plain = run(detectionWith(signals));
    expect(find(overridden.findings, 'application.legacy-sso').ownerTeam).toBe(
      'Freight Platform Engineering',
    );
    expect(find(plain.findings, 'application.legacy-sso').ownerTeam).toBe('Application Security');
    expect(find(overridden.findings, 'iam.token-binding').ownerTeam).toBe('Identity Platform');
  });

  it('judges nothing failed when the detection carries no signals', () => {
    const { findings } = run(detectionWith({}));
    expect(findings.every((f) => f.status === 'undetermined')).toBe(true);
  });

  it('does not modify its inputs', () => {
    const detection = deepFreeze(detectionWith({ mfaMethod: 'sms' }));
    const map = deepFreeze(structuredClone(defaultOwnershipMap));
    expect(() => attribute(detection, deepFreeze([...CONTROL_CATALOG]), map)).not.toThrow();
  });
});

function order(role: string): number {
  return ['iam', 'endpoint', 'application', 'partner'].indexOf(role);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
