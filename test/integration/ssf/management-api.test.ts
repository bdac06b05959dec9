import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../../shared/local/runtime.ts';
import { type LocalServer, startLocalServer } from '../../../shared/local/server.ts';
import { silentLog } from '../../../shared/ports/log.ts';
import { type ReceiverDouble, startReceiverDouble } from './receiver-double.ts';

/** Every SSF 1.0 stream-management call, over HTTP against `responder serve`. */

const TOKEN = 'receiver-a-token-0123456789';
const OTHER = 'receiver-b-token-0123456789';
const OKTA = 'receiver-okta-token-0123456789';
const OKTA_AUDIENCE = 'https://halvorsen.okta.example';
const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const VERIFICATION = 'https://schemas.openid.net/secevent/ssf/event-type/verification';

let stateDir: string;
let runtime: LocalRuntime;
let server: LocalServer;
let receiver: ReceiverDouble;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'responder-ssf-api-'));
  const tokens = join(stateDir, 'tokens.json');
  writeFileSync(
    tokens,
    JSON.stringify([
      { token: TOKEN, scopes: ['ssf.manage'] },
      { token: OTHER, scopes: ['ssf.manage'] },
      { token: OKTA, scopes: ['ssf.manage'], audience: OKTA_AUDIENCE },
    ]),
  );
  const env = { RESPONDER_SSF_MANAGEMENT_TOKENS: tokens };
  runtime = await startLocalRuntime({ stateDir, env, log: silentLog });
  server = await startLocalServer(runtime, { port: 0, env, log: silentLog });
  receiver = await startReceiverDouble();
});

