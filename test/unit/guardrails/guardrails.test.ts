import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTAINMENT_ACTIONS } from '../../../shared/domain/containment.ts';
import { type Detection, parseDetection } from '../../../shared/domain/detection.ts';
import {
  type ContainmentPolicy,
  countsTowardBlastRadius,
  parseContainmentPolicy,
  planContainment,
  skippedOutcomes,
} from '../../../shared/domain/guardrails.ts';

const root = join(import.meta.dirname, '../../..');
const readJson = (path: string): unknown => JSON.parse(readFileSync(join(root, path), 'utf8'));

function policyFrom(path: string): ContainmentPolicy {
  const parsed = parseContainmentPolicy(readJson(path));
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

function detection(name: string, changes: Partial<Detection> = {}): Detection {
  const parsed = parseDetection(readJson(`test/fixtures/graph/${name}.json`));
  if (!parsed.ok) throw parsed.error;
  return { ...parsed.value, ...changes };
}

const defaultPolicy = policyFrom('shared/config/containment-policy.default.json');
const demoPolicy = policyFrom('shared/local/simulated-tenant/demo-policy.json');

describe('containment policy', () => {
  it('accepts the shipped default and demo policies', () => {
    expect(defaultPolicy.blastRadius).toEqual({ maxContainments: 10, windowSeconds: 900 });
    expect(demoPolicy.protectedIdentities).toHaveLength(1);
  });

  it('rejects a policy naming each bad field', () => {
    const bad = {
      version: 1,
      protectedIdentities: [{ reason: 'no id' }],
      blastRadius: { maxContainments: 0, windowSeconds: 60 },
      severities: { low: {}, medium: {}, high: { revokeSessions: 'sometimes' } },
    };
    const parsed = parseContainmentPolicy(bad);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const paths = parsed.error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'protectedIdentities[0]',
        'blastRadius.maxContainments',
        'severities.high.revokeSessions',
        'severities.critical',
      ]),
    );
    expect(parsed.error.message).toContain(
      'a protected identity needs an id or a userPrincipalName',
    );
  });
});

