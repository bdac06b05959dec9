import { afterEach, describe, expect, it } from 'vitest';
import { parseEntraConfig } from '../../../shared/adapters/graph/config.ts';
import { EntraIdentityProvider } from '../../../shared/adapters/graph/entra-identity-provider.ts';
import { GraphProtectedIdentityResolver } from '../../../shared/adapters/graph/protected-identity-resolver.ts';
import { InMemoryContainmentWindow } from '../../../shared/adapters/memory/containment-window.ts';
import { InMemoryLedgerStore } from '../../../shared/adapters/memory/ledger-store.ts';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import { parseDetection } from '../../../shared/domain/detection.ts';
import { parseContainmentPolicy } from '../../../shared/domain/guardrails.ts';
import { startSimulatedTenant } from '../../../shared/local/simulated-tenant/tenant.ts';
import { systemClock } from '../../../shared/ports/clock.ts';
import { respond } from '../../../shared/use-cases/respond.ts';
import { ERIK, testSeed } from './harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const quiet = { info() {}, warn() {}, error() {}, debug() {} };

describe('live mode: a protected account named five different ways', () => {
  it('is never touched, however the detection names it', async () => {
    const seed = testSeed();
    const erik = seed.users?.find((u) => u.id === ERIK);
    if (!erik) throw new Error('the test seed has Erik');
    Object.assign(erik, {
      mail: 'Erik.Admin@nordvik.example',
      proxyAddresses: [
        'SMTP:Erik.Admin@nordvik.example',
        'smtp:root-erik@nordvik.onmicrosoft.example',
      ],
    });
    const tenant = await startSimulatedTenant({
      seed,
      throttling: { identityProtectionPerSecond: false },
    });
    cleanups.push(() => tenant.close());
    const config = parseEntraConfig({
      graphBaseUrl: tenant.graphBaseUrl,
      authorityHost: tenant.authorityHost,
      tenants: [tenant.credentials],
    });
    const provider = new EntraIdentityProvider({ config, mode: 'live', trustedCa: tenant.ca });
    cleanups.push(() => provider.close());
    // Configured by object id only, in another letter case, under the tenant in upper case.
    const policy = parseContainmentPolicy({
      version: 1,
      protectedIdentities: [
        { id: ERIK.toUpperCase(), tenantId: tenant.tenantId.toUpperCase(), reason: 'break-glass' },
      ],
      blastRadius: { maxContainments: 100, windowSeconds: 900 },
      severities: Object.fromEntries(
        ['low', 'medium', 'high', 'critical'].map((s) => [
          s,
          Object.fromEntries(
            ['revokeSessions', 'isolatePrivilege', 'markCompromised', 'disableAccount'].map((a) => [
              a,
              'auto',
            ]),
          ),
        ]),
      ),
    });
    if (!policy.ok) throw policy.error;
    const resolver = new GraphProtectedIdentityResolver({
      policy: policy.value,
      tenants: provider.tenantSessions(),
    });
    await resolver.refresh();
    expect(resolver.current().failures).toEqual([]);

    const before = structuredClone(tenant.directory.findUser(ERIK));
    const assignmentsBefore = tenant.directory.activeAssignmentsOf(ERIK).length;
    const names = [
      ERIK.toUpperCase(),
      'erik.lund@nordvik.example',
      'ERIK.LUND@NORDVIK.EXAMPLE',
      'erik.admin@NORDVIK.example',
      'Root-Erik@nordvik.onmicrosoft.example',
    ];
    const ledger = new InMemoryLedgerStore();
    for (const [index, name] of names.entries()) {
      const detection = parseDetection({
        schemaVersion: '1',
        detectionId: `five-names-${index}`,
        detectedAt: new Date().toISOString(),
        severity: 'critical',
        source: { vendor: 'Microsoft', product: 'Entra ID Protection' },
        tenant: { provider: 'entra', tenantId: tenant.tenantId.toUpperCase() },
        subject: { type: 'user', id: name },
      });
      if (!detection.ok) throw detection.error;
      const result = await respond(
        { detection: detection.value, sender: 'test' },
        {
          identityProviderFor: () => provider,
          policy: policy.value,
          window: new InMemoryContainmentWindow(),
          protectedIdentities: resolver,
          catalog: CONTROL_CATALOG,
          ownership: defaultOwnershipMap,
          ledger,
          events: { publish: async () => {} },
          clock: systemClock,
          log: quiet,
          mode: 'live',
        },
      );
      expect(result.status, name).toBe('protectedIdentity');
      expect(result.containment.every((line) => line.status === 'skipped')).toBe(true);
    }
    expect(tenant.directory.findUser(ERIK)).toEqual(before);
    expect(tenant.directory.activeAssignmentsOf(ERIK)).toHaveLength(assignmentsBefore);
    // Only the resolver's read reached Graph: no revoke, no PATCH, no role change.
    const graph = tenant.requests().filter((r) => r.listener === 'graph');
    expect(graph.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(graph.map((r) => r.path)).toEqual([`/users/${ERIK.toLowerCase()}`]);
  });
});
