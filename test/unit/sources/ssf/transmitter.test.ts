import { describe, expect, it } from 'vitest';
import {
  parseTransmitterConfig,
  transmitterFromConfig,
} from '../../../../shared/sources/ssf/transmitter.ts';
import { AUDIENCE, ISSUER, rsaKey } from './signing.ts';

const base = {
  issuer: ISSUER,
  audience: AUDIENCE,
  provider: 'okta',
  tenantId: 'halvorsen-freight',
};

describe('SSF transmitter configuration', () => {
  it('builds a transmitter from inline public keys with safe defaults', async () => {
    const { publicJwk } = await rsaKey();
    const parsed = parseTransmitterConfig({ ...base, jwks: { keys: [publicJwk] } });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const transmitter = transmitterFromConfig(parsed.value);
    expect(transmitter).toMatchObject({
      issuer: ISSUER,
      audience: [AUDIENCE],
      vendor: 'idp.halvorsenfreight.example',
      maxAgeSeconds: 7 * 24 * 3600,
    });
    expect(transmitter.algorithms).not.toContain('none');
    expect(transmitter.algorithms.some((a) => a.startsWith('HS'))).toBe(false);
  });

  it('accepts an https JWKS URI and refuses a plain-http one', () => {
    expect(
      parseTransmitterConfig({ ...base, jwksUri: 'https://idp.halvorsenfreight.example/jwks' }).ok,
    ).toBe(true);
    const http = parseTransmitterConfig({
      ...base,
      jwksUri: 'http://idp.halvorsenfreight.example/jwks',
    });
    expect(!http.ok && http.error.issues.map((i) => i.path)).toEqual(['jwksUri']);
  });

  it('requires exactly one key source', async () => {
    const { publicJwk } = await rsaKey();
    for (const config of [
      base,
      { ...base, jwksUri: 'https://x.example/jwks', jwks: { keys: [publicJwk] } },
    ]) {
      const parsed = parseTransmitterConfig(config);
      expect(!parsed.ok && parsed.error.message).toMatch(/exactly one of jwksUri .* or jwks/);
    }
  });

  it('refuses private or symmetric keys, and alg none or HMAC', async () => {
    const { publicJwk } = await rsaKey();
    const secret = parseTransmitterConfig({
      ...base,
      jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] },
    });
    expect(!secret.ok && secret.error.issues[0]?.path).toBe('jwks.keys');
    const privateKey = parseTransmitterConfig({
      ...base,
      jwks: { keys: [{ ...publicJwk, d: 'AQAB' }] },
    });
    expect(privateKey.ok).toBe(false);
    for (const alg of ['none', 'HS256']) {
      const parsed = parseTransmitterConfig({
        ...base,
        jwks: { keys: [publicJwk] },
        algorithms: [alg],
      });
      expect(!parsed.ok && parsed.error.issues[0]?.path).toBe('algorithms[0]');
    }
  });
});
