import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, exportJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearerTokenVerifier } from '../../../shared/adapters/ssf/bearer-token.ts';

/** The management API's OAuth bearer tokens in AWS (what the API Gateway authorizer checks). */

const ISSUER = 'https://idp.example.com/oauth2/default';
const AUDIENCE = 'api://revocation-responder-ssf';
const trusted = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
let verify: ReturnType<typeof bearerTokenVerifier>;

beforeAll(async () => {
  const jwk = { ...(await exportJWK(trusted.publicKey)), kid: 'k1', alg: 'RS256' };
  verify = bearerTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    jwks: createLocalJWKSet({ keys: [jwk] }),
  });
});

type Claims = Record<string, unknown>;

async function token(claims: Claims, key = trusted.privateKey, expiresIn = '5m'): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuedAt();
  if (expiresIn) jwt.setExpirationTime(expiresIn);
  return jwt.sign(key);
}

const good = { iss: ISSUER, aud: AUDIENCE, sub: 'okta-itp-client' };

describe('bearer tokens for the management API', () => {
  it.each([
    ['scope (RFC 9068)', { scope: 'ssf.manage ssf.read' }, ['ssf.manage', 'ssf.read']],
    ['scp as a list (Okta)', { scp: ['ssf.read'] }, ['ssf.read']],
    ['no scope at all', {}, []],
  ])('names the caller by subject with scopes from %s', async (_, extra, scopes) => {
    expect(await verify(await token({ ...good, ...extra }))).toEqual({
      principal: 'okta-itp-client',
      scopes,
    });
  });

  it.each([
    ['another issuer', { ...good, iss: 'https://evil.example.com' }],
    ['another audience', { ...good, aud: 'api://something-else' }],
    ['no subject', { iss: ISSUER, aud: AUDIENCE }],
  ])('refuses a token from %s', async (_, claims) => {
    expect(await verify(await token(claims))).toBeUndefined();
  });

  it('refuses a token signed with a key the issuer does not publish', async () => {
    expect(await verify(await token(good, stranger.privateKey))).toBeUndefined();
  });

  it('refuses an expired token and one that never expires', async () => {
    expect(await verify(await token(good, trusted.privateKey, '-1m'))).toBeUndefined();
    expect(await verify(await token(good, trusted.privateKey, ''))).toBeUndefined();
  });

  it('refuses what is not a JWT', async () => {
    expect(await verify('not-a-jwt')).toBeUndefined();
  });
});
