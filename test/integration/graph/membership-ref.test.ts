import { afterEach, describe, expect, it } from 'vitest';
import type { RestorableChange } from '../../../shared/domain/containment.ts';
import { type Harness, KARI, startHarness } from './harness.ts';

/**
 * Re-adding a group membership names the member by `@odata.id` on the adapter's own Graph
 * service root: the simulated tenant serves Graph at https://127.0.0.1:<port>, not
 * graph.microsoft.com, and (like a national cloud) takes no reference to another service.
 */

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const TIER0 = 'd1e2f3a4-b5c6-4d7e-8f90-a1b2c3d4e5f6';

const membership: RestorableChange = {
  kind: 'groupMembership',
  groupId: TIER0,
  memberId: KARI,
  groupRoles: [],
  startDateTime: 'unknown',
};

describe('membership restore on a Graph service root other than graph.microsoft.com', () => {
  it('re-adds the member with a reference on the configured service root', async () => {
    harness = await startHarness();
    const h = harness;
    const group = h.tenant.access.groups.get(TIER0);
    if (!group) throw new Error('the seed has no tier-0 group');
    group.members = group.members.filter((m) => m !== KARI);
    expect(h.tenant.access.isMember(group, KARI)).toBe(false);

    const [outcome] = await h.provider.restore({
      incidentId: 'inc-ref',
      tenantId: h.tenant.tenantId,
      subject: { type: 'user', id: KARI },
      changes: [membership],
      requestedBy: 'analyst@nordvik.example',
      justification: 'false positive',
    });
    expect(outcome?.status).toBe('succeeded');
    expect(h.tenant.access.isMember(group, KARI)).toBe(true);
    expect(h.tenant.graphBaseUrl).not.toContain('graph.microsoft.com');
  });

  it.each([
    ['the global service', `https://graph.microsoft.com/v1.0/directoryObjects/${KARI}`],
    ['another national cloud', `https://graph.microsoft.us/v1.0/directoryObjects/${KARI}`],
  ])('the simulated tenant refuses a reference to %s', async (_, ref) => {
    harness = await startHarness();
    const group = harness.tenant.access.groups.get(TIER0);
    if (!group) throw new Error('the seed has no tier-0 group');
    group.members = group.members.filter((m) => m !== KARI);
    const answer = harness.tenant.access.addMember(
      TIER0,
      { '@odata.id': ref },
      ['RoleManagement.ReadWrite.Directory'],
      harness.tenant.graphBaseUrl,
    );
    expect(answer.status).toBe(400);
    expect(harness.tenant.access.isMember(group, KARI)).toBe(false);
  });
});
