import { createRemoteJWKSet, type JWTVerifyGetKey, jwtVerify } from 'jose';
import type { SsfCaller } from '../http/ssf-api.ts';

export interface BearerTokenIssuer {
  issuer: string;
  audience: string;
  /** The issuer's keys: a URL (fetched and cached by jose) or a key lookup (tests). */
  jwks: string | JWTVerifyGetKey;
}

/**
 * The management API's OAuth bearer tokens in AWS: a JWT from the configured issuer, for the
 * configured audience, signed with one of the issuer's keys, not expired. The caller is the
 * token's subject (the receiver's client); its scopes come from `scope` (RFC 9068) or `scp`.
 * Undefined for any token that fails a check; why is not the caller's business.
 */
export function bearerTokenVerifier(
  config: BearerTokenIssuer,
): (token: string) => Promise<SsfCaller | undefined> {
  const keys =
    typeof config.jwks === 'string' ? createRemoteJWKSet(new URL(config.jwks)) : config.jwks;
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        audience: config.audience,
        requiredClaims: ['sub', 'exp'],
      });
      return { principal: String(payload.sub), scopes: scopesOf(payload) };
    } catch {
      return undefined;
    }
  };
}

function scopesOf(payload: Record<string, unknown>): string[] {
  const { scope, scp } = payload;
  if (typeof scope === 'string') return scope.split(' ').filter(Boolean);
  if (Array.isArray(scp)) return scp.filter((s): s is string => typeof s === 'string');
  if (typeof scp === 'string') return scp.split(' ').filter(Boolean);
  return [];
}
