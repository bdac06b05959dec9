import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSetSigner } from '../../../shared/adapters/ssf/local-key.ts';
import { type LocalRuntime, startLocalRuntime } from '../../../shared/local/runtime.ts';
import { type LocalServer, startLocalServer } from '../../../shared/local/server.ts';
import { silentLog } from '../../../shared/ports/log.ts';
import { type ReceiverDouble, startReceiverDouble } from './receiver-double.ts';

/**
 * End to end, locally: receivers subscribe through the management API, a detection is contained
 * against the simulated tenant, and the SETs arrive by push and by poll, verifiable with the
 * keys from jwks_uri; the responder's own receiver accepts its own SETs (round trip) and refuses
 * them when the audience differs.
 */

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const ISSUER = 'https://responder.halvorsenfreight.example/';
const SELF_AUDIENCE = 'https://responder.halvorsenfreight.example/ssf/receiver';
const MANAGE = 'manage-token-0123456789abcdef';
const READ_ONLY = 'read-only-token-0123456789abcdef';
// Receivers whose audience the operator configured beside their token (SSF: aud is transmitter-supplied).
const POLLER = 'poller-token-0123456789abcdef';
const SELF = 'self-token-0123456789abcdef';
const STRANGER = 'stranger-token-0123456789abcdef';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const ACCOUNT_DISABLED = 'https://schemas.openid.net/secevent/risc/event-type/account-disabled';
const ACCOUNT_ENABLED = 'https://schemas.openid.net/secevent/risc/event-type/account-enabled';

let stateDir: string;
let runtime: LocalRuntime;
let server: LocalServer;
let receiver: ReceiverDouble;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'responder-ssf-'));
  // The transmitter's key exists before the server starts, so the receiver config can trust it.
  const jwks = await (await localSetSigner(join(stateDir, 'ssf-signing-key.pem'))).jwks();
  const tokens = join(stateDir, 'tokens.json');
  writeFileSync(
    tokens,
    JSON.stringify([
      { token: MANAGE, scopes: ['ssf.manage', 'ssf.read'] },
      { token: READ_ONLY, scopes: ['ssf.read'] },
      { token: POLLER, scopes: ['ssf.manage'], audience: 'https://poller.example' },
      { token: SELF, scopes: ['ssf.manage'], audience: SELF_AUDIENCE },
      { token: STRANGER, scopes: ['ssf.manage'], audience: 'https://someone-else.example' },
    ]),
  );
  const transmitters = join(stateDir, 'transmitters.json');
  writeFileSync(
    transmitters,
    JSON.stringify([
      { issuer: ISSUER, audience: SELF_AUDIENCE, jwks, provider: 'entra', tenantId: TENANT },
    ]),
  );
  const env = {
    RESPONDER_SSF_MANAGEMENT_TOKENS: tokens,
    RESPONDER_SSF_ISSUER: ISSUER,
    RESPONDER_SSF_TRANSMITTERS: transmitters,
  };
  runtime = await startLocalRuntime({
    stateDir,
    env,
    log: silentLog,
    unpacedIdentityProtection: true,
  });
  server = await startLocalServer(runtime, { port: 0, env, log: silentLog });
  receiver = await startReceiverDouble();
});

afterAll(async () => {
  await receiver?.close();
  await server?.close();
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const call = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
  fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      'content-type': 'application/json',
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });

const createStream = async (body: object, token = MANAGE) => {
  const response = await call('/ssf/streams', { method: 'POST', token, body });
  expect(response.status).toBe(201);
  return (await response.json()) as { stream_id: string; delivery: { endpoint_url: string } };
};

