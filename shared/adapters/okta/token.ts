import { randomUUID } from 'node:crypto';
import type { Agent } from 'node:https';
import { importJWK, importPKCS8, type JWK, SignJWT } from 'jose';

type SigningKey = Awaited<ReturnType<typeof importPKCS8>>;

import type { OutcomeError } from '../containment-outcome.ts';
import { OKTA_SCOPES, type OktaOrgConfig } from './config.ts';
import { httpsExchange, parseJson } from './http.ts';

/**
 * The Authorization header for one org: an access token of the OAuth service app, obtained with
 * client credentials and a `private_key_jwt` client assertion (aud = the token endpoint) and
 * cached until a minute before it expires; or the `SSWS` API token, the documented fallback.
 */

type Authorization = { ok: true; header: string } | { ok: false; error: OutcomeError };

const EARLY_REFRESH_MS = 60_000;

export class OktaTokenSource {
  readonly #org: OktaOrgConfig;
  readonly #agent: Agent;
  readonly #timeoutMs: number;
  #cached: { header: string; expiresAt: number } | undefined;
  #pending: Promise<Authorization> | undefined;

  constructor(org: OktaOrgConfig, agent: Agent, timeoutMs: number) {
    this.#org = org;
    this.#agent = agent;
    this.#timeoutMs = timeoutMs;
  }

  get tokenEndpoint(): string {
    return `${this.#org.orgUrl}/oauth2/v1/token`;
  }

  async authorization(): Promise<Authorization> {
    if (this.#org.apiToken) return { ok: true, header: `SSWS ${this.#org.apiToken}` };
    if (this.#cached && this.#cached.expiresAt - EARLY_REFRESH_MS > Date.now()) {
      return { ok: true, header: this.#cached.header };
    }
    // One token request at a time: parallel actions share its answer.
    this.#pending ??= this.#requestToken().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** A 401 means the cached token is no longer accepted: the next call asks for a new one. */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #requestToken(): Promise<Authorization> {
    const { clientId = '', privateKey = '', keyId } = this.#org;
    let assertion: string;
    try {
      const key = await importKey(privateKey);
      const kid = keyId ?? key.kid;
      assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) })
        .setIssuer(clientId)
        .setSubject(clientId)
        .setAudience(this.tokenEndpoint)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(key.key);
    } catch (error) {
      return fail(
        'invalid',
        `the Okta private key cannot sign a client assertion (${error instanceof Error ? error.name : 'error'})`,
      );
    }
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: OKTA_SCOPES.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    }).toString();
    let answer: Awaited<ReturnType<typeof httpsExchange>>;
    try {
      answer = await httpsExchange(this.#agent, {
        method: 'POST',
        url: this.tokenEndpoint,
        headers: {
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
        timeoutMs: this.#timeoutMs,
      });
    } catch (error) {
      return fail(
        'transient',
        `Okta token endpoint unreachable: ${error instanceof Error ? error.message : 'error'}`,
        true,
      );
    }
    const json = (parseJson(answer.body) ?? {}) as Record<string, unknown>;
    if (answer.status === 200 && typeof json.access_token === 'string') {
      const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : 3600;
      const header = `${typeof json.token_type === 'string' ? json.token_type : 'Bearer'} ${json.access_token}`;
      this.#cached = { header, expiresAt: Date.now() + expiresIn * 1000 };
      return { ok: true, header };
    }
    const code = typeof json.error === 'string' ? json.error : `HTTP ${answer.status}`;
    const description = typeof json.error_description === 'string' ? json.error_description : '';
    const message = `Okta token request refused (${code}): ${description}`.trim();
    if (answer.status === 429 || answer.status >= 500) {
      return fail(answer.status === 429 ? 'throttled' : 'transient', message, true, answer.status);
    }
    if (code === 'invalid_scope') {
      return {
        ok: false,
        error: {
          class: 'forbidden',
          message: `${message}: grant the service app ${OKTA_SCOPES.join(', ')}`,
          retryable: false,
          missingPermission: OKTA_SCOPES.join(' '),
          httpStatus: answer.status,
        },
      };
    }
    return fail('forbidden', message, false, answer.status);
  }
}

async function importKey(text: string): Promise<{ key: SigningKey; kid?: string }> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = JSON.parse(trimmed) as JWK;
    const key = await importJWK(jwk, 'RS256');
    if (key instanceof Uint8Array) throw new Error('the JWK is not an RSA private key');
    return { key, ...(jwk.kid ? { kid: jwk.kid } : {}) };
  }
  return { key: await importPKCS8(trimmed, 'RS256') };
}

function fail(
  errorClass: OutcomeError['class'],
  message: string,
  retryable = false,
  httpStatus?: number,
): Authorization {
  return {
    ok: false,
    error: {
      class: errorClass,
      message,
      retryable,
      ...(httpStatus !== undefined ? { httpStatus } : {}),
    },
  };
}
