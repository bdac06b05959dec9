import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RestorableChange } from '../../../shared/domain/containment.ts';
import { parseDetection } from '../../../shared/domain/detection.ts';
import {
  parseContainmentPolicy,
  planContainment,
  skippedOutcomes,
} from '../../../shared/domain/guardrails.ts';
import { incidentIdFor } from '../../../shared/domain/incident.ts';
import {
  demoSeed,
  ERIK,
  EXPORTER_APP,
  EXPORTER_SP,
  graphRequests,
  type Harness,
  MARIA,
  NORA,
  OLAV_DISABLED,
  only,
  secondsAgo,
  startHarness,
  USER_ACTIONS,
} from './harness.ts';

const root = join(import.meta.dirname, '../../..');
const readJson = (path: string): unknown => JSON.parse(readFileSync(join(root, path), 'utf8'));

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const restoreChanges = (outcomes: { status: string; restore?: RestorableChange[] }[]) =>
  outcomes.flatMap((o) => (o.status === 'succeeded' ? (o.restore ?? []) : []));

describe('EntraIdentityProvider against the simulated tenant', () => {
  it('contains the seeded privileged user of the demo tenant as the critical policy plans it', async () => {
    harness = await startHarness({ seed: demoSeed() });
    const { tenant, provider } = harness;
    const parsedDetection = parseDetection(
      readJson('test/fixtures/graph/detection-critical-admin.json'),
    );
    const parsedPolicy = parseContainmentPolicy(
      readJson('shared/config/containment-policy.default.json'),
    );
    if (!parsedDetection.ok || !parsedPolicy.ok) throw new Error('fixtures must parse');
    const detection = { ...parsedDetection.value, detectedAt: secondsAgo(2) };
    const plan = planContainment(detection, parsedPolicy.value, 1);

    const result = await provider.contain({
      incidentId: incidentIdFor(detection),
      tenantId: detection.tenant.tenantId,
      subject: detection.subject,
      detectedAt: detection.detectedAt,
      actions: plan.run,
    });

    expect(provider.mode).toBe('simulated');
    expect(result.outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    expect(result.timeToContainMs).toBeGreaterThan(0);
    const maria = tenant.directory.findUser(MARIA);
    expect(Date.parse(maria?.signInSessionsValidFromDateTime ?? '')).toBeGreaterThanOrEqual(
      Math.floor(Date.parse(detection.detectedAt) / 1000) * 1000,
    );
    expect(tenant.directory.activeAssignmentsOf(MARIA)).toEqual([]);
    expect(maria?.riskState).toBe('confirmedCompromised');
    expect(maria?.accountEnabled).toBe(false);

    // exactly what was removed is recorded, nothing else
    expect(restoreChanges(result.outcomes)).toEqual([
      {
        kind: 'roleAssignment',
        assignmentType: 'permanent',
        assignmentId: 'lAPpYvVpN0KRkAEhdxReEJ2SvT9WjGJEhR4OuaezoqU-1',
        roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
        directoryScopeId: '/',
        principalId: MARIA,
        startDateTime: 'unknown',
      },
      {
        kind: 'roleAssignment',
        assignmentType: 'pimActive',
        assignmentId: 'uDmgCp8Zx0yTgTLn2P1Ek0Br8-xO2E5Lhs4ZHb0y-2',
        roleDefinitionId: '29232cdf-9323-42fd-ade2-1d097af3e4de',
        directoryScopeId: '/',
        principalId: MARIA,
        startDateTime: 'unknown',
        endDateTime: '2030-06-30T00:00:00Z',
      },
      { kind: 'accountDisabled', subjectId: MARIA },
    ]);
    // the break-glass account's assignment is untouched
    expect(
      tenant.directory.activeAssignmentsOf('0b7a9c2e-5d1f-4e3a-9c6b-8f2d1e0a7b51'),
    ).toHaveLength(1);

    const verification = await provider.verify({
      tenantId: detection.tenant.tenantId,
      subject: detection.subject,
      detectedAt: detection.detectedAt,
    });
    expect(verification.verified).toBe(true);
    expect(verification.sessionsValidFrom).toBe(maria?.signInSessionsValidFromDateTime);
  });

  it('sends the revoke as the first network call, with a cached token and no read before it', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    await provider.contain({
      incidentId: 'inc-first-call',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: USER_ACTIONS,
    });
    const requests = tenant.requests();
    expect(requests.filter((r) => r.listener === 'authority')).toEqual([]);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      path: `/users/${ERIK}/revokeSignInSessions`,
    });
    // every listing goes out in parallel with it, before any removal
    const firstRemoval = requests.findIndex(
      (r) => r.method !== 'GET' && r.path.startsWith('/roleManagement'),
    );
    expect(
      requests
        .slice(1, firstRemoval)
        .filter((r) => r.method === 'GET' && r.path !== `/users/${ERIK}`)
        .map((r) => r.path)
        .sort(),
    ).toEqual([
      '/identityGovernance/privilegedAccess/group/assignmentScheduleInstances',
      '/identityGovernance/privilegedAccess/group/eligibilityScheduleInstances',
      '/roleManagement/directory/roleAssignmentScheduleInstances',
      '/roleManagement/directory/roleAssignments',
      '/roleManagement/directory/roleEligibilityScheduleInstances',
      `/users/${ERIK}/transitiveMemberOf/microsoft.graph.group`,
    ]);
  });

  it('removes an activated PIM assignment with adminRemove and a permanent one with DELETE', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const result = await provider.contain({
      incidentId: 'inc-roles',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: ['isolatePrivilege'],
    });
    expect(result.timeToContainMs).toBeUndefined();
    const writes = graphRequests(tenant).filter((r) => r.method !== 'GET');
    expect(writes.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'DELETE /roleManagement/directory/roleAssignments/ra-erik-global-admin',
      'POST /roleManagement/directory/roleAssignmentScheduleRequests',
    ]);
    expect(tenant.directory.scheduleRequests).toMatchObject([
      {
        action: 'adminRemove',
        principalId: ERIK,
        roleDefinitionId: '194ae4cb-b126-40b2-bd5b-6091b380977d',
        directoryScopeId: '/',
        justification: 'Containment of incident inc-roles by revocation-responder',
      },
    ]);
    expect(restoreChanges(result.outcomes)).toHaveLength(2);
    expect(tenant.directory.activeAssignmentsOf(ERIK)).toEqual([]);
  });

  it('accepts 204 No Content as a revoke acknowledgement', async () => {
    harness = await startHarness({ revokeStatus: 204 });
    const { tenant, provider } = harness;
    const result = await provider.contain({
      incidentId: 'inc-204',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: NORA },
      detectedAt: secondsAgo(1),
      actions: ['revokeSessions'],
    });
    expect(only(result.outcomes, 'revokeSessions').status).toBe('succeeded');
    expect(result.timeToContainMs).toBeDefined();
    expect(graphRequests(tenant).map((r) => r.status)).toEqual([204]);
  });

  it('contains a service principal by disabling it and removing every secret, and says sessions do not apply', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const result = await provider.contain({
      incidentId: 'inc-sp',
      tenantId: tenant.tenantId,
      subject: { type: 'servicePrincipal', id: EXPORTER_SP },
      detectedAt: secondsAgo(1),
      actions: ['revokeSessions', 'markCompromised', 'disableAccount', 'removeCredentials'],
    });
    const revoke = only(result.outcomes, 'revokeSessions');
    expect(revoke).toMatchObject({ status: 'skipped', reason: 'notApplicable' });
    if (revoke.status === 'skipped') expect(revoke.why).toMatch(/no sign-in sessions/);
    expect(result.timeToContainMs).toBeUndefined();

    const removed = result.outcomes.filter((o) => o.action === 'removeCredentials');
    expect(removed.map((o) => [o.status, o.target])).toEqual([
      ['succeeded', `${EXPORTER_SP}/passwordCredentials/7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f`],
      ['succeeded', `${EXPORTER_SP}/passwordCredentials/8d9e0f1a-2b3c-4d4e-9f5a-6b7c8d9e0f1a`],
      // and on its application object, where an app's secrets and certificates usually live
      ['succeeded', `${EXPORTER_APP}/passwordCredentials/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d`],
      ['succeeded', `${EXPORTER_APP}/keyCredentials`],
    ]);
    expect(only(result.outcomes, 'disableAccount')).toMatchObject({
      status: 'succeeded',
      restore: [{ kind: 'servicePrincipalDisabled', subjectId: EXPORTER_SP }],
    });
    expect(only(result.outcomes, 'markCompromised').status).toBe('succeeded');

    const sp = tenant.directory.servicePrincipals.get(EXPORTER_SP);
    expect(sp?.accountEnabled).toBe(false);
    expect(sp?.passwordCredentials).toEqual([]);
    expect(sp?.riskState).toBe('confirmedCompromised');
    expect(graphRequests(tenant).some((r) => r.path.includes('revokeSignInSessions'))).toBe(false);

    const verification = await provider.verify({
      tenantId: tenant.tenantId,
      subject: { type: 'servicePrincipal', id: EXPORTER_SP },
      detectedAt: secondsAgo(2),
    });
    expect(verification.verified).toBe(true);
  });

  it('reports revocation as not verified while sessions are still valid from before the detection', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const verification = await provider.verify({
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: NORA },
      detectedAt: secondsAgo(1),
    });
    expect(verification.verified).toBe(false);
    expect(verification.sessionsValidFrom).toBe('2025-03-01T09:00:00Z');
    expect(verification.detail).toMatch(/has not taken effect/);
  });

  it('records nothing for restore when the account was already disabled', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const result = await provider.contain({
      incidentId: 'inc-disabled',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: OLAV_DISABLED },
      detectedAt: secondsAgo(1),
      actions: ['disableAccount'],
    });
    const disable = only(result.outcomes, 'disableAccount');
    expect(disable.status).toBe('succeeded');
    expect(restoreChanges(result.outcomes)).toEqual([]);
    expect(graphRequests(tenant).map((r) => r.method)).toEqual(['GET']);
  });

  it('changes nothing more when the same containment is delivered twice', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const request = {
      incidentId: 'inc-twice',
      tenantId: tenant.tenantId,
      subject: { type: 'user' as const, id: ERIK },
      detectedAt: secondsAgo(1),
      actions: USER_ACTIONS,
    };
    const first = await provider.contain(request);
    const second = await provider.contain(request);
    expect(restoreChanges(first.outcomes)).toHaveLength(3);
    expect(restoreChanges(second.outcomes)).toEqual([]);
    expect(second.outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    expect(only(second.outcomes, 'isolatePrivilege')).toMatchObject({
      detail: expect.stringMatching(/no active or eligible directory role/),
    });
  });

  it('does not act on a tenant it holds no credentials for', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    expect(provider.coversTenant('00000000-0000-4000-8000-000000000000')).toBe(false);
    const result = await provider.contain({
      incidentId: 'inc-uncovered',
      tenantId: '00000000-0000-4000-8000-000000000000',
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: USER_ACTIONS,
    });
    expect(result.outcomes.map((o) => o.status === 'skipped' && o.reason)).toEqual([
      'noCredentials',
      'noCredentials',
      'noCredentials',
      'noCredentials',
    ]);
    expect(tenant.requests()).toEqual([]);
  });

  it('calls nothing in dry-run: the plan runs no action and every outcome says dryRun', async () => {
    harness = await startHarness({ seed: demoSeed() });
    const { tenant, provider } = harness;
    const parsedDetection = parseDetection(
      readJson('test/fixtures/graph/detection-critical-admin.json'),
    );
    const parsedPolicy = parseContainmentPolicy(
      readJson('shared/config/containment-policy.default.json'),
    );
    if (!parsedDetection.ok || !parsedPolicy.ok) throw new Error('fixtures must parse');
    const plan = planContainment(parsedDetection.value, { ...parsedPolicy.value, dryRun: true }, 0);

    const result = await provider.contain({
      incidentId: 'inc-dry',
      tenantId: tenant.tenantId,
      subject: plan.subject,
      detectedAt: parsedDetection.value.detectedAt,
      actions: plan.run,
    });
    const outcomes = [...result.outcomes, ...skippedOutcomes(plan, new Date().toISOString())];
    expect(tenant.requests()).toEqual([]);
    expect(tenant.directory.activeAssignmentsOf(MARIA)).toHaveLength(2);
    const applicable = outcomes.filter(
      (o) => !(o.status === 'skipped' && o.reason === 'notApplicable'),
    );
    expect(applicable).toHaveLength(4);
    expect(applicable.every((o) => o.status === 'skipped' && o.reason === 'dryRun')).toBe(true);
  });

  it('never contacts Graph for a protected identity: the plan leaves nothing to run', async () => {
    harness = await startHarness({ seed: demoSeed() });
    const { tenant, provider } = harness;
    const parsedDetection = parseDetection(
      readJson('test/fixtures/graph/detection-breakglass-upn-only.json'),
    );
    const parsedPolicy = parseContainmentPolicy(
      readJson('shared/local/simulated-tenant/demo-policy.json'),
    );
    if (!parsedDetection.ok || !parsedPolicy.ok) throw new Error('fixtures must parse');
    const plan = planContainment(parsedDetection.value, parsedPolicy.value, 1);
    const result = await provider.contain({
      incidentId: 'inc-bg',
      tenantId: tenant.tenantId,
      subject: plan.subject,
      detectedAt: parsedDetection.value.detectedAt,
      actions: plan.run,
    });
    expect(result.outcomes).toEqual([]);
    expect(tenant.requests()).toEqual([]);
    const outcomes = skippedOutcomes(plan, new Date().toISOString());
    expect(
      outcomes.filter((o) => o.status === 'skipped' && o.reason === 'protectedIdentity'),
    ).toHaveLength(4);
  });
});