afterAll(async () => {
  await receiver?.close();
  await server?.close();
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const call = async (method: string, path: string, body?: unknown, token = TOKEN) => {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
};

const payloadOf = (set: string) =>
  JSON.parse(Buffer.from(set.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;

describe('stream management', () => {
  let id: string;

  it('creates, reads, updates, replaces and lists a stream; the issuer defaults to the server URL', async () => {
    const created = await call('POST', '/ssf/streams', {
      events_requested: [SESSION_REVOKED, 'https://example.com/unknown'],
      delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      iss: server.url,
      aud: new URL(receiver.url).origin,
      events_delivered: [SESSION_REVOKED],
    });
    id = String(created.body?.stream_id);
    expect((await call('GET', `/ssf/streams?stream_id=${id}`)).body).toMatchObject({
      stream_id: id,
    });
    const patched = await call('PATCH', '/ssf/streams', { stream_id: id, description: 'okta' });
    expect(patched).toMatchObject({
      status: 200,
      body: { description: 'okta', events_delivered: [SESSION_REVOKED] },
    });
    const replaced = await call('PUT', '/ssf/streams', {
      stream_id: id,
      events_requested: [],
      delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url },
    });
    expect(replaced).toMatchObject({ status: 200, body: { events_delivered: [] } });
    expect(replaced.body?.description).toBeUndefined();
    const listed = await call('GET', '/ssf/streams');
    expect(
      (listed.body as unknown as Array<{ stream_id: string }>).map((s) => s.stream_id),
    ).toEqual([id]);
  });

  it.each([
    [
      { events_requested: [], delivery: { method: 'urn:ietf:rfc:8935' } },
      /endpoint_url is required/,
    ],
    [
      {
        events_requested: [],
        delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: 'http://example.com/x' },
      },
      /must be https/,
    ],
    [
      { events_requested: [], delivery: { method: 'urn:example:smoke-signals' } },
      /delivery\.method/,
    ],
    [{ delivery: { method: 'urn:ietf:rfc:8936' } }, /events_requested/],
  ])('refuses an invalid stream, naming the field (%#)', async (body, message) => {
    const answer = await call('POST', '/ssf/streams', body);
    expect(answer.status).toBe(400);
    expect(String(answer.body?.description)).toMatch(message);
  });

  it("takes aud from the operator's configuration of the receiver, ignoring one the receiver sends", async () => {
    const created = await call(
      'POST',
      '/ssf/streams',
      {
        events_requested: [SESSION_REVOKED],
        delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url },
        aud: 'https://attacker.example',
        iss: 'https://not-the-transmitter.example',
      },
      OKTA,
    );
    expect(created).toMatchObject({ status: 201, body: { aud: OKTA_AUDIENCE, iss: server.url } });
    const streamId = String(created.body?.stream_id);
    const echoed = await call(
      'PATCH',
      '/ssf/streams',
      { stream_id: streamId, aud: OKTA_AUDIENCE, iss: server.url, description: 'itp' },
      OKTA,
    );
    expect(echoed).toMatchObject({ status: 200, body: { aud: OKTA_AUDIENCE, description: 'itp' } });
    for (const method of ['PATCH', 'PUT']) {
      const moved = await call(
        method,
        '/ssf/streams',
        {
          stream_id: streamId,
          events_requested: [],
          delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url },
          aud: 'https://attacker.example',
        },
        OKTA,
      );
      expect(moved.status, method).toBe(400);
      expect(String(moved.body?.description)).toMatch(/^aud is transmitter-supplied/);
    }
    const read = await call('GET', `/ssf/streams?stream_id=${streamId}`, undefined, OKTA);
    expect(read.body).toMatchObject({ aud: OKTA_AUDIENCE, description: 'itp' });
    await call('DELETE', `/ssf/streams?stream_id=${streamId}`, undefined, OKTA);
  });

  it('hides a stream from another receiver', async () => {
    expect((await call('GET', `/ssf/streams?stream_id=${id}`, undefined, OTHER)).status).toBe(404);
    expect((await call('GET', '/ssf/streams', undefined, OTHER)).body).toEqual([]);
  });

  it('gets and sets the status; a paused stream holds, enabling it delivers what it held', async () => {
    expect((await call('GET', `/ssf/status?stream_id=${id}`)).body).toEqual({
      stream_id: id,
      status: 'enabled',
    });
    expect(
      (
        await call('POST', '/ssf/status', {
          stream_id: id,
          status: 'paused',
          reason: 'maintenance',
        })
      ).body,
    ).toEqual({ stream_id: id, status: 'paused', reason: 'maintenance' });
    const before = receiver.received.length;
    expect((await call('POST', '/ssf/verify', { stream_id: id, state: 'held-1' })).status).toBe(
      204,
    );
    expect(receiver.received.length).toBe(before);
    await call('POST', '/ssf/status', { stream_id: id, status: 'enabled' });
    expect(receiver.received.length).toBe(before + 1);
    expect(payloadOf(receiver.received.at(-1)?.body ?? '')).toMatchObject({
      events: { [VERIFICATION]: { state: 'held-1' } },
      sub_id: { format: 'opaque', id },
    });
  });

  /** A new push stream: each may ask for one verification per min_verification_interval. */
  const freshStream = async () => {
    const created = await call('POST', '/ssf/streams', {
      events_requested: [SESSION_REVOKED],
      delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url },
    });
    return String(created.body?.stream_id);
  };

  it('a disabled stream drops: nothing is sent, nothing is held for later', async () => {
    const held = await freshStream();
    await call('POST', '/ssf/status', { stream_id: held, status: 'paused' });
    expect((await call('POST', '/ssf/verify', { stream_id: held, state: 'dropped' })).status).toBe(
      204,
    );
    await call('POST', '/ssf/status', { stream_id: held, status: 'disabled' });
    const disabled = await freshStream();
    await call('POST', '/ssf/status', { stream_id: disabled, status: 'disabled' });
    const before = receiver.received.length;
    expect(
      (await call('POST', '/ssf/verify', { stream_id: disabled, state: 'also-dropped' })).status,
    ).toBe(204);
    for (const stream_id of [held, disabled])
      await call('POST', '/ssf/status', { stream_id, status: 'enabled' });
    expect(receiver.received.length).toBe(before);
    expect((await call('POST', '/ssf/status', { stream_id: id, status: 'asleep' })).status).toBe(
      400,
    );
  });

  it('advertises min_verification_interval and answers 429 to verification asked for more often', async () => {
    const stream_id = await freshStream();
    const read = await call('GET', `/ssf/streams?stream_id=${stream_id}`);
    expect(read.body?.min_verification_interval).toBe(60);
    const before = receiver.received.length;
    expect((await call('POST', '/ssf/verify', { stream_id, state: 'first' })).status).toBe(204);
    const again = await fetch(`${server.url}/ssf/verify`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ stream_id, state: 'second' }),
    });
    expect(again.status).toBe(429);
    const retryAfter = Number(again.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(receiver.received.length).toBe(before + 1);
    expect(payloadOf(receiver.received.at(-1)?.body ?? '')).toMatchObject({
      events: { [VERIFICATION]: { state: 'first' } },
    });
  });

  it('adds and removes subjects', async () => {
    const subject = { format: 'email', email: 'maria.keller@halvorsenfreight.example' };
    expect((await call('POST', '/ssf/subjects/remove', { stream_id: id, subject })).status).toBe(
      204,
    );
    expect((await call('POST', '/ssf/subjects/add', { stream_id: id, subject })).status).toBe(200);
    expect(
      (await call('POST', '/ssf/subjects/add', { stream_id: id, subject: { format: 'phone' } }))
        .status,
    ).toBe(400);
  });

  it('deletes the stream', async () => {
    expect((await call('DELETE', `/ssf/streams?stream_id=${id}`)).status).toBe(204);
    expect((await call('GET', `/ssf/streams?stream_id=${id}`)).status).toBe(404);
  });
});
