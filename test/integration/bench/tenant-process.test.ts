import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedWithUsers } from '../../../bench/lib/fixtures.ts';
import { startTenantProcess, type TenantProcess } from '../../../bench/lib/tenant-process.ts';
import { EntraIdentityProvider } from '../../../shared/adapters/graph/entra-identity-provider.ts';

/** The benchmarks' simulated tenant in its own process, over its stdin/stdout protocol. */

const { seed, userIds } = seedWithUsers(2, { privileged: false });
let tenant: TenantProcess;
let provider: EntraIdentityProvider;

beforeAll(async () => {
  tenant = await startTenantProcess(seed, {
    latencyMs: 0,
    // One write per minute: the second revoke must be answered 429.
    throttling: { writeQuota: { writes: 1, windowSeconds: 60 } },
  });
  provider = new EntraIdentityProvider({
    mode: 'simulated',
    trustedCa: tenant.served.ca,
    retry: { maxAttempts: 1 },
    config: {
      graphBaseUrl: tenant.served.graphBaseUrl,
      authorityHost: tenant.served.authorityHost,
      tenants: [tenant.served.credentials],
    },
  });
});

afterAll(async () => {
  provider?.close();
  await tenant?.stop();
});

const revoke = (id: string) =>
  provider.contain({
    incidentId: `inc-${id}`,
    tenantId: tenant.served.tenantId,
    subject: { type: 'user', id },
    detectedAt: new Date().toISOString(),
    actions: ['revokeSessions'],
  });

describe('the simulated tenant process', () => {
  it('reports the writes it accepted, the users it revoked and the 429s it answered', async () => {
    const first = await revoke(userIds[0] ?? '');
    expect(first.outcomes[0]?.status).toBe('succeeded');
    const second = await revoke(userIds[1] ?? '');
    expect(second.outcomes[0]).toMatchObject({ status: 'failed', error: { class: 'throttled' } });

    const stats = await tenant.stats();
    expect(stats.acceptedWritesAt).toHaveLength(1);
    expect(stats.usersRevoked).toBe(1);
    expect(stats.throttled429).toBe(1);
    expect(stats.statusCounts).toMatchObject({ '200': 1, '429': 1 });
  });

  it('stops when asked, and only once', async () => {
    const other = await startTenantProcess(seed, { latencyMs: 0 });
    await other.stop();
    await expect(other.stop()).resolves.toBeUndefined();
    await expect(other.stats()).rejects.toThrow(/exited/);
  });
});
