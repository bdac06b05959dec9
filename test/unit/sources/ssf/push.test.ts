import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { InMemoryReplayGuard } from '../../../../shared/adapters/memory/replay-guard.ts';
import type { DetectionResult } from '../../../../shared/sources/result.ts';
import { createSetPushReceiver, SET_CONTENT_TYPE } from '../../../../shared/sources/ssf/push.ts';
import type { SsfTransmitter } from '../../../../shared/sources/ssf/transmitter.ts';
import {
  FIXTURE_NOW,
  ISSUER,
  rsaKey,
  setPayload,
  sign,
  type TestKey,
  transmitterWith,
  unsigned,
} from './signing.ts';

const clock = { now: () => FIXTURE_NOW };
let transmitterKey: TestKey;
let attackerKey: TestKey;
let transmitter: SsfTransmitter;

beforeAll(async () => {
  transmitterKey = await rsaKey();
  attackerKey = await rsaKey(); // same kid, different key pair
  transmitter = transmitterWith([transmitterKey.publicJwk]);
});

function receiver(options: { deliver?: (r: DetectionResult) => Promise<void> } = {}) {
  const delivered: DetectionResult[] = [];
  const replayGuard = new InMemoryReplayGuard({ clock });
  const push = createSetPushReceiver({
    transmitters: [transmitter],
    replayGuard,
    clock,
    deliver:
      options.deliver ??
      (async (result) => {
        delivered.push(result);
      }),
  });
  return { push, delivered, replayGuard };
}

describe('RFC 8935 push receiver: accepted SETs', () => {
  it('verifies a signed CAEP session-revoked SET, hands its detection on and answers 202', async () => {
    const { push, delivered } = receiver();
    const token = await sign(setPayload('session-revoked'), transmitterKey);

    const response = await push.receivePushedSet(token, SET_CONTENT_TYPE);

    expect(response).toMatchObject({ status: 202, outcome: 'delivered' });
    expect(delivered).toHaveLength(1);
    const detection = delivered[0]?.detection;
    expect(detection).toMatchObject({
      severity: 'high',
      source: {
        vendor: 'okta',
        product: 'caep',
        ruleId: 'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
      },
      tenant: { provider: 'okta', tenantId: 'halvorsen-freight' },
      subject: { type: 'user', id: '00unncgl0k9KaBdRpL3L' },
      session: { sessionId: 'EyqmTpAJ0H65wc45YHGb0JUIvyPoCY-K' },
      detectedAt: '2026-03-17T16:44:58.000Z',
    });
    expect(detection?.evidence).not.toContainEqual(
      expect.objectContaining({ type: 'ssf.signature' }),
    );
    expect(delivered[0]?.sourceEventId).toBe('8e94102c36f5f7e449f9d1b1de326183');
    expect(
      response.status === 202 && response.outcome === 'delivered' && response.detectionId,
    ).toBe(detection?.detectionId);
  });

  it('accepts a media type with parameters and a trailing newline in the body', async () => {
    const { push } = receiver();
    const token = await sign(setPayload('risc-credential-compromise'), transmitterKey);
    const response = await push.receivePushedSet(
      `${token}\n`,
      'application/secevent+jwt; charset=utf-8',
    );
    expect(response).toMatchObject({ status: 202, outcome: 'delivered' });
  });

  it('answers 202 without handing anything on for an SSF verification event', async () => {
    const { push, delivered } = receiver();
    const token = await sign(setPayload('ssf-verification'), transmitterKey);
    expect(await push.receivePushedSet(token, SET_CONTENT_TYPE)).toMatchObject({
      status: 202,
      outcome: 'ignored',
      reason: expect.stringMatching(/verification is informational/),
    });
    expect(delivered).toHaveLength(0);
  });
});

