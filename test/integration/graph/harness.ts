import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EntraIdentityProvider,
  type EntraIdentityProviderOptions,
} from '../../../shared/adapters/graph/entra-identity-provider.ts';
import { APPLICABLE_ACTIONS } from '../../../shared/domain/applicability.ts';
import type { ActionOutcome, ContainmentAction } from '../../../shared/domain/containment.ts';
import { createSimulatedEntraProvider } from '../../../shared/local/simulated-tenant/provider.ts';
import type { SeedInput } from '../../../shared/local/simulated-tenant/seed.ts';
import {
  type SimulatedTenant,
  type StartSimulatedTenantOptions,
  startSimulatedTenant,
} from '../../../shared/local/simulated-tenant/tenant.ts';

const root = join(import.meta.dirname, '../../..');

export const readSeed = (path: string): SeedInput =>
  JSON.parse(readFileSync(join(root, path), 'utf8')) as SeedInput;

export const testSeed = () => readSeed('test/fixtures/graph/tenant-seed.json');
export const demoSeed = () => readSeed('shared/local/simulated-tenant/demo-seed.json');

export const ERIK = 'e1a2b3c4-d5e6-4f70-8a91-b2c3d4e5f607';
export const NORA = 'f2b3c4d5-e6f7-4a81-9b02-c3d4e5f60718';
export const OLAV_DISABLED = 'a3c4d5e6-f7a8-4b92-8c13-d4e5f6071829';
export const EXPORTER_SP = '5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d';
/** invoice-exporter's application object (not its appId). */
export const EXPORTER_APP = '3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f';
export const PARTNER_SP = '9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
export const KARI = 'c5d6e7f8-a9b0-4c1d-8e2f-3a4b5c6d7e8f';
export const KARI_UPN = 'kari.holm@nordvik.example';
export const LIMITED_APP = {
  clientId: 'd4f6b8c0-1e3a-4b5d-9f2c-4e6a8b0d2f3c',
  clientSecret: 'limited-secret-value-for-simulation',
};
export const MARIA = '1b688927-349c-4622-845d-03aefbc01f62';

export const USER_ACTIONS = APPLICABLE_ACTIONS.user;

/** Recorded retry waits: tests assert what was asked for, never how long it took. */
export function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms: number) => {
      waits.push(ms);
    },
  };
}

export interface Harness {
  tenant: SimulatedTenant;
  provider: EntraIdentityProvider;
  close(): Promise<void>;
}

export async function startHarness(
  options: Partial<StartSimulatedTenantOptions> = {},
  providerOptions: Omit<EntraIdentityProviderOptions, 'config' | 'mode' | 'trustedCa'> = {},
): Promise<Harness> {
  const tenant = await startSimulatedTenant({
    seed: testSeed(),
    // Most tests are not about Identity Protection pacing; those that are turn it back on.
    throttling: { identityProtectionPerSecond: false },
    ...options,
  });
  const provider = createSimulatedEntraProvider(tenant, {
    requestTimeoutMs: 2_000,
    ...providerOptions,
  });
  await provider.warmUp();
  tenant.clearRequests();
  return {
    tenant,
    provider,
    close: async () => {
      provider.close();
      await tenant.close();
    },
  };
}

/** A provider signing in as another app registration of the same simulated tenant. */
export function providerAs(
  tenant: SimulatedTenant,
  app: { clientId: string; clientSecret: string },
  options: Omit<EntraIdentityProviderOptions, 'config' | 'trustedCa'> = {},
): EntraIdentityProvider {
  return new EntraIdentityProvider({
    mode: 'simulated',
    requestTimeoutMs: 2_000,
    ...options,
    trustedCa: tenant.ca,
    config: {
      graphBaseUrl: tenant.graphBaseUrl,
      authorityHost: tenant.authorityHost,
      tenants: [{ tenantId: tenant.tenantId, ...app }],
    },
  });
}

export const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();

export function only(outcomes: ActionOutcome[], action: ContainmentAction): ActionOutcome {
  const found = outcomes.filter((o) => o.action === action);
  if (found.length !== 1) {
    throw new Error(
      `expected one ${action} outcome, got ${found.length}: ${JSON.stringify(outcomes)}`,
    );
  }
  return found[0] as ActionOutcome;
}

export const graphRequests = (tenant: SimulatedTenant) =>
  tenant.requests().filter((r) => r.listener === 'graph');
