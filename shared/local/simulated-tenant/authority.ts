import { createHash, randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import {
  compactVerify,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  importX509,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import type { GraphAnswer, SimulatedDirectory } from './directory.ts';
import type { SeedApplication } from './seed.ts';

/**
 * The simulated tenant's login authority, as MSAL calls it: OpenID metadata and the token
 * endpoint (client credentials with a secret, a certificate assertion, or a federated assertion
 * from a trusted issuer). It issues the access tokens the Graph listener accepts.
 */

export interface LoginAuthorityOptions {
  directory: SimulatedDirectory;
  tokenLifetimeSeconds: number;
  now: () => Date;
  /** The listeners' base URLs, known once they listen. */
  hosts: () => { authorityHost: string; graphBaseUrl: string };
}

interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

export class LoginAuthority {
  readonly #options: LoginAuthorityOptions;
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #issuerKeys = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(options: LoginAuthorityOptions) {
    this.#options = options;
  }

  #keysOf(issuer: string): Promise<JWTVerifyGetKey> {
    let keys = this.#issuerKeys.get(issuer);
    if (!keys) {
      keys = discoverIssuerKeys(issuer);
      keys.catch(() => this.#issuerKeys.delete(issuer));
      this.#issuerKeys.set(issuer, keys);
    }
    return keys;
  }

  /** The client a bearer token was issued to, while it is valid; undefined otherwise. */
  clientOf(bearer: string, at: Date): string | undefined {
    const token = this.#tokens.get(bearer);
    return token && token.expiresAt > at.getTime() ? token.clientId : undefined;
  }

  /** Invalidates every issued access token (forces the client to sign in again). */
  revokeIssuedTokens(): void {
    this.#tokens.clear();
  }

  /** Answers a request to the authority; sets `record.clientId` on a token request. */
  async answer(
    method: string,
    url: URL,
    raw: string,
    record: { clientId?: string },
  ): Promise<GraphAnswer> {
    const { authorityHost } = this.#options.hosts();
    const tenantId = this.#options.directory.tenantId;
    const base = `${authorityHost}/${tenantId}`;
    const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (method === 'GET' && metadata) {
      if (metadata[1]?.toLowerCase() !== tenantId) return tenantNotFound(metadata[1] ?? '');
      return {
        status: 200,
        body: {
          issuer: `${authorityHost}/${tenantId}/v2.0`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${authorityHost}/${tenantId}/discovery/v2.0/keys`,
          response_modes_supported: ['query', 'fragment', 'form_post'],
          response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
          scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
          subject_types_supported: ['pairwise'],
          id_token_signing_alg_values_supported: ['RS256'],
          token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt'],
          tenant_region_scope: null,
          cloud_instance_name: 'simulated.invalid',
        },
      };
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname);
    if (method === 'POST' && token) {
      if (token[1]?.toLowerCase() !== tenantId) return tenantNotFound(token[1] ?? '');
      return this.#issueToken(new URLSearchParams(raw), `${base}/oauth2/v2.0/token`, record);
    }
    return {
      status: 404,
      body: { error: 'not_found', error_description: `no route ${url.pathname}` },
    };
  }

  async #issueToken(
    form: URLSearchParams,
    tokenEndpoint: string,
    record: { clientId?: string },
  ): Promise<GraphAnswer> {
    const clientId = (form.get('client_id') ?? '').toLowerCase();
    record.clientId = clientId;
    const app = this.#options.directory.applications.get(clientId);
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', 'AADSTS70003: grant type not supported.');
    }
    if (!app) {
      return oauthError(
        400,
        'unauthorized_client',
        `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`,
      );
    }
    const expectedScope = `${this.#options.hosts().graphBaseUrl}/.default`;
    if (form.get('scope')?.split(' ').includes(expectedScope) !== true) {
      return oauthError(
        400,
        'invalid_scope',
        `AADSTS70011: The provided value for scope is not valid; expected ${expectedScope}.`,
      );
    }
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    let authenticated = false;
    if (secret !== null) {
      authenticated = app.clientSecrets.includes(secret);
    } else if (
      assertion !== null &&
      form.get('client_assertion_type') === 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    ) {
      const issuer = issuerOf(assertion);
      if (issuer !== undefined && issuer.toLowerCase() !== clientId) {
        // Not the app's own assertion: a federated identity credential must match it.
        if (!(await this.#verifyFederated(assertion, issuer, app))) {
          return oauthError(
            400,
            'invalid_client',
            'AADSTS70021: No matching federated identity record found for presented assertion.',
          );
        }
        authenticated = true;
      } else {
        authenticated = await verifyAssertion(assertion, app.certificates, clientId, tokenEndpoint);
      }
    }
    if (!authenticated) {
      return oauthError(
        401,
        'invalid_client',
        'AADSTS7000215: Invalid client secret or client assertion provided.',
      );
    }
    const accessToken = `sim.${randomBytes(24).toString('base64url')}`;
    const lifetime = this.#options.tokenLifetimeSeconds;
    this.#tokens.set(accessToken, {
      clientId,
      expiresAt: this.#options.now().getTime() + lifetime * 1000,
    });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: accessToken,
      },
    };
  }

  async #verifyFederated(
    assertion: string,
    issuer: string,
    app: SeedApplication,
  ): Promise<boolean> {
    for (const trusted of app.federatedIdentityCredentials) {
      if (trusted.issuer !== issuer) continue;
      try {
        await jwtVerify(assertion, await this.#keysOf(issuer), {
          issuer: trusted.issuer,
          subject: trusted.subject,
          audience: trusted.audiences,
          currentDate: this.#options.now(),
        });
        return true;
      } catch {
        // a bad signature, subject, audience or lifetime: try the next record
      }
    }
    return false;
  }
}