describe('RFC 8935 push receiver: refused SETs', () => {
  const refused = async (token: string, err: string, contentType = SET_CONTENT_TYPE) => {
    const { push, delivered } = receiver();
    const response = await push.receivePushedSet(token, contentType);
    expect(response.status).toBe(400);
    expect(response.status === 400 && response.body.err).toBe(err);
    expect(delivered).toHaveLength(0);
    return response.status === 400 ? response.body.description : '';
  };

  it('refuses a SET signed with another key under the transmitter kid: authentication_failed', async () => {
    const token = await sign(setPayload('session-revoked'), attackerKey);
    expect(await refused(token, 'authentication_failed')).toMatch(/signature does not verify/);
  });

  it('refuses a SET whose kid is not in the JWKS: invalid_key', async () => {
    const stranger = await rsaKey('attacker-kid');
    await refused(await sign(setPayload('session-revoked'), stranger), 'invalid_key');
  });

  it('refuses an unsigned SET (alg none): authentication_failed', async () => {
    expect(await refused(unsigned(setPayload('session-revoked')), 'authentication_failed')).toMatch(
      /alg none/,
    );
  });

  it('refuses an HMAC-signed SET even with a known kid: invalid_key', async () => {
    const payload = setPayload('session-revoked');
    const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const input = `${part({ alg: 'HS256', typ: 'secevent+jwt', kid: 'LwVfry60R1XEvRW2' })}.${part(payload)}`;
    const mac = createHmac('sha256', 'guessed-secret').update(input).digest('base64url');
    await refused(`${input}.${mac}`, 'invalid_key');
  });

  it('refuses a SET from an issuer that is not configured: invalid_issuer', async () => {
    const payload = { ...setPayload('session-revoked'), iss: 'https://idp.attacker.example/' };
    await refused(await sign(payload, transmitterKey), 'invalid_issuer');
  });

  it('refuses a SET addressed to another receiver: invalid_audience', async () => {
    const payload = {
      ...setPayload('session-revoked'),
      aud: 'https://someone-else.example/receiver',
    };
    await refused(await sign(payload, transmitterKey), 'invalid_audience');
  });

  it('refuses a JWT that is not explicitly typed secevent+jwt: invalid_request', async () => {
    const token = await sign(setPayload('session-revoked'), transmitterKey, { typ: 'JWT' });
    expect(await refused(token, 'invalid_request')).toMatch(/typ must be secevent\+jwt/);
  });

  it('refuses SETs that break the SSF profile: two events, sub, exp', async () => {
    await refused(
      await sign(setPayload('malformed-two-events'), transmitterKey),
      'invalid_request',
    );
    const withSub = { ...setPayload('session-revoked'), sub: '00unncgl0k9KaBdRpL3L' };
    expect(await refused(await sign(withSub, transmitterKey), 'invalid_request')).toMatch(/sub/);
    const withExp = { ...setPayload('session-revoked'), exp: 1893456000 };
    expect(await refused(await sign(withExp, transmitterKey), 'invalid_request')).toMatch(/exp/);
  });

  it('refuses a SET older than the transmitter allows', async () => {
    const old = { ...setPayload('session-revoked'), iat: 1773765903 - 8 * 24 * 3600 };
    expect(await refused(await sign(old, transmitterKey), 'invalid_request')).toMatch(
      /issued more than/,
    );
  });

  it('refuses a SET about another tenant than the transmitter is configured for: access_denied', async () => {
    const payload = setPayload('session-revoked');
    (payload.sub_id as { tenant: { id: string } }).tenant.id = 'another-customer';
    await refused(await sign(payload, transmitterKey), 'access_denied');
  });

  it('refuses a body that is not a SET, or not sent as one', async () => {
    await refused('{"events":{}}', 'invalid_request');
    await refused('a.b.c.d.e', 'invalid_request'); // JWE shape
    const token = await sign(setPayload('session-revoked'), transmitterKey);
    await refused(token, 'invalid_request', 'application/json');
    const missingType = await receiver().push.receivePushedSet(token, undefined);
    expect(missingType).toMatchObject({ status: 400, body: { err: 'invalid_request' } });
  });
});

describe('RFC 8935 push receiver: replay', () => {
  it('refuses a replayed jti and hands the detection on only once', async () => {
    const { push, delivered } = receiver();
    const token = await sign(setPayload('session-revoked'), transmitterKey);
    expect((await push.receivePushedSet(token, SET_CONTENT_TYPE)).status).toBe(202);

    const replay = await push.receivePushedSet(token, SET_CONTENT_TYPE);
    expect(replay).toMatchObject({ status: 400, body: { err: 'invalid_request' } });
    expect(replay.status === 400 && replay.body.description).toMatch(/duplicate SET: jti 8e94102c/);
    expect(delivered).toHaveLength(1);
  });

  it('treats the same jti from another issuer as a different SET', async () => {
    const other = await rsaKey('other');
    const second = transmitterWith([other.publicJwk], {
      issuer: 'https://idp2.halvorsenfreight.example/',
    });
    const delivered: DetectionResult[] = [];
    const push = createSetPushReceiver({
      transmitters: [transmitter, second],
      replayGuard: new InMemoryReplayGuard({ clock }),
      clock,
      deliver: async (r) => {
        delivered.push(r);
      },
    });
    await push.receivePushedSet(
      await sign(setPayload('session-revoked'), transmitterKey),
      SET_CONTENT_TYPE,
    );
    const payload = {
      ...setPayload('session-revoked'),
      iss: 'https://idp2.halvorsenfreight.example/',
    };
    const response = await push.receivePushedSet(await sign(payload, other), SET_CONTENT_TYPE);
    expect(response.status).toBe(202);
    expect(new Set(delivered.map((d) => d.detection.detectionId)).size).toBe(2);
  });

  it('gives the jti back when the detection cannot be handed on, so the retry is accepted', async () => {
    let attempts = 0;
    const { push } = receiver({
      deliver: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('queue unavailable');
      },
    });
    const token = await sign(setPayload('session-revoked'), transmitterKey);
    await expect(push.receivePushedSet(token, SET_CONTENT_TYPE)).rejects.toThrow(
      'queue unavailable',
    );
    expect((await push.receivePushedSet(token, SET_CONTENT_TYPE)).status).toBe(202);
    expect(attempts).toBe(2);
  });

  it('does not let a forged SET burn the jti of the genuine one', async () => {
    const { push } = receiver();
    await push.receivePushedSet(
      await sign(setPayload('session-revoked'), attackerKey),
      SET_CONTENT_TYPE,
    );
    const genuine = await sign(setPayload('session-revoked'), transmitterKey);
    expect((await push.receivePushedSet(genuine, SET_CONTENT_TYPE)).status).toBe(202);
  });

  it('reports ISSUER in descriptions so an operator can tell transmitters apart', async () => {
    const { push } = receiver();
    const response = await push.receivePushedSet(
      await sign(setPayload('session-revoked'), attackerKey),
      SET_CONTENT_TYPE,
    );
    expect(response.status === 400 && response.body.description).toContain(ISSUER);
  });
});
