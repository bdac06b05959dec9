import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { entraConfigFromEnv, parseEntraConfig } from '../../../shared/adapters/graph/config.ts';
import { EntraIdentityProvider } from '../../../shared/adapters/graph/entra-identity-provider.ts';
import { ConfigError } from '../../../shared/domain/errors.ts';
import {
  type SimulatedTenant,
  startSimulatedTenant,
} from '../../../shared/local/simulated-tenant/tenant.ts';
import { ERIK, NORA, secondsAgo, testSeed, USER_ACTIONS } from './harness.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Every outgoing HTTP request of this process, by host, whatever library made it. */
function recordOutgoingHosts(): Set<string> {
  const hosts = new Set<string>();
  const onHttp = (message: unknown) => {
    const request = (message as { request: ClientRequest }).request;
    hosts.add(`${request.protocol}//${String(request.getHeader('host'))}`);
  };
  const onUndici = (message: unknown) => {
    hosts.add(String((message as { request: { origin: string } }).request.origin));
  };
  subscribe('http.client.request.start', onHttp);
  subscribe('undici:request:create', onUndici);
  cleanups.push(() => {
    unsubscribe('http.client.request.start', onHttp);
    unsubscribe('undici:request:create', onUndici);
  });
  return hosts;
}

async function tenantWithCertificateApp(): Promise<{ tenant: SimulatedTenant; pemPath: string }> {
  const tenant = await startSimulatedTenant({
    seed: testSeed(),
    throttling: { identityProtectionPerSecond: false },
  });
  cleanups.push(() => tenant.close());
  const pems = await generate([{ name: 'commonName', value: 'revocation-responder' }], {
    keySize: 2048,
  });
  tenant.directory.applications.get(tenant.credentials.clientId)?.certificates.push(pems.cert);
  const folder = await mkdtemp(join(tmpdir(), 'responder-cert-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  const pemPath = join(folder, 'responder.pem');
  await writeFile(pemPath, `${pems.private}\n${pems.cert}\n`, { mode: 0o600 });
  return { tenant, pemPath };
}

describe('live mode, configured only through the environment', () => {
  it('signs in with a client certificate and contains through the configured hosts only', async () => {
    const { tenant, pemPath } = await tenantWithCertificateApp();
    const config = entraConfigFromEnv({
      GRAPH_BASE_URL: tenant.graphBaseUrl,
      ENTRA_AUTHORITY_HOST: tenant.authorityHost,
      ENTRA_TENANT_ID: tenant.tenantId,
      ENTRA_CLIENT_ID: tenant.credentials.clientId,
      ENTRA_CLIENT_CERTIFICATE_PATH: pemPath,
    });
    if (!config) throw new Error('the environment configures a tenant');
    const hosts = recordOutgoingHosts();
    // the double's own CA is the only non-default thing: a national cloud needs nothing more
    const provider = new EntraIdentityProvider({ config, mode: 'live', trustedCa: tenant.ca });
    cleanups.push(() => provider.close());

    await provider.warmUp();
    const result = await provider.contain({
      incidentId: 'inc-live',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(1),
      actions: USER_ACTIONS,
    });
    const verification = await provider.verify({
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: ERIK },
      detectedAt: secondsAgo(2),
    });

    expect(provider.mode).toBe('live');
    expect(result.outcomes.map((o) => o.status)).toEqual(result.outcomes.map(() => 'succeeded'));
    expect(verification.verified).toBe(true);
    expect([...hosts].sort()).toEqual([tenant.authorityHost, tenant.graphBaseUrl].sort());
    const authority = tenant.requests().filter((r) => r.listener === 'authority');
    // one round trip to sign in: no metadata discovery before the token request
    expect(authority.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST /${tenant.tenantId}/oauth2/v2.0/token`,
    ]);
    expect(tenant.directory.activeAssignmentsOf(ERIK)).toEqual([]);
  });
});

describe('entraConfigFromEnv', () => {
  it('fails at start-up when the certificate file cannot be read', () => {
    const config = entraConfigFromEnv({
      ENTRA_TENANT_ID: 'tenant',
      ENTRA_CLIENT_ID: 'client',
      ENTRA_CLIENT_CERTIFICATE_PATH: '/nonexistent/responder.pem',
    });
    if (!config) throw new Error('configured');
    expect(() => new EntraIdentityProvider({ config })).toThrow(
      /client certificate for tenant tenant cannot be read \(ENOENT\)/,
    );
  });

  it('is undefined when no Entra credential is configured (the simulated tenant runs instead)', () => {
    expect(entraConfigFromEnv({ GRAPH_BASE_URL: 'https://graph.microsoft.us' })).toBeUndefined();
  });

  it('defaults to the global Graph endpoint and login authority', () => {
    const config = entraConfigFromEnv({
      ENTRA_TENANT_ID: 'tenant',
      ENTRA_CLIENT_ID: 'client',
      ENTRA_CLIENT_SECRET: 'secret-value',
    });
    expect(config).toMatchObject({
      graphBaseUrl: 'https://graph.microsoft.com',
      authorityHost: 'https://login.microsoftonline.com',
      tenants: [{ tenantId: 'tenant', clientId: 'client', clientSecret: 'secret-value' }],
    });
  });

  it('names the missing variables and never echoes a secret', () => {
    const secret = 's3cr3t-never-in-an-error';
    expect(() => entraConfigFromEnv({ ENTRA_CLIENT_SECRET: secret })).toThrow(
      /ENTRA_TENANT_ID, ENTRA_CLIENT_ID/,
    );
    try {
      entraConfigFromEnv({ ENTRA_CLIENT_SECRET: secret, GRAPH_BASE_URL: 'http://graph.local' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(String(error)).not.toContain(secret);
    }
  });

  it('rejects a Graph endpoint that is not an https origin, naming the variable', () => {
    expect(() =>
      entraConfigFromEnv({
        ENTRA_TENANT_ID: 'tenant',
        ENTRA_CLIENT_ID: 'client',
        ENTRA_CLIENT_SECRET: 'secret-value',
        GRAPH_BASE_URL: 'http://127.0.0.1:8080',
      }),
    ).toThrow(/GRAPH_BASE_URL/);
  });

  it('refuses both a secret and a certificate', () => {
    expect(() =>
      entraConfigFromEnv({
        ENTRA_TENANT_ID: 'tenant',
        ENTRA_CLIENT_ID: 'client',
        ENTRA_CLIENT_SECRET: 'secret-value',
        ENTRA_CLIENT_CERTIFICATE_PATH: '/etc/responder.pem',
      }),
    ).toThrow(/not both/);
  });
});

describe('several tenants (an MSP)', () => {
  it('keeps one credential and sign-in per tenant, and acts only where that sign-in works', async () => {
    const tenant = await startSimulatedTenant({ seed: testSeed() });
    cleanups.push(() => tenant.close());
    const otherTenant = '11111111-2222-4333-8444-555555555555';
    const config = parseEntraConfig({
      graphBaseUrl: tenant.graphBaseUrl,
      authorityHost: tenant.authorityHost,
      tenants: [
        { ...tenant.credentials },
        {
          tenantId: otherTenant,
          clientId: tenant.credentials.clientId,
          clientSecret: 'other-secret',
        },
      ],
    });
    const provider = new EntraIdentityProvider({ config, mode: 'live', trustedCa: tenant.ca });
    cleanups.push(() => provider.close());
    expect(provider.coversTenant(tenant.tenantId)).toBe(true);
    expect(provider.coversTenant(otherTenant.toUpperCase())).toBe(true);

    const contain = (tenantId: string) =>
      provider.contain({
        incidentId: `inc-${tenantId}`,
        tenantId,
        subject: { type: 'user', id: NORA },
        detectedAt: secondsAgo(1),
        actions: ['revokeSessions'],
      });
    const [here, there] = await Promise.all([contain(tenant.tenantId), contain(otherTenant)]);
    expect(here.outcomes[0]?.status).toBe('succeeded');
    // the authority does not know that tenant: no token, so nothing reaches Graph for it
    expect(there.outcomes[0]).toMatchObject({ status: 'failed' });
    const authorityPaths = tenant
      .requests()
      .filter((r) => r.listener === 'authority')
      .map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(authorityPaths).toContain(`POST /${tenant.tenantId}/oauth2/v2.0/token 200`);
    expect(authorityPaths).toContain(`POST /${otherTenant}/oauth2/v2.0/token 400`);
    expect(tenant.requests().filter((r) => r.listener === 'graph')).toHaveLength(1);
  });

  it('refuses a configuration naming a tenant twice or a tenant without a credential', () => {
    const base = { tenantId: 't1', clientId: 'c1', clientSecret: 'secret-value' };
    expect(() => parseEntraConfig({ tenants: [base, { ...base, tenantId: 'T1' }] })).toThrow(
      /each tenantId may appear once/,
    );
    expect(() => parseEntraConfig({ tenants: [{ tenantId: 't1', clientId: 'c1' }] })).toThrow(
      /exactly one of clientSecret, certificatePath, certificatePem or federated/,
    );
  });
});
