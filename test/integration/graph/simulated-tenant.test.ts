import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/domain/errors.ts';
import { createSimulatedEntraProvider } from '../../../shared/local/simulated-tenant/provider.ts';
import { parseSeed, type SeedInput } from '../../../shared/local/simulated-tenant/seed.ts';
import {
  type SimulatedTenant,
  startSimulatedTenant,
} from '../../../shared/local/simulated-tenant/tenant.ts';
import { SEED_SCHEMA_PATH, seedJsonSchemaText } from '../../../shared/local/write-seed-schemas.ts';
import { demoSeed, MARIA, testSeed } from './harness.ts';

let tenant: SimulatedTenant | undefined;
afterEach(async () => {
  await tenant?.close();
  tenant = undefined;
});

function call(
  t: SimulatedTenant,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, ca: t.ca },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

describe('simulated tenant', () => {
  it('keeps seed.schema.json in step with the seed schema', () => {
    expect(readFileSync(SEED_SCHEMA_PATH, 'utf8')).toBe(seedJsonSchemaText());
  });

  it('ships a demo seed with the privileged user, the break-glass account and a workload identity', () => {
    const parsed = parseSeed(demoSeed());
    if (!parsed.ok) throw parsed.error;
    const seed = parsed.value;
    expect(seed.tenant.id).toBe('395979b2-3921-4e47-adf8-f76fc76c27fc');
    const maria = seed.users.find((u) => u.id === MARIA);
    expect(maria?.userPrincipalName).toBe('maria.keller@halvorsenfreight.example');
    expect(
      seed.roleAssignments
        .filter((a) => a.principalId === MARIA)
        .map((a) => a.type)
        .sort(),
    ).toEqual(['permanent', 'pimActive']);
    expect(seed.servicePrincipals[0]?.passwordCredentials).toHaveLength(1);
  });

  it('refuses a seed naming the bad field', async () => {
    const bad = {
      ...testSeed(),
      users: [{ id: 'not-a-guid', userPrincipalName: 'x', displayName: 'x' }],
    } as unknown as SeedInput;
    await expect(startSimulatedTenant({ seed: bad })).rejects.toThrow(ConfigError);
    await expect(startSimulatedTenant({ seed: bad })).rejects.toThrow(/users\[0\]\.id/);
  });

  it('answers Graph without a bearer token with 401 InvalidAuthenticationToken', async () => {
    tenant = await startSimulatedTenant({ seed: testSeed() });
    const answer = await call(tenant, `${tenant.graphBaseUrl}/v1.0/users/${MARIA}`);
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken' } });
  });

  it('issues tokens only for its own Graph scope and a known secret', async () => {
    tenant = await startSimulatedTenant({ seed: testSeed() });
    const token = (scope: string, secret: string) =>
      call(
        tenant as SimulatedTenant,
        `${tenant?.authorityHost}/${tenant?.tenantId}/oauth2/v2.0/token`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: tenant?.credentials.clientId ?? '',
            client_secret: secret,
            scope,
          }).toString(),
        },
      );
    const ok = await token(`${tenant.graphBaseUrl}/.default`, tenant.credentials.clientSecret);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    const wrongScope = await token(
      'https://graph.microsoft.com/.default',
      tenant.credentials.clientSecret,
    );
    expect(wrongScope.body).toMatchObject({ error: 'invalid_scope' });
    const wrongSecret = await token(`${tenant.graphBaseUrl}/.default`, 'not-the-secret');
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
  });
});

describe('simulated tenant state in local mode', () => {
  it('keeps what containment changed between runs when given a state file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sim-tenant-'));
    const statePath = join(folder, 'tenant.json');
    try {
      const first = await startSimulatedTenant({ seed: demoSeed(), statePath });
      const provider = createSimulatedEntraProvider(first);
      await provider.contain({
        incidentId: 'inc-persist',
        tenantId: first.tenantId,
        subject: { type: 'user', id: MARIA },
        detectedAt: new Date().toISOString(),
        actions: ['isolatePrivilege', 'disableAccount'],
      });
      provider.close();
      await first.close();

      tenant = await startSimulatedTenant({ seed: demoSeed(), statePath });
      expect(tenant.directory.activeAssignmentsOf(MARIA)).toEqual([]);
      expect(tenant.directory.findUser(MARIA)?.accountEnabled).toBe(false);
      expect(parseSeed(JSON.parse(readFileSync(statePath, 'utf8'))).ok).toBe(true);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
