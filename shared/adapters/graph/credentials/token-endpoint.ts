import type { Agent } from 'node:https';
import { request } from 'node:https';
import { SignInRejectedError, SignInUnavailableError } from '../errors.ts';

/**
 * The OAuth 2.0 client-credentials grant against the Microsoft identity platform's v2.0 token
 * endpoint, by hand: one form POST on the shared keep-alive agent. Replaces @azure/identity
 * (and MSAL), a third of the respond bundle, for the one flow a daemon app uses.
 */

export interface AccessToken {
  token: string;
  expiresOnTimestamp: number;
  /** When to fetch the next one (`refresh_in` when the authority sends it). */
  refreshAfterTimestamp?: number;
}

/** How the app proves itself: a secret, or a signed JWT (certificate or federated). */
export type ClientAuthentication =
  | { clientSecret: string }
  | { clientAssertion: (tokenEndpoint: string) => Promise<string> };

export interface TokenRequest {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  scope: string;
  agent: Agent;
  timeoutMs: number;
  now: () => number;
  redact: (text: string) => string;
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** OAuth error codes that mean the configuration is wrong, not that the authority is down. */
const REFUSALS = new Set([
  'invalid_client',
  'unauthorized_client',
  'invalid_tenant',
  'invalid_scope',
  'invalid_request',
  'invalid_grant',
]);

function tokenEndpointOf(authorityHost: string, tenantId: string): string {
  return `${authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
}

export async function requestAppToken(
  spec: TokenRequest,
  auth: ClientAuthentication,
): Promise<AccessToken> {
  const endpoint = tokenEndpointOf(spec.authorityHost, spec.tenantId);
  const form = new URLSearchParams({
    client_id: spec.clientId,
    scope: spec.scope,
    grant_type: 'client_credentials',
  });
  if ('clientSecret' in auth) form.set('client_secret', auth.clientSecret);
  else {
    let assertion: string;
    try {
      assertion = await auth.clientAssertion(endpoint);
    } catch (error) {
      if (error instanceof SignInRejectedError || error instanceof SignInUnavailableError)
        throw error;
      throw new SignInUnavailableError(
        spec.redact(`the client assertion could not be made: ${(error as Error).message}`),
      );
    }
    form.set('client_assertion_type', JWT_BEARER);
    form.set('client_assertion', assertion);
  }
  const started = spec.now();
  const { status, text } = await post(endpoint, form.toString(), spec).catch((error: unknown) => {
    throw new SignInUnavailableError(
      spec.redact(`the login authority could not be reached: ${(error as Error).message}`),
    );
  });
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: classified by status below
  }
  if (status === 200 && typeof body.access_token === 'string') {
    const expiresIn = Number(body.expires_in);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new SignInUnavailableError('the login authority answered without expires_in');
    }
    const refreshIn = Number(body.refresh_in);
    return {
      token: body.access_token,
      expiresOnTimestamp: started + expiresIn * 1000,
      ...(Number.isFinite(refreshIn) && refreshIn > 0
        ? { refreshAfterTimestamp: started + refreshIn * 1000 }
        : {}),
    };
  }
  const code = typeof body.error === 'string' ? body.error : undefined;
  const description =
    typeof body.error_description === 'string' ? body.error_description.split('\n')[0] : '';
  const message = spec.redact(
    `the login authority answered ${status}${code ? ` ${code}` : ''}${description ? `: ${description}` : ''}`,
  );
  const refused =
    (code !== undefined && REFUSALS.has(code)) ||
    (status >= 400 && status < 500 && status !== 429 && status !== 408);
  throw refused ? new SignInRejectedError(message) : new SignInUnavailableError(message);
}

function post(
  url: string,
  body: string,
  spec: TokenRequest,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent: spec.agent,
        timeout: spec.timeoutMs,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          accept: 'application/json',
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          // An answer this large is not a token response: stop reading.
          if (text.length < 1_000_000) text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${spec.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
