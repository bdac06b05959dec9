import { STSClient } from '@aws-sdk/client-sts';
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEntraConfig } from '../../../shared/adapters/graph/config.ts';
import { awsWebIdentityAssertion } from '../../../shared/adapters/graph/credentials/aws-web-identity.ts';
import { EntraIdentityProvider } from '../../../shared/adapters/graph/entra-identity-provider.ts';
import { startSimulatedSts } from '../../../shared/local/simulated-sts/server.ts';
import { startSimulatedTenant } from '../../../shared/local/simulated-tenant/tenant.ts';
import { NORA, secondsAgo, testSeed } from './harness.ts';

/**
 * The three ways the app proves itself to the login authority, each against the simulated
 * tenant's token endpoint, which verifies what it is given: a secret, a certificate assertion
 * (PS256, x5t#S256), and a federated assertion from AWS STS checked against the issuer's keys.
 */

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ROLE = 'arn:aws:iam::123456789012:role/RevocationResponder-Respond';

async function setUp() {
  const tenant = await startSimulatedTenant({ seed: testSeed() });
  cleanups.push(() => tenant.close());
  const sts = await startSimulatedSts({ roleArn: ROLE });
  cleanups.push(() => sts.close());
  const app = tenant.directory.applications.get(tenant.credentials.clientId);
  if (!app) throw new Error('the seed has the app');
  const stsClient = new STSClient({
    region: 'eu-west-1',
    endpoint: sts.endpoint,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'simulated-secret-key' },
  });
  cleanups.push(() => stsClient.destroy());
  const federatedAssertion = awsWebIdentityAssertion({ region: 'eu-west-1', client: stsClient });
  const signIn = async (credential: Record<string, unknown>) => {
    const config = parseEntraConfig({
      graphBaseUrl: tenant.graphBaseUrl,
      authorityHost: tenant.authorityHost,
      tenants: [
        { tenantId: tenant.tenantId, clientId: tenant.credentials.clientId, ...credential },
      ],
    });
    const provider = new EntraIdentityProvider({
      config,
      mode: 'live',
      trustedCa: tenant.ca,
      federatedAssertion,
    });
    cleanups.push(() => provider.close());
    await provider.warmUp();
    return provider;
  };
  return { tenant, sts, app, signIn };
}

async function certificate() {
  const pems = await generate([{ name: 'commonName', value: 'revocation-responder' }], {
    keySize: 2048,
  });
  return { cert: pems.cert, pem: `${pems.private}\n${pems.cert}\n` };
}

describe('signing in to Graph without @azure/identity', () => {
  it('revokes after a federated sign-in: the STS token is the client assertion, no secret anywhere', async () => {
    const { tenant, sts, app, signIn } = await setUp();
    app.federatedIdentityCredentials.push({
      issuer: sts.issuer,
      subject: ROLE,
      audiences: ['api://AzureADTokenExchange'],
    });

    const provider = await signIn({ federated: true });
    const result = await provider.contain({
      incidentId: 'inc-federated',
      tenantId: tenant.tenantId,
      subject: { type: 'user', id: NORA },
      detectedAt: secondsAgo(1),
      actions: ['revokeSessions'],
    });

    expect(result.outcomes[0]?.status).toBe('succeeded');
    expect(sts.requests()).toEqual([
      {
        action: 'GetWebIdentityToken',
        audience: ['api://AzureADTokenExchange'],
        signingAlgorithm: 'RS256',
        durationSeconds: 300,
        signed: true,
      },
    ]);
    const logins = tenant.requests().filter((r) => r.listener === 'authority');
    expect(logins.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `POST /${tenant.tenantId}/oauth2/v2.0/token 200`,
    ]);
  });

  it.each([
    { case: 'another role', trust: { subject: 'arn:aws:iam::123456789012:role/Other' } },
    { case: 'another audience', trust: { audiences: ['api://SomethingElse'] } },
    { case: 'another issuer', trust: { issuer: 'https://abc.tokens.sts.global.api.aws' } },
  ])('refuses a federated assertion the app does not trust ($case)', async ({ trust }) => {
    const { sts, app, signIn } = await setUp();
    app.federatedIdentityCredentials.push({
      issuer: sts.issuer,
      subject: ROLE,
      audiences: ['api://AzureADTokenExchange'],
      ...trust,
    });

    await expect(signIn({ federated: true })).rejects.toMatchObject({
      name: 'SignInRejectedError',
      message: expect.stringContaining('AADSTS70021'),
    });
  });

  it('signs in with a certificate the app holds, and not with one it does not', async () => {
    const { app, signIn } = await setUp();
    const held = await certificate();
    const other = await certificate();
    app.certificates.push(held.cert);

    await expect(signIn({ certificatePem: held.pem })).resolves.toBeDefined();
    await expect(signIn({ certificatePem: other.pem })).rejects.toMatchObject({
      name: 'SignInRejectedError',
      message: expect.stringContaining('invalid_client'),
    });
  });

  it('signs in with the secret, and a wrong one is refused without being echoed', async () => {
    const { tenant, signIn } = await setUp();
    await expect(signIn({ clientSecret: tenant.credentials.clientSecret })).resolves.toBeDefined();
    const wrong = 'wrong-secret-never-echoed';
    const refusal = await signIn({ clientSecret: wrong }).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ name: 'SignInRejectedError' });
    expect(String((refusal as Error).message)).not.toContain(wrong);
  });

  it('refuses a federated tenant when no assertion source is configured', async () => {
    const config = parseEntraConfig({
      tenants: [{ tenantId: 't1', clientId: 'c1', federated: true }],
    });
    expect(() => new EntraIdentityProvider({ config, mode: 'live' })).toThrow(
      /tenant t1 uses a federated credential, but no assertion source is configured/,
    );
  });
});