describe('planContainment', () => {
  it('holds every automatic action for approval when the window could not count the detection', () => {
    const why = 'the blast-radius window of tenant t is full';
    const plan = planContainment(detection('detection-critical-admin'), defaultPolicy, {
      tenant: 0,
      source: 0,
      full: why,
    });
    expect(plan.run).toEqual([]);
    expect(plan.blastRadius.exceeded).toBe(true);
    expect(plan.approval).toMatchObject({ required: true, causes: ['blastRadius'] });
    expect(plan.approval.required && plan.approval.why).toContain(why);
  });

  it('runs every user action automatically for a critical detection under the default policy', () => {
    const plan = planContainment(detection('detection-critical-admin'), defaultPolicy, 1);
    expect(plan.run).toEqual([
      'revokeSessions',
      'isolatePrivilege',
      'markCompromised',
      'disableAccount',
    ]);
    expect(plan.approval).toEqual({ required: false });
    expect(plan.skipped.map((s) => [s.action, s.reason])).toEqual([
      ['removeCredentials', 'notApplicable'],
      ['denyOlderSessions', 'notApplicable'],
    ]);
  });

  it('revokes automatically at low severity and asks approval for the rest', () => {
    const plan = planContainment(detection('detection-low-user'), defaultPolicy, 1);
    expect(plan.run).toEqual(['revokeSessions']);
    expect(plan.approval.required).toBe(true);
    if (!plan.approval.required) return;
    expect(plan.approval.causes).toEqual(['policy']);
    expect(plan.approval.actions).toEqual(['isolatePrivilege', 'markCompromised']);
    const disable = plan.skipped.find((s) => s.action === 'disableAccount');
    expect(disable).toMatchObject({ reason: 'policy' });
  });

  it('never revokes sessions of a service principal and says there are none', () => {
    const plan = planContainment(detection('detection-service-principal'), defaultPolicy, 1);
    expect(plan.run).toEqual(['markCompromised', 'removeCredentials']);
    const revoke = plan.skipped.find((s) => s.action === 'revokeSessions');
    expect(revoke?.reason).toBe('notApplicable');
    expect(revoke?.why).toMatch(/no sign-in sessions/);
  });

  it('never contains a protected identity matched by object id', () => {
    const breakGlass = detection('detection-critical-admin', {
      subject: { type: 'user', id: '0B7A9C2E-5D1F-4E3A-9C6B-8F2D1E0A7B51' },
    });
    const plan = planContainment(breakGlass, demoPolicy, 1);
    expect(plan.run).toEqual([]);
    expect(plan.protectedIdentity).toEqual({ matchedBy: 'id', reason: 'break-glass account' });
    const userActions = plan.skipped.filter((s) => s.reason !== 'notApplicable');
    expect(userActions).toHaveLength(4);
    expect(userActions.every((s) => s.reason === 'protectedIdentity')).toBe(true);
    expect(plan.approval.required).toBe(false);
  });

  it('matches a protected identity by UPN, case-insensitively, when the detection carries one', () => {
    const plan = planContainment(detection('detection-breakglass-upn-only'), demoPolicy, 1);
    expect(plan.run).toEqual([]);
    expect(plan.protectedIdentity?.matchedBy).toBe('userPrincipalName');
  });

  it('limits a protected identity to its tenant when the entry names one', () => {
    const elsewhere = detection('detection-breakglass-upn-only', {
      tenant: { provider: 'entra', tenantId: 'another-tenant' },
    });
    const plan = planContainment(elsewhere, demoPolicy, 1);
    expect(plan.protectedIdentity).toBeUndefined();
    expect(plan.run).toContain('revokeSessions');
  });

  it('allows exactly maxContainments in the window and asks approval for the next one', () => {
    const critical = detection('detection-critical-admin');
    const atLimit = planContainment(critical, defaultPolicy, 10);
    expect(atLimit.run).toHaveLength(4);
    expect(atLimit.blastRadius.exceeded).toBe(false);

    const over = planContainment(critical, defaultPolicy, 11);
    expect(over.run).toEqual([]);
    expect(over.blastRadius).toMatchObject({
      containmentsInWindow: 11,
      maxContainments: 10,
      windowSeconds: 900,
      exceeded: true,
    });
    expect(over.approval.required).toBe(true);
    if (!over.approval.required) return;
    expect(over.approval.causes).toEqual(['blastRadius']);
    expect(over.approval.actions).toEqual([
      'revokeSessions',
      'isolatePrivilege',
      'markCompromised',
      'disableAccount',
    ]);
    expect(over.approval.why).toMatch(/11 containments .* exceed the blast-radius limit of 10/);
  });

  it('plans but runs nothing in dry-run, and every skipped outcome says dryRun', () => {
    const plan = planContainment(
      detection('detection-critical-admin'),
      { ...defaultPolicy, dryRun: true },
      0,
    );
    expect(plan.dryRun).toBe(true);
    expect(plan.run).toEqual([]);
    const outcomes = skippedOutcomes(plan, '2026-01-15T10:04:13.000Z');
    const dry = outcomes.filter((o) => o.status === 'skipped' && o.reason === 'dryRun');
    expect(dry.map((o) => o.action)).toEqual([
      'revokeSessions',
      'isolatePrivilege',
      'markCompromised',
      'disableAccount',
    ]);
    for (const outcome of dry) {
      expect(outcome).toMatchObject({ status: 'skipped', target: plan.subject.id, durationMs: 0 });
      if (outcome.status === 'skipped') expect(outcome.why).toMatch(/^dry run:/);
    }
  });

  it('treats an action absent from the severity policy as never', () => {
    const sparse: ContainmentPolicy = {
      ...defaultPolicy,
      severities: { ...defaultPolicy.severities, critical: { revokeSessions: 'auto' } },
    };
    const plan = planContainment(detection('detection-critical-admin'), sparse, 1);
    expect(plan.run).toEqual(['revokeSessions']);
    expect(plan.skipped.filter((s) => s.reason === 'policy').map((s) => s.action)).toEqual([
      'isolatePrivilege',
      'markCompromised',
      'disableAccount',
    ]);
  });

  it('accounts for every action of the catalogue exactly once', () => {
    for (const name of [
      'detection-critical-admin',
      'detection-low-user',
      'detection-service-principal',
    ]) {
      const plan = planContainment(detection(name), defaultPolicy, 1);
      const all = [...plan.run, ...plan.skipped.map((s) => s.action)].sort();
      expect(all).toEqual([...CONTAINMENT_ACTIONS].sort());
    }
  });
});

describe('countsTowardBlastRadius', () => {
  it('counts a detection only when it would contain something automatically', () => {
    expect(countsTowardBlastRadius(detection('detection-critical-admin'), defaultPolicy)).toBe(
      true,
    );
    expect(countsTowardBlastRadius(detection('detection-breakglass-upn-only'), demoPolicy)).toBe(
      false,
    );
    expect(
      countsTowardBlastRadius(detection('detection-critical-admin'), {
        ...defaultPolicy,
        dryRun: true,
      }),
    ).toBe(false);
    const approvalOnly: ContainmentPolicy = {
      ...defaultPolicy,
      severities: { ...defaultPolicy.severities, low: { revokeSessions: 'approval' } },
    };
    expect(countsTowardBlastRadius(detection('detection-low-user'), approvalOnly)).toBe(false);
  });
});
