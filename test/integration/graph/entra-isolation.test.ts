import { afterEach, describe, expect, it } from 'vitest';
import type { ActionOutcome, RestorableChange } from '../../../shared/domain/containment.ts';
import {
  graphRequests,
  type Harness,
  KARI,
  KARI_UPN,
  PARTNER_SP,
  secondsAgo,
  startHarness,
  testSeed,
} from './harness.ts';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const TIER0 = 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6';
const OPS = 'e2f3a4b5-c6d7-4e8f-9a01-b2c3d4e5f6a7';
const HELP = 'f3a4b5c6-d7e8-4f90-8b12-c3d4e5f6a7b8';
const STAFF = 'a4b5c6d7-e8f9-4a01-9c23-d4e5f6a7b8c9';
const GA = '62e90394-69f5-4237-9190-012177145e10';

const recorded = (outcomes: ActionOutcome[]) =>
  outcomes.flatMap((o) => (o.status === 'succeeded' ? (o.restore ?? []) : []));

/** What grants Kari privilege in the simulated tenant right now. */
function karisPaths(h: Harness) {
  const { directory, access } = h.tenant;
  return {
    active: directory.activeAssignmentsOf(KARI).map((a) => a.roleDefinitionId),
    eligible: access.eligibleRolesOf(KARI).map((e) => e.roleDefinitionId),
    groups: [...access.groups.values()]
      .filter((g) => access.isMember(g, KARI))
      .map((g) => g.id)
      .sort(),
    pimGroups: [...access.groupAccess.values()]
      .filter((a) => a.principalId === KARI)
      .map((a) => `${a.schedule}:${a.groupId}`)
      .sort(),
  };
}

const contain = (h: Harness, subjectId: string, extra: object = {}) =>
  h.provider.contain({
    incidentId: 'inc-isolation',
    tenantId: h.tenant.tenantId,
    subject: { type: 'user', id: subjectId },
    detectedAt: secondsAgo(1),
    actions: ['revokeSessions', 'isolatePrivilege'],
    ...extra,
  });

