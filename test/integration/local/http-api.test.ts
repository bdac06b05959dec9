import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../../shared/local/runtime.ts';
import { type LocalServer, startLocalServer } from '../../../shared/local/server.ts';
import { silentLog } from '../../../shared/ports/log.ts';

/** `responder serve`: the deployed API's routes on localhost, over real HTTP. */

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const MARIA = '1b688927-349c-4622-845d-03aefbc01f62';
const ISSUER = 'https://idp.halvorsenfreight.example/';
const AUDIENCE = 'https://ir-responder.halvorsenfreight.example/ssf/receiver';

let stateDir: string;
let runtime: LocalRuntime;
let server: LocalServer;
let signingKey: CryptoKey;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'responder-http-'));
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  signingKey = privateKey;
  const transmitters = join(stateDir, 'transmitters.json');
  writeFileSync(
    transmitters,
    JSON.stringify([
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] },
        provider: 'entra',
        tenantId: TENANT,
      },
    ]),
  );
  const env = { RESPONDER_SSF_TRANSMITTERS: transmitters };
  runtime = await startLocalRuntime({ stateDir, env, log: silentLog });
  server = await startLocalServer(runtime, { port: 0, env, log: silentLog });
});

afterAll(async () => {
  await server?.close();
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const post = (path: string, body: string, contentType = 'application/json') =>
  fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

describe('local HTTP API', () => {
  it('contains a stolen admin session posted to /v1/detections', async () => {
    const response = await post(
      '/v1/detections',
      readFileSync('examples/aitm-phished-admin.json', 'utf8'),
    );
    expect(response.status).toBe(202);
    expect(response.headers.get('x-responder-mode')).toBe('simulated');
    const body = await response.json();
    expect(body).toMatchObject({
      status: 'accepted',
      result: { status: 'contained', mode: 'simulated' },
    });
    expect(runtime.simulatedTenant?.directory.activeAssignmentsOf(MARIA)).toEqual([]);
  });

  it('refuses a malformed detection, naming the fields, acting on nothing, recording the rejection', async () => {
    const response = await post(
      '/v1/detections',
      JSON.stringify({ schemaVersion: '1', detectionId: 'bad-1', severity: 'urgent' }),
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      issues: Array<{ path: string }>;
      rejectionRecord: string;
    };
    expect(body.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['severity', 'subject', 'tenant']),
    );
    const records = await runtime.ledger.query({ incidentId: body.rejectionRecord });
    expect(records.records.map((r) => r.kind)).toEqual(['detection.rejected']);
  });

  it('refuses oversized and deeply nested payloads before parsing them', async () => {
    const big = await post('/v1/detections', JSON.stringify({ pad: 'x'.repeat(70_000) }));
    expect(big.status).toBe(400);
    expect(((await big.json()) as { message: string }).message).toMatch(/limit is 65536/);
    const deep = await post('/v1/detections', `${'['.repeat(10_000)}${']'.repeat(10_000)}`);
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { message: string }).message).toMatch(/nested deeper/);
  });

  it('ignores a source event that is not about an identity, with the reason', async () => {
    const response = await post(
      '/v1/detections',
      readFileSync('test/fixtures/guardduty/ec2-cryptocurrency-dns.json', 'utf8'),
    );
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'ignored' });
  });

  it('answers the auditor queries', async () => {
    const response = await fetch(`${server.url}/v1/ledger/records?ownerRole=iam&limit=5`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { records: Array<{ ownerRole: string }> };
    expect(body.records.length).toBeGreaterThan(0);
    expect(body.records.every((record) => record.ownerRole === 'iam')).toBe(true);
  });

  it('restores exactly what containment removed on the operator release, once', async () => {
    const incident = (await (
      await fetch(`${server.url}/v1/ledger/records?subjectId=${MARIA}&limit=1`)
    ).json()) as {
      records: Array<{ incidentId: string }>;
    };
    const incidentId = incident.records[0]?.incidentId;
    const release = (body: object) =>
      post(`/v1/incidents/${incidentId}/release`, JSON.stringify(body));

    expect((await release({ justification: 'no' })).status).toBe(400);
    const first = await release({
      justification: 'false positive: the sign-in was the user travelling',
    });
    expect(first.status).toBe(200);
    const released = (await first.json()) as {
      status: string;
      outcomes: Array<{ status: string }>;
    };
    expect(released.status).toBe('released');
    expect(released.outcomes.every((outcome) => outcome.status === 'succeeded')).toBe(true);
    expect(runtime.simulatedTenant?.directory.activeAssignmentsOf(MARIA)).toHaveLength(2);

    const again = (await (
      await release({ justification: 'pressed the button twice by mistake' })
    ).json()) as {
      status: string;
    };
    expect(again.status).toBe('nothingToRestore');
    expect(
      (
        await post(
          '/v1/incidents/inc-000000000000000000000000/release',
          JSON.stringify({ justification: 'unknown incident here' }),
        )
      ).status,
    ).toBe(404);
  });

  it('accepts a signed Security Event Token and refuses it replayed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now,
      jti: `jti-${now}`,
      sub_id: { format: 'opaque', id: MARIA },
      events: {
        'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {
          event_timestamp: now,
          initiating_entity: 'policy',
        },
      },
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: 'k1' })
      .sign(signingKey);
    const first = await post('/v1/ssf/events', token, 'application/secevent+jwt');
    expect(first.status).toBe(202);
    const replay = await post('/v1/ssf/events', token, 'application/secevent+jwt');
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ err: 'invalid_request' });
  });

  it('refuses a Security Event Token with alg none', async () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const forged = `${part({ alg: 'none', typ: 'secevent+jwt' })}.${part({ iss: ISSUER, aud: AUDIENCE, jti: 'x', iat: Math.floor(Date.now() / 1000), events: {} })}.`;
    const response = await post('/v1/ssf/events', forged, 'application/secevent+jwt');
    expect(response.status).toBe(400);
  });
});
