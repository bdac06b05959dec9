import type { Agent } from 'node:https';
import {
  type AccessToken,
  ClientCertificateCredential,
  ClientSecretCredential,
  type ClientSecretCredentialOptions,
  type GetTokenOptions,
  type TokenCredential,
} from '@azure/identity';
import type { TenantCredential } from './config.ts';
import { SignInRejectedError, SignInUnavailableError } from './errors.ts';

/**
 * The app's Graph token per tenant, fetched once and kept until shortly before it expires, so
 * no containment waits for a sign-in (a Lambda fetches it at init with `warmUp`, and the module
 * scope keeps it across invocations). Concurrent callers share one sign-in.
 */
export class CachedTokenCredential implements TokenCredential {
  readonly #create: () => TokenCredential;
  #inner: TokenCredential;
  readonly #scope: string;
  readonly #now: () => number;
  readonly #redact: (text: string) => string;
  #token: AccessToken | undefined;
  #inflight: Promise<AccessToken> | undefined;

  /** `create` makes the @azure/identity credential; a new one starts with an empty MSAL cache. */
  constructor(
    create: () => TokenCredential,
    scope: string,
    redact: (text: string) => string,
    now: () => number = Date.now,
  ) {
    this.#create = create;
    this.#inner = create();
    this.#scope = scope;
    this.#redact = redact;
    this.#now = now;
  }

  async getToken(_scopes?: string | string[], _options?: GetTokenOptions): Promise<AccessToken> {
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

  /** Graph refused the token (401): forget it, and MSAL's copy, and sign in on the next call. */
  invalidate(): void {
    this.#token = undefined;
    this.#inner = this.#create();
  }

  #refreshAt(token: AccessToken): number {
    return token.refreshAfterTimestamp ?? token.expiresOnTimestamp - 5 * 60_000;
  }

  #refresh(): Promise<AccessToken> {
    this.#inflight ??= this.#inner
      .getToken(this.#scope)
      .then(
        (token) => {
          if (!token) throw new SignInUnavailableError('the login authority returned no token');
          this.#token = token;
          return token;
        },
        (error: unknown) => {
          throw classifySignInError(error, this.#redact);
        },
      )
      .finally(() => {
        this.#inflight = undefined;
      });
    return this.#inflight;
  }
}

/** OAuth error codes that mean the configuration is wrong, not that the authority is down. */
const REFUSALS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_tenant',
  'invalid_scope',
  'invalid_request',
  'invalid_grant',
]);

function classifySignInError(error: unknown, redact: (text: string) => string): Error {
  // @azure/identity wraps MSAL's ServerError (status, errorCode) as the cause.
  const cause = (error as { cause?: { status?: unknown; errorCode?: unknown } }).cause;
  const status = (error as { statusCode?: unknown }).statusCode ?? cause?.status;
  const message = redact(error instanceof Error ? error.message : String(error));
  const refused =
    (typeof cause?.errorCode === 'string' && REFUSALS.has(cause.errorCode)) ||
    (typeof status === 'number' && status >= 400 && status < 500 && status !== 429);
  return refused ? new SignInRejectedError(message) : new SignInUnavailableError(message);
}

/**
 * The @azure/identity credential for one tenant: a certificate when configured (preferred), else
 * a secret. Instance discovery is off so MSAL calls only the configured authority host.
 */
export function createTenantCredential(
  tenant: TenantCredential,
  authorityHost: string,
  agent: Agent,
): TokenCredential {
  const options: ClientSecretCredentialOptions = {
    authorityHost,
    disableInstanceDiscovery: true,
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'responderHttpsAgent',
          // The one keep-alive agent: trusts the configured CA and reuses connections.
          sendRequest: (request, next) => {
            request.agent = agent;
            return next(request);
          },
        },
      },
    ],
  };
  if (tenant.certificatePath !== undefined) {
    return new ClientCertificateCredential(
      tenant.tenantId,
      tenant.clientId,
      { certificatePath: tenant.certificatePath },
      options,
    );
  }
  if (tenant.certificatePem !== undefined) {
    return new ClientCertificateCredential(
      tenant.tenantId,
      tenant.clientId,
      { certificate: tenant.certificatePem },
      options,
    );
  }
  return new ClientSecretCredential(
    tenant.tenantId,
    tenant.clientId,
    tenant.clientSecret ?? '',
    options,
  );
}