describe('isolatePrivilege removes every path back to a directory role', () => {
  it('removes direct, active PIM, eligible, group-held and PIM for Groups access, records each before removing it, and restores them all', async () => {
    harness = await startHarness();
    const before = karisPaths(harness);
    expect(before.eligible).toEqual([GA]);
    expect(before.groups).toEqual([OPS, STAFF, TIER0].sort());
    const intents: RestorableChange[][] = [];
    const result = await contain(harness, KARI, {
      recordIntent: async (changes: RestorableChange[]) => {
        // nothing is removed before its restore data is recorded
        expect(harness?.tenant.access.eligibleRolesOf(KARI)).toHaveLength(1);
        intents.push(changes);
      },
    });
    const isolate = result.outcomes.filter((o) => o.action === 'isolatePrivilege');
    expect(isolate.every((o) => o.status === 'succeeded')).toBe(true);
    expect(karisPaths(harness)).toEqual({
      active: [],
      eligible: [],
      groups: [STAFF],
      pimGroups: [],
    });
    // the ordinary group is left alone; the roles the group holds are not touched
    expect(harness.tenant.directory.activeAssignmentsOf(TIER0)).toHaveLength(1);

    const changes = recorded(result.outcomes);
    expect(intents).toEqual([changes]);
    expect(changes.map((c) => c.kind).sort()).toEqual([
      'groupMembership',
      'pimGroupAccess',
      'pimGroupAccess',
      'roleAssignment',
      'roleAssignment',
      'roleEligibility',
    ]);
    expect(changes).toContainEqual(
      expect.objectContaining({
        kind: 'roleEligibility',
        roleDefinitionId: GA,
        startDateTime: '2025-01-10T08:00:00Z',
        endDateTime: '2035-06-30T00:00:00Z',
      }),
    );
    expect(changes).toContainEqual({
      kind: 'groupMembership',
      groupId: TIER0,
      memberId: KARI,
      groupRoles: [GA],
      startDateTime: 'unknown',
    });
    expect(changes).toContainEqual(
      expect.objectContaining({
        kind: 'pimGroupAccess',
        schedule: 'eligible',
        groupId: HELP,
        startDateTime: '2025-02-02T08:00:00Z',
      }),
    );

    const verified = await harness.provider.verify({
      tenantId: harness.tenant.tenantId,
      subject: { type: 'user', id: KARI },
      detectedAt: secondsAgo(2),
    });
    expect(verified.privilege).toMatchObject({ isolated: true, remaining: [], unknown: [] });

    const restored = await harness.provider.restore({
      incidentId: 'inc-isolation',
      tenantId: harness.tenant.tenantId,
      subject: { type: 'user', id: KARI },
      changes,
      requestedBy: 'analyst@nordvik.example',
      justification: 'false positive',
    });
    expect(restored.map((o) => o.status)).toEqual(changes.map(() => 'succeeded'));
    const membership = restored.find((o) => o.target === `${TIER0}/members/${KARI}`);
    expect(membership?.status === 'succeeded' && membership.detail).toMatch(
      /does not say when the membership began/,
    );
    const after = karisPaths(harness);
    expect(after.active.sort()).toEqual(before.active.sort());
    expect(after).toEqual({ ...before, active: after.active });
  });

  it('follows @odata.nextLink on every listing: nothing hides on a later page', async () => {
    const seed = testSeed();
    const scopes = ['a', 'b', 'c', 'd', 'e'].map((s) => `/administrativeUnits/au-${s}`);
    seed.roleEligibilities = [
      ...(seed.roleEligibilities ?? []),
      ...scopes.map((directoryScopeId, i) => ({
        id: `el-kari-au-${i}`,
        principalId: KARI,
        roleDefinitionId: GA,
        directoryScopeId,
      })),
    ];
    harness = await startHarness({ seed, pageSize: 2 });
    const result = await contain(harness, KARI);
    expect(result.outcomes.every((o) => o.status === 'succeeded')).toBe(true);
    expect(harness.tenant.access.eligibleRolesOf(KARI)).toEqual([]);
    const eligibilityPages = graphRequests(harness.tenant).filter(
      (r) =>
        r.path === '/roleManagement/directory/roleEligibilityScheduleInstances' &&
        r.query.includes(KARI),
    );
    expect(eligibilityPages).toHaveLength(3);
    expect(eligibilityPages.slice(1).every((r) => /[?&](%24|\$)skiptoken=/.test(r.query))).toBe(
      true,
    );
    expect(recorded(result.outcomes).filter((c) => c.kind === 'roleEligibility')).toHaveLength(6);
  });

  it('resolves a subject named by UPN to its object id before listing, and restores by UPN', async () => {
    harness = await startHarness();
    const result = await contain(harness, KARI_UPN);
    const isolate = result.outcomes.filter((o) => o.action === 'isolatePrivilege');
    expect(isolate.length).toBeGreaterThan(1);
    expect(isolate.every((o) => o.status === 'succeeded')).toBe(true);
    expect(karisPaths(harness)).toMatchObject({ active: [], eligible: [], pimGroups: [] });
    expect(graphRequests(harness.tenant)[0]?.path).toBe(
      `/users/${encodeURIComponent(KARI_UPN)}/revokeSignInSessions`,
    );
    const restored = await harness.provider.restore({
      incidentId: 'inc-isolation',
      tenantId: harness.tenant.tenantId,
      subject: { type: 'user', id: KARI_UPN },
      changes: recorded(result.outcomes),
      requestedBy: 'analyst@nordvik.example',
      justification: 'false positive',
    });
    expect(restored.every((o) => o.status === 'succeeded')).toBe(true);
    expect(harness.tenant.access.eligibleRolesOf(KARI)).toHaveLength(1);
  });

  it('is not succeeded when one removal is refused: the outcome names what remains, and verification sees it', async () => {
    harness = await startHarness();
    harness.tenant.faults.inject({
      method: 'POST',
      path: '/roleManagement/directory/roleEligibilityScheduleRequests',
      status: 403,
    });
    const result = await contain(harness, KARI);
    const failed = result.outcomes.filter((o) => o.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      action: 'isolatePrivilege',
      error: {
        class: 'forbidden',
        missingPermission: 'RoleEligibilitySchedule.ReadWrite.Directory',
      },
      remaining: [`eligible role ${GA} at /`],
    });
    const verified = await harness.provider.verify({
      tenantId: harness.tenant.tenantId,
      subject: { type: 'user', id: KARI },
      detectedAt: secondsAgo(2),
    });
    expect(verified.privilege).toMatchObject({
      isolated: false,
      remaining: [`eligible role ${GA} at /`],
    });
    expect(verified.detail).toMatch(/still in place: eligible role/);
  });

  it('removes nothing when the intent cannot be recorded', async () => {
    harness = await startHarness();
    const before = karisPaths(harness);
    const result = await contain(harness, KARI, {
      recordIntent: () => Promise.reject(new Error('ledger unavailable')),
    });
    const isolate = result.outcomes.filter((o) => o.action === 'isolatePrivilege');
    expect(isolate.length).toBe(6);
    expect(
      isolate.every(
        (o) => o.status === 'failed' && o.error.class === 'transient' && o.error.retryable,
      ),
    ).toBe(true);
    expect(karisPaths(harness)).toEqual(before);
  });
});

