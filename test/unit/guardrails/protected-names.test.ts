import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Detection, parseDetection } from '../../../shared/domain/detection.ts';
import {
  type ContainmentPolicy,
  type ProtectedIdentityNames,
  parseContainmentPolicy,
  planContainment,
} from '../../../shared/domain/guardrails.ts';

const root = join(import.meta.dirname, '../../..');
const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const BREAK_GLASS = '0b7a9c2e-5d1f-4e3a-9c6b-8f2d1e0a7b51';

function policy(entries: ContainmentPolicy['protectedIdentities']): ContainmentPolicy {
  const base = JSON.parse(
    readFileSync(join(root, 'shared/config/containment-policy.default.json'), 'utf8'),
  );
  const parsed = parseContainmentPolicy({ ...base, protectedIdentities: entries });
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

/** A critical detection for `subject`, canonicalized the way every normalizer does it. */
function detectionFor(subject: Partial<Detection['subject']>, tenantId = TENANT): Detection {
  const parsed = parseDetection({
    schemaVersion: '1',
    detectionId: 'd-1',
    detectedAt: '2026-03-17T09:42:11Z',
    severity: 'critical',
    source: { vendor: 'Microsoft', product: 'Entra ID Protection' },
    tenant: { provider: 'entra', tenantId },
    subject: { type: 'user', id: BREAK_GLASS, ...subject },
  });
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

const byIdAndUpn = policy([
  {
    id: BREAK_GLASS,
    userPrincipalName: 'breakglass-01@halvorsenfreight.example',
    tenantId: TENANT.toUpperCase(),
    reason: 'break-glass account',
  },
]);
const resolved: ProtectedIdentityNames = {
  names: new Map([
    [
      `${TENANT}#0`,
      [
        BREAK_GLASS,
        'breakglass-01@halvorsenfreight.example',
        'emergency.access@halvorsenfreight.example',
        'bg01@halvorsenfreight.onmicrosoft.example',
      ],
    ],
  ]),
  failures: [],
};

describe('protected identities are matched on every name', () => {
  it.each([
    ['object id', { id: BREAK_GLASS }],
    ['object id in upper case', { id: BREAK_GLASS.toUpperCase() }],
    ['UPN in subject.id', { id: 'BreakGlass-01@HalvorsenFreight.example' }],
    [
      'UPN beside another id',
      { id: BREAK_GLASS, userPrincipalName: 'BREAKGLASS-01@halvorsenfreight.example' },
    ],
    [
      'mail in subject.id (an email SET subject)',
      { id: 'Emergency.Access@halvorsenfreight.example' },
    ],
    ['proxy address in subject.id', { id: 'BG01@halvorsenfreight.onmicrosoft.example' }],
  ])('never contains the break-glass account named by %s', (_how, subject) => {
    const plan = planContainment(detectionFor(subject), byIdAndUpn, 1, resolved);
    expect(plan.run).toEqual([]);
    expect(plan.protectedIdentity?.reason).toBe('break-glass account');
    expect(
      plan.skipped.every((s) => ['protectedIdentity', 'notApplicable'].includes(s.reason)),
    ).toBe(true);
  });

  it('contains an ordinary user of the same tenant', () => {
    const plan = planContainment(
      detectionFor({ id: 'jonas.berg@halvorsenfreight.example' }),
      byIdAndUpn,
      1,
      resolved,
    );
    expect(plan.protectedIdentity).toBeUndefined();
    expect(plan.run).toContain('revokeSessions');
  });
});

describe('when the protected list cannot be resolved, it fails closed', () => {
  const failed: ProtectedIdentityNames = {
    names: new Map(),
    failures: [{ tenantId: TENANT, index: 0, why: 'Graph answered 503' }],
  };

  it('holds a subject named by UPN or mail for approval, saying why', () => {
    const plan = planContainment(
      detectionFor({ id: 'someone@halvorsenfreight.example' }),
      byIdAndUpn,
      1,
      failed,
    );
    expect(plan.run).toEqual([]);
    expect(plan.approval.required).toBe(true);
    if (!plan.approval.required) return;
    expect(plan.approval.causes).toEqual(['protectedIdentitiesUnresolved']);
    expect(plan.approval.why).toContain('could not be resolved (Graph answered 503)');
  });

  it('still acts on a canonical object id when every failed entry is configured by object id', () => {
    const plan = planContainment(
      detectionFor({ id: '2a7b9c41-58d3-4e6f-9b12-c3d4e5f60718' }),
      byIdAndUpn,
      1,
      failed,
    );
    expect(plan.run).toContain('revokeSessions');
  });

  it('holds every subject when a failed entry is known only by UPN', () => {
    const upnOnly = policy([
      { userPrincipalName: 'breakglass-01@halvorsenfreight.example', reason: 'bg' },
    ]);
    const plan = planContainment(
      detectionFor({ id: '2a7b9c41-58d3-4e6f-9b12-c3d4e5f60718' }),
      upnOnly,
      1,
      failed,
    );
    expect(plan.run).toEqual([]);
    expect(plan.approval.required).toBe(true);
  });
});

describe('AWS protected principals', () => {
  it('protects every session of a protected role', () => {
    const aws = policy([
      { id: 'arn:aws:iam::418295730164:role/BreakGlass', reason: 'aws break-glass' },
    ]);
    const parsed = parseDetection({
      schemaVersion: '1',
      detectionId: 'd-2',
      detectedAt: '2026-03-17T09:42:11Z',
      severity: 'critical',
      source: { vendor: 'AWS', product: 'GuardDuty' },
      tenant: { provider: 'aws', tenantId: '418295730164' },
      subject: {
        type: 'awsPrincipal',
        id: 'arn:aws:sts::418295730164:assumed-role/breakglass/i-0abc',
      },
    });
    if (!parsed.ok) throw parsed.error;
    const plan = planContainment(parsed.value, aws, 1);
    expect(plan.run).toEqual([]);
    expect(plan.protectedIdentity).toEqual({
      matchedBy: 'awsPrincipal',
      reason: 'aws break-glass',
    });
  });
});

describe('per-source blast radius', () => {
  it('holds a source past its own limit while the tenant is under its limit', () => {
    const limited = {
      ...byIdAndUpn,
      blastRadius: { ...byIdAndUpn.blastRadius, maxContainmentsPerSource: 3 },
    };
    const subject = { id: 'jonas.berg@halvorsenfreight.example' };
    expect(
      planContainment(detectionFor(subject), limited, { tenant: 4, source: 3 }).run,
    ).not.toEqual([]);
    const over = planContainment(detectionFor(subject), limited, { tenant: 4, source: 4 });
    expect(over.run).toEqual([]);
    expect(over.approval.required && over.approval.why).toContain('per-source limit of 3');
    const tenantOver = planContainment(detectionFor(subject), limited, { tenant: 11, source: 1 });
    expect(tenantOver.run).toEqual([]);
  });
});
