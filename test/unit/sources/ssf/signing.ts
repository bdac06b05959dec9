import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import type { SsfTransmitter } from '../../../../shared/sources/ssf/transmitter.ts';
import { fixture } from '../fixtures.ts';

/** The transmitter the CAEP fixtures were written for (Halvorsen Freight's Okta). */
export const ISSUER = 'https://idp.halvorsenfreight.example/';
export const AUDIENCE = 'https://ir-responder.halvorsenfreight.example/ssf/receiver';
export const KID = 'LwVfry60R1XEvRW2';
/** The fixtures' `iat` is 2026-03-17T16:45:03Z; tests run the receiver's clock just after. */
export const FIXTURE_NOW = new Date('2026-03-17T16:50:00Z');

export interface TestKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function rsaKey(kid = KID): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
  };
}

export function transmitterWith(
  keys: readonly JWK[],
  overrides: Partial<SsfTransmitter> = {},
): SsfTransmitter {
  return {
    issuer: ISSUER,
    audience: [AUDIENCE],
    keys: createLocalJWKSet({ keys: [...keys] }),
    provider: 'okta',
    tenantId: 'halvorsen-freight',
    vendor: 'okta',
    algorithms: ['RS256', 'ES256'],
    maxAgeSeconds: 7 * 24 * 3600,
    ...overrides,
  };
}

/** The payload of `test/fixtures/caep/<variant>.jwt.json`, to sign or to alter first. */
export function setPayload(variant: string): JWTPayload & Record<string, unknown> {
  return fixture<{ payload: JWTPayload & Record<string, unknown> }>('caep', `${variant}.jwt`)
    .payload;
}

export async function sign(
  payload: JWTPayload,
  key: TestKey,
  header: { typ?: string; kid?: string; alg?: string } = {},
): Promise<string> {
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', typ: 'secevent+jwt', kid: key.publicJwk.kid, ...header })
    .sign(key.privateKey);
}

/** A JWS with `alg: none` and no signature, as an attacker would send it. */
export function unsigned(payload: JWTPayload): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'none', typ: 'secevent+jwt' })}.${part(payload)}.`;
}
