import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTVerifyGetKey,
} from 'jose';
import * as z from 'zod/mini';
import { PROVIDERS } from '../../domain/detection.ts';
import type { InvalidInputError, Result } from '../../domain/errors.ts';
import { parseWith } from '../../domain/validation.ts';

/** Signature algorithms a transmitter may use: asymmetric only, never `none`, never HMAC. */
const SET_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** A shared-signals transmitter this receiver trusts, with the key set its SETs must verify against. */
export interface SsfTransmitter {
  /** The exact `iss` of its SETs. */
  issuer: string;
  /** What `aud` must contain: this receiver's identifiers. */
  audience: readonly string[];
  /** `createLocalJWKSet` (tests, local mode) or `createRemoteJWKSet` (deployed). */
  keys: JWTVerifyGetKey;
  /** The identity provider its subjects live in, and their tenant. */
  provider: (typeof PROVIDERS)[number];
  tenantId: string;
  /** `source.vendor` of the detections it produces. */
  vendor: string;
  algorithms: readonly string[];
  /** SETs issued longer ago are refused; replay protection remembers `jti`s this long. */
  maxAgeSeconds: number;
}

const DEFAULT_MAX_AGE_SECONDS = 7 * 24 * 3600;

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/** The transmitter as configuration describes it (cdk.json context, local config). */
const ssfTransmitterConfigSchema = z
  .object({
    issuer: z.url(),
    audience: z.union([
      z.string().check(z.minLength(1)),
      z.array(z.string()).check(z.minLength(1)),
    ]),
    jwksUri: z.optional(z.url({ protocol: /^https$/ })),
    jwks: z.optional(
      z.object({
        keys: z.array(z.record(z.string(), z.unknown())).check(
          z.minLength(1),
          z.refine(
            (keys) =>
              keys.every((k) => k.kty !== 'oct' && !PRIVATE_JWK_MEMBERS.some((m) => m in k)),
            'must hold public keys only (no symmetric keys, no private members)',
          ),
        ),
      }),
    ),
    provider: z.enum(PROVIDERS),
    tenantId: z.string().check(z.minLength(1)),
    vendor: z.optional(z.string().check(z.minLength(1))),
    algorithms: z.optional(z.array(z.enum(SET_ALGORITHMS)).check(z.minLength(1))),
    maxAgeSeconds: z.optional(z.number().check(z.int(), z.gte(60), z.lte(30 * 24 * 3600))),
  })
  .check(
    z.refine((c) => (c.jwksUri === undefined) !== (c.jwks === undefined), {
      message: 'give exactly one of jwksUri (deployed) or jwks (inline public keys)',
      path: ['jwksUri'],
    }),
  );

export type SsfTransmitterConfig = z.infer<typeof ssfTransmitterConfigSchema>;

export function parseTransmitterConfig(
  input: unknown,
): Result<SsfTransmitterConfig, InvalidInputError> {
  return parseWith(ssfTransmitterConfigSchema, input, 'SSF transmitter configuration');
}

/** Builds the runtime transmitter; a remote JWKS is fetched lazily and cached by `jose`. */
export function transmitterFromConfig(config: SsfTransmitterConfig): SsfTransmitter {
  const keys = config.jwksUri
    ? createRemoteJWKSet(new URL(config.jwksUri), {
        timeoutDuration: 3000,
        cooldownDuration: 30_000,
      })
    : createLocalJWKSet(config.jwks as JSONWebKeySet);
  return {
    issuer: config.issuer,
    audience: typeof config.audience === 'string' ? [config.audience] : config.audience,
    keys,
    provider: config.provider,
    tenantId: config.tenantId,
    vendor: config.vendor ?? new URL(config.issuer).hostname,
    algorithms: config.algorithms ?? ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'],
    maxAgeSeconds: config.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS,
  };
}