describe('workload credentials', () => {
  it('says a removed secret cannot be restored, and to issue a new one', async () => {
    harness = await startHarness();
    const subject = {
      type: 'servicePrincipal' as const,
      id: '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d',
    };
    const result = await harness.provider.contain({
      incidentId: 'inc-creds',
      tenantId: harness.tenant.tenantId,
      subject,
      detectedAt: secondsAgo(1),
      actions: ['removeCredentials'],
    });
    const app = [...harness.tenant.access.applicationObjects.values()][0];
    expect(app?.passwordCredentials).toEqual([]);
    expect(app?.keyCredentials).toEqual([]);
    const changes = recorded(result.outcomes);
    expect(changes.map((c) => c.kind === 'credentialRemoved' && c.credentialType)).toEqual([
      'password',
      'password',
      'password',
      'certificate',
    ]);
    const restored = await harness.provider.restore({
      incidentId: 'inc-creds',
      tenantId: harness.tenant.tenantId,
      subject,
      changes,
      requestedBy: 'analyst@nordvik.example',
      justification: 'done',
    });
    expect(restored.map((o) => o.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped']);
    expect(restored.every((o) => o.status === 'skipped' && /issue a new/.test(o.why))).toBe(true);
    expect(app?.keyCredentials).toEqual([]);
  });

  it('contains a multi-tenant app registered elsewhere by disabling its service principal, and says so', async () => {
    harness = await startHarness();
    const result = await harness.provider.contain({
      incidentId: 'inc-partner',
      tenantId: harness.tenant.tenantId,
      subject: { type: 'servicePrincipal', id: PARTNER_SP },
      detectedAt: secondsAgo(1),
      actions: ['disableAccount', 'removeCredentials'],
    });
    const credentials = result.outcomes.filter((o) => o.action === 'removeCredentials');
    expect(credentials.map((o) => o.status)).toEqual(['succeeded', 'skipped']);
    const skipped = credentials[1];
    expect(skipped?.status === 'skipped' && skipped.why).toMatch(
      /not registered in this tenant.*disabling the service principal is the containment/,
    );
    expect(harness.tenant.directory.servicePrincipals.get(PARTNER_SP)?.accountEnabled).toBe(false);
  });
});
