import {
  EntraIdentityProvider,
  type EntraIdentityProviderOptions,
} from '../../adapters/graph/entra-identity-provider.ts';
import type { SimulatedTenant } from './tenant.ts';

/**
 * The production EntraIdentityProvider, pointed at a simulated tenant: same code path (Graph
 * client, MSAL sign-in, retries, limiter), `mode: 'simulated'`, trusting only the tenant's own
 * self-signed certificate in addition to Node's roots.
 */
export function createSimulatedEntraProvider(
  tenant: SimulatedTenant,
  options: Omit<EntraIdentityProviderOptions, 'config' | 'mode' | 'trustedCa'> = {},
): EntraIdentityProvider {
  return new EntraIdentityProvider({
    ...options,
    mode: 'simulated',
    trustedCa: tenant.ca,
    config: {
      graphBaseUrl: tenant.graphBaseUrl,
      authorityHost: tenant.authorityHost,
      tenants: [
        {
          tenantId: tenant.credentials.tenantId,
          clientId: tenant.credentials.clientId,
          clientSecret: tenant.credentials.clientSecret,
        },
      ],
    },
  });
}
