import { readFileSync } from 'node:fs';
import type { Agent } from 'node:https';
import { ConfigError } from '../../domain/errors.ts';
import type { TenantCredential } from './config.ts';
import { certificateAssertion, parseCertificatePem } from './credentials/certificate-assertion.ts';
import {
  type AccessToken,
  type ClientAuthentication,
  requestAppToken,
} from './credentials/token-endpoint.ts';
import { SignInUnavailableError } from './errors.ts';

export type { AccessToken };

/** Fetches a new app token for one tenant (the client-credentials grant). */
export type TokenSource = () => Promise<AccessToken>;

/**
 * The app's Graph token per tenant, fetched once and kept until shortly before it expires, so
 * no containment waits for a sign-in (a Lambda fetches it at init with `warmUp`, and the module
 * scope keeps it across invocations). Concurrent callers share one sign-in.
 */
export class CachedTokenCredential {
  readonly #fetch: TokenSource;
  readonly #now: () => number;
  #token: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;

  constructor(fetch: TokenSource, now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  async getToken(): Promise<AccessToken> {
    const token = this.#token;
    const now = this.#now();
    if (token && now < this.#refreshAt(token)) return token;
    if (token && now < token.expiresOnTimestamp - 30_000) {
      // Still valid: answer now, refresh behind the caller's back.
      this.#refresh().catch(() => undefined);
      return token;
    }
    return this.#refresh();
  }

  /** Fetches the token now (Lambda init), so the first containment does not sign in. */
  async warmUp(): Promise<void> {
    await this.getToken();
  }

  /** Graph refused the token (401): forget it and sign in on the next call. */
  invalidate(): void {
    this.#token = undefined;
  }

  #refreshAt(token: AccessToken): number {
    return token.refreshAfterTimestamp ?? token.expiresOnTimestamp - 5 * 60_000;
  }

  #refresh(): Promise<AccessToken> {
    this.#inflight ??= this.#fetch()
      .then((token) => {
        if (!token.token) throw new SignInUnavailableError('the login authority returned no token');
        this.#token = token;
        return token;
      })
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}

export interface TenantCredentialSettings {
  authorityHost: string;
  agent: Agent;
  requestTimeoutMs: number;
  redact: (text: string) => string;
  now: () => number;
  /** The federated client assertion (AWS STS in AWS); required by `federated` tenants. */
  federatedAssertion?: () => Promise<string>;
}

/**
 * The token source for one tenant: a federated assertion, a certificate, or a secret, exactly
 * one of which the configuration holds. The certificate is read and parsed here, once, so a
 * bad one fails at start-up naming the tenant.
 */
export function createTenantCredential(
  tenant: TenantCredential,
  scope: string,
  settings: TenantCredentialSettings,
): TokenSource {
  const auth = clientAuthentication(tenant, settings);
  const spec = {
    authorityHost: settings.authorityHost,
    tenantId: tenant.tenantId,
    clientId: tenant.clientId,
    scope,
    agent: settings.agent,
    timeoutMs: settings.requestTimeoutMs,
    now: settings.now,
    redact: settings.redact,
  };
  return () => requestAppToken(spec, auth);
}

function clientAuthentication(
  tenant: TenantCredential,
  settings: TenantCredentialSettings,
): ClientAuthentication {
  if (tenant.federated === true) {
    const assertion = settings.federatedAssertion;
    if (!assertion) {
      throw new ConfigError(
        `tenant ${tenant.tenantId} uses a federated credential, but no assertion source is configured`,
      );
    }
    return { clientAssertion: () => assertion() };
  }
  if (tenant.certificatePath !== undefined || tenant.certificatePem !== undefined) {
    let pem = tenant.certificatePem;
    try {
      pem ??= readFileSync(tenant.certificatePath ?? '', 'utf8');
      const key = parseCertificatePem(pem);
      return { clientAssertion: certificateAssertion(tenant.clientId, key, settings.now) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ConfigError(
        `the client certificate for tenant ${tenant.tenantId} cannot be used (${code ?? (error as Error).message})`,
        { cause: error },
      );
    }
  }
  return { clientSecret: tenant.clientSecret ?? '' };
}