describe('the responder as a Shared Signals transmitter', () => {
  let pushStream: string;
  let pollStream: { stream_id: string; delivery: { endpoint_url: string } };
  let incidentId: string;
  let disabled = false;

  it('publishes its configuration and an RSA key of 2048 bits or more, mode 0600 in the state folder', async () => {
    const config = (await (await call('/.well-known/ssf-configuration')).json()) as Record<
      string,
      unknown
    >;
    expect(config).toMatchObject({
      issuer: ISSUER,
      jwks_uri: `${server.url}/ssf/jwks`,
      delivery_methods_supported: ['urn:ietf:rfc:8935', 'urn:ietf:rfc:8936'],
      configuration_endpoint: `${server.url}/ssf/streams`,
      status_endpoint: `${server.url}/ssf/status`,
      add_subject_endpoint: `${server.url}/ssf/subjects/add`,
      remove_subject_endpoint: `${server.url}/ssf/subjects/remove`,
      verification_endpoint: `${server.url}/ssf/verify`,
      default_subjects: 'ALL',
    });
    const jwks = (await (await call('/ssf/jwks')).json()) as {
      keys: Array<{ n: string; d?: string }>;
    };
    expect(Buffer.from(jwks.keys[0]?.n ?? '', 'base64url').length * 8).toBeGreaterThanOrEqual(2048);
    expect(jwks.keys[0]?.d).toBeUndefined();
    expect(statSync(join(stateDir, 'ssf-signing-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('refuses management calls without a token or without the manage scope', async () => {
    expect((await call('/ssf/streams')).status).toBe(401);
    const readOnly = await call('/ssf/streams', {
      method: 'POST',
      token: READ_ONLY,
      body: {
        events_requested: [],
        delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url },
      },
    });
    expect(readOnly.status).toBe(403);
  });

  it('subscribes a push stream and a poll stream (test streams: the tenant is simulated)', async () => {
    pushStream = (
      await createStream({
        events_requested: [SESSION_REVOKED, ACCOUNT_DISABLED, ACCOUNT_ENABLED],
        delivery: {
          method: 'urn:ietf:rfc:8935',
          endpoint_url: receiver.url,
          authorization_header: 'Bearer receiver-secret',
        },
        format: 'email',
        test_stream: true,
      })
    ).stream_id;
    pollStream = await createStream(
      {
        events_requested: [SESSION_REVOKED],
        delivery: { method: 'urn:ietf:rfc:8936' },
        test_stream: true,
      },
      POLLER,
    );
    expect(pollStream.delivery.endpoint_url).toBe(`${server.url}/ssf/poll/${pollStream.stream_id}`);
    // A production stream hears nothing of simulated containment.
    await createStream({
      events_requested: [SESSION_REVOKED],
      delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: `${receiver.url}?production` },
    });
  });

  it('pushes the signed SETs after the detection is contained, verifiable with jwks_uri', async () => {
    const response = await call('/v1/detections', {
      method: 'POST',
      body: JSON.parse(readFileSync('examples/aitm-phished-admin.json', 'utf8')),
    });
    const body = (await response.json()) as {
      result: {
        incidentId: string;
        status: string;
        containment: Array<{ action: string; status: string }>;
      };
    };
    expect(body.result.status).toBe('contained');
    incidentId = body.result.incidentId;

    expect(receiver.received.every((r) => r.contentType === 'application/secevent+jwt')).toBe(true);
    expect(receiver.received.every((r) => r.authorization === 'Bearer receiver-secret')).toBe(true);
    const keys = createRemoteJWKSet(new URL(`${server.url}/ssf/jwks`));
    const sets = await Promise.all(
      receiver.received.map(async (r) => {
        const { payload, protectedHeader } = await jwtVerify(r.body, keys, {
          issuer: ISSUER,
          audience: new URL(receiver.url).origin,
          typ: 'secevent+jwt',
          algorithms: ['RS256'],
        });
        expect(protectedHeader.alg).toBe('RS256');
        return payload;
      }),
    );
    const revoked = sets.find((s) => SESSION_REVOKED in (s.events as object));
    expect(revoked).toMatchObject({
      txn: incidentId,
      sub_id: { format: 'email', email: 'maria.keller@halvorsenfreight.example' },
      events: {
        [SESSION_REVOKED]: {
          initiating_entity: 'policy',
          reason_admin: { en: expect.stringContaining(incidentId) },
        },
      },
    });
    expect(revoked?.sub).toBeUndefined();
    expect(revoked?.exp).toBeUndefined();
    const succeeded = body.result.containment
      .filter((c) => c.status === 'succeeded')
      .map((c) => c.action);
    expect(sets.some((s) => ACCOUNT_DISABLED in (s.events as object))).toBe(
      succeeded.includes('disableAccount'),
    );
    expect(receiver.received.length).toBe(sets.length);
    expect(receiver.received.some((r) => r.url.includes('production'))).toBe(false);
    disabled = succeeded.includes('disableAccount');

    const records = (await runtime.ledger.query({ incidentId })).records;
    const sent = records.filter((r) => r.kind === 'signal.sent');
    expect(sent.map((r) => r.data.receiver)).toEqual(
      expect.arrayContaining([receiver.url, `poll:${pollStream.stream_id}`]),
    );
    expect(sent.every((r) => typeof r.data.jti === 'string')).toBe(true);
    expect(sent.filter((r) => r.data.streamId === pushStream)).toHaveLength(sets.length);
  });

  it('does not send the same signals again when the detection is redelivered', async () => {
    const before = receiver.received.length;
    await call('/v1/detections', {
      method: 'POST',
      body: JSON.parse(readFileSync('examples/aitm-phished-admin.json', 'utf8')),
    });
    expect(receiver.received.length).toBe(before);
  });

  it('delivers by poll, and an acknowledged SET is gone', async () => {
    const poll = (body: object) =>
      fetch(pollStream.delivery.endpoint_url, {
        method: 'POST',
        headers: { authorization: `Bearer ${POLLER}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const first = (await (await poll({ maxEvents: 10, returnImmediately: true })).json()) as {
      sets: Record<string, string>;
      moreAvailable: boolean;
    };
    const jtis = Object.keys(first.sets);
    expect(jtis).toHaveLength(1);
    const token = first.sets[jtis[0] as string] as string;
    const { payload } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(`${server.url}/ssf/jwks`)),
      { issuer: ISSUER, audience: 'https://poller.example' },
    );
    expect(payload.jti).toBe(jtis[0]);
    expect(decodeProtectedHeader(token).typ).toBe('secevent+jwt');
    const second = (await (await poll({ ack: jtis, returnImmediately: true })).json()) as {
      sets: object;
    };
    expect(second.sets).toEqual({});
  });

  it('tells the push receiver the account is enabled again on release', async () => {
    const before = receiver.received.length;
    const released = await call(`/v1/incidents/${incidentId}/release`, {
      method: 'POST',
      body: { justification: 'false positive: travel confirmed' },
    });
    expect(released.status).toBe(200);
    const enabled = receiver.received.slice(before).filter((r) => {
      const [, payload] = r.body.split('.');
      return (
        ACCOUNT_ENABLED in JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()).events
      );
    });
    expect(enabled).toHaveLength(disabled ? 1 : 0);
  });

  it('round trip: its own receiver accepts its SETs, and refuses them for another audience', async () => {
    const own = `${server.url}/v1/ssf/events`;
    const accepted = await createStream(
      {
        events_requested: [SESSION_REVOKED],
        delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: own },
        format: 'complex',
        test_stream: true,
      },
      SELF,
    );
    const refused = await createStream(
      {
        events_requested: [SESSION_REVOKED],
        delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: own },
        // A receiver cannot name its own audience: this is ignored, the operator's stands.
        aud: SELF_AUDIENCE,
        test_stream: true,
      },
      STRANGER,
    );
    const detection = JSON.parse(readFileSync('examples/aitm-phished-admin.json', 'utf8'));
    const response = await call('/v1/detections', {
      method: 'POST',
      body: { ...detection, detectionId: 'halvorsen-soc-2026-03-17-0002' },
    });
    const { result } = (await response.json()) as { result: { incidentId: string } };
    const records = (await runtime.ledger.query({ incidentId: result.incidentId })).records;
    const outcome = (streamId: string) =>
      records.find((r) => r.kind.startsWith('signal.') && r.data.streamId === streamId);
    expect(outcome(accepted.stream_id)).toMatchObject({
      kind: 'signal.sent',
      data: { receiver: own },
    });
    expect(outcome(refused.stream_id)).toMatchObject({
      kind: 'signal.failed',
      data: { err: 'invalid_audience', httpStatus: 400, retryable: false },
    });
    // The receiver made a detection of the accepted SET; it is contained, never echoed back.
    const echoes = await runtime.ledger.query({
      since: new Date(Date.now() - 3_600_000).toISOString(),
      limit: 1000,
    });
    const echoIncidents = new Set(
      echoes.records
        .filter(
          (r) =>
            r.kind === 'detection.received' &&
            String((r.data.detection as { detectionId: string }).detectionId).startsWith('ssf:'),
        )
        .map((r) => r.incidentId),
    );
    expect(echoIncidents.size).toBe(1);
    const echoSignals = echoes.records.filter(
      (r) => echoIncidents.has(r.incidentId) && r.kind.startsWith('signal.'),
    );
    expect(echoSignals).toEqual([]);
  });
});