function issuerOf(assertion: string): string | undefined {
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** An issuer's keys from its OpenID discovery document, as Entra resolves a trusted issuer. */
async function discoverIssuerKeys(issuer: string): Promise<JWTVerifyGetKey> {
  const response = await fetch(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  const metadata = (await response.json()) as { jwks_uri?: unknown };
  if (typeof metadata.jwks_uri !== 'string') throw new Error(`${issuer} publishes no jwks_uri`);
  return createRemoteJWKSet(new URL(metadata.jwks_uri));
}

function oauthError(status: number, error: string, description: string): GraphAnswer {
  const code = Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0);
  return {
    status,
    body: {
      error,
      error_description: description,
      error_codes: [code],
      timestamp: new Date().toISOString().replace('T', ' ').slice(0, 19),
      trace_id: randomUUID(),
      correlation_id: randomUUID(),
    },
  };
}

function tenantNotFound(tenant: string): GraphAnswer {
  return oauthError(
    400,
    'invalid_tenant',
    `AADSTS90002: Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID.`,
  );
}

async function verifyAssertion(
  assertion: string,
  certificates: readonly string[],
  clientId: string,
  tokenEndpoint: string,
): Promise<boolean> {
  let alg: string;
  let thumbprint: unknown;
  try {
    const header = decodeProtectedHeader(assertion);
    alg = header.alg ?? '';
    thumbprint = header['x5t#S256'];
  } catch {
    return false;
  }
  for (const pem of certificates) {
    try {
      // Entra finds the certificate by the thumbprint the header names.
      const der = new X509Certificate(pem).raw;
      if (thumbprint !== createHash('sha256').update(der).digest('base64url')) continue;
      const key = await importX509(pem, alg);
      const { payload } = await compactVerify(assertion, key);
      const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
      const nowSeconds = Date.now() / 1000;
      if (
        String(claims.iss).toLowerCase() === clientId &&
        String(claims.sub).toLowerCase() === clientId &&
        claims.aud === tokenEndpoint &&
        typeof claims.exp === 'number' &&
        claims.exp > nowSeconds
      ) {
        return true;
      }
    } catch {
      // not this certificate: try the next
    }
  }
  return false;
}