describe('restore', () => {
  it('puts back exactly the removed assignments, with the PIM end date, and re-enables the account', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const subject = { type: 'user' as const, id: ERIK };
    const contained = await provider.contain({
      incidentId: 'inc-restore',
      tenantId: tenant.tenantId,
      subject,
      detectedAt: secondsAgo(1),
      actions: USER_ACTIONS,
    });
    const changes = restoreChanges(contained.outcomes);
    expect(tenant.directory.findUser(ERIK)?.accountEnabled).toBe(false);

    const restored = await provider.restore({
      incidentId: 'inc-restore',
      tenantId: tenant.tenantId,
      subject,
      changes,
      requestedBy: 'analyst@nordvik.example',
      justification: 'false positive: travel',
    });
    expect(restored.map((o) => o.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(tenant.directory.findUser(ERIK)?.accountEnabled).toBe(true);
    const roles = tenant.directory
      .activeAssignmentsOf(ERIK)
      .map((a) => [a.roleDefinitionId, a.type, a.endDateTime]);
    expect(roles.sort()).toEqual(
      [
        ['62e90394-69f5-4237-9190-012177145e10', 'permanent', undefined],
        ['194ae4cb-b126-40b2-bd5b-6091b380977d', 'pimActive', '2035-01-01T00:00:00Z'],
      ].sort(),
    );
    const assign = tenant.directory.scheduleRequests.find((r) => r.action === 'adminAssign');
    expect(assign?.justification).toContain('requested by analyst@nordvik.example');
    expect(assign?.scheduleInfo).toMatchObject({
      expiration: { type: 'afterDateTime', endDateTime: '2035-01-01T00:00:00Z' },
    });

    // restoring again re-creates nothing
    const again = await provider.restore({
      incidentId: 'inc-restore',
      tenantId: tenant.tenantId,
      subject,
      changes: changes.filter((c) => c.kind === 'roleAssignment'),
      requestedBy: 'analyst@nordvik.example',
      justification: 'again',
    });
    expect(
      again.every((o) => o.status === 'succeeded' && /already assigned/.test(o.detail ?? '')),
    ).toBe(true);
    expect(tenant.directory.activeAssignmentsOf(ERIK)).toHaveLength(2);
  });

  it('refuses to restore what containment did not record for this subject', async () => {
    harness = await startHarness();
    const { tenant, provider } = harness;
    const before = tenant.directory.activeAssignmentsOf(NORA);
    const outcomes = await provider.restore({
      incidentId: 'inc-forged',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: NORA },
      changes: [
        {
          kind: 'roleAssignment',
          assignmentType: 'permanent',
          assignmentId: 'never-removed',
          roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
          directoryScopeId: '/',
          principalId: ERIK,
        },
        { kind: 'servicePrincipalDisabled', subjectId: NORA },
        { kind: 'roleAssignment', assignmentId: 'x' } as unknown as RestorableChange,
        {
          kind: 'roleAssignment',
          assignmentType: 'pimActive',
          assignmentId: 'expired',
          roleDefinitionId: '194ae4cb-b126-40b2-bd5b-6091b380977d',
          directoryScopeId: '/',
          principalId: NORA,
          endDateTime: '2024-01-01T00:00:00Z',
        },
      ],
      requestedBy: 'analyst@nordvik.example',
      justification: 'attempt',
    });
    expect(outcomes.map((o) => (o.status === 'failed' ? o.error.class : o.status))).toEqual([
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
    expect(outcomes.map((o) => (o.status === 'failed' ? o.error.message : ''))).toEqual([
      expect.stringMatching(/recorded for principal .* refused/),
      expect.stringMatching(/recorded for servicePrincipal .* refused/),
      'malformed change; refused',
      expect.stringMatching(/would have ended/),
    ]);
    expect(graphRequests(tenant).filter((r) => r.method !== 'GET')).toEqual([]);
    expect(tenant.directory.activeAssignmentsOf(NORA)).toEqual(before);
    expect(tenant.directory.activeAssignmentsOf(ERIK)).toHaveLength(2);
  });
});
