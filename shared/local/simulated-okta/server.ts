import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type ServerOptions } from 'node:https';
import { type CryptoKey, jwtVerify, type KeyObject } from 'jose';
import { readRequestBody, SimulatorServer } from '../simulator-server.ts';
import { type OktaAnswer, oktaError, type SimulatedOktaOrg } from './org.ts';

/**
 * The simulated Okta org's HTTPS endpoint: the org authorization server's token endpoint
 * (client credentials with a `private_key_jwt` assertion, verified against the app's public
 * key; scopes checked against the grant) and the Management API routes the Okta adapter calls,
 * with Okta's rate-limit headers (`X-Rate-Limit-Limit/-Remaining/-Reset`, epoch seconds), 429s,
 * latency and injected faults.
 */

/** A fault for the next `times` requests whose operation matches. */
export interface OktaFaultRule {
  /** e.g. `revokeSessions`, `getUser`, `listUserRoles`, `token`; absent: every operation. */
  operation?: string;
  status?: number;
  errorCode?: string;
  errorSummary?: string;
  /** For 429: seconds until X-Rate-Limit-Reset. */
  resetInSeconds?: number;
  /** For 403: the scope named in WWW-Authenticate. */
  scope?: string;
  delayMs?: number;
  times?: number;
}

export interface OktaRequestRecord {
  at: string;
  method: string;
  path: string;
  operation: string;
  status: number;
  injected: boolean;
}

interface Route {
  operation: string;
  method: string;
  pattern: RegExp;
  /** Any of these scopes allows the call. */
  scopes: string[];
  run(
    org: SimulatedOktaOrg,
    m: RegExpExecArray,
    url: URL,
    body: unknown,
    origin: string,
  ): OktaAnswer;
}

const USERS = '/api/v1/users/([^/?]+)';
const ROUTES: Route[] = [
  {
    operation: 'revokeSessions',
    method: 'DELETE',
    pattern: new RegExp(`^${USERS}/sessions$`),
    scopes: ['okta.users.manage'],
    run: (org, m, url) =>
      org.clearSessions(dec(m[1]), url.searchParams.get('oauthTokens') === 'true'),
  },
  {
    operation: 'listUserRoles',
    method: 'GET',
    pattern: new RegExp(`^${USERS}/roles$`),
    scopes: ['okta.roles.read', 'okta.roles.manage'],
    run: (org, m, _u, _b, origin) => org.listRoles(dec(m[1]), origin),
  },
  {
    operation: 'assignRole',
    method: 'POST',
    pattern: new RegExp(`^${USERS}/roles$`),
    scopes: ['okta.roles.manage'],
    run: (org, m, _u, body, origin) => org.assignRole(dec(m[1]), body, origin),
  },
  {
    operation: 'unassignRole',
    method: 'DELETE',
    pattern: new RegExp(`^${USERS}/roles/([^/?]+)$`),
    scopes: ['okta.roles.manage'],
    run: (org, m) => org.unassignRole(dec(m[1]), dec(m[2])),
  },
  {
    operation: 'suspendUser',
    method: 'POST',
    pattern: new RegExp(`^${USERS}/lifecycle/suspend$`),
    scopes: ['okta.users.manage'],
    run: (org, m) => org.lifecycle(dec(m[1]), 'suspend'),
  },
  {
    operation: 'unsuspendUser',
    method: 'POST',
    pattern: new RegExp(`^${USERS}/lifecycle/unsuspend$`),
    scopes: ['okta.users.manage'],
    run: (org, m) => org.lifecycle(dec(m[1]), 'unsuspend'),
  },
  {
    operation: 'getUser',
    method: 'GET',
    pattern: new RegExp(`^${USERS}$`),
    scopes: ['okta.users.read', 'okta.users.manage'],
    run: (org, m) => org.getUser(dec(m[1])),
  },
];

const dec = (s: string | undefined) => decodeURIComponent(s ?? '');
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface SimulatedOktaServerOptions {
  org: SimulatedOktaOrg;
  tls: ServerOptions;
  apps: ReadonlyArray<{
    clientId: string;
    scopes: readonly string[];
    publicKey: CryptoKey | KeyObject;
  }>;
  apiToken?: string;
  perMinute: number;
  latencyMs: number;
  onChange?: () => void;
}

export class SimulatedOktaServer extends SimulatorServer<OktaFaultRule, OktaRequestRecord> {
  readonly #o: SimulatedOktaServerOptions;
  readonly #tokens = new Map<string, { scopes: string[]; expiresAt: number }>();
  readonly #usedJti = new Set<string>();
  readonly #windows = new Map<string, { resetAt: number; used: number }>();
  #origin = '';

  constructor(options: SimulatedOktaServerOptions) {
    super(options.latencyMs);
    this.#o = options;
  }

  get orgUrl(): string {
    return this.#origin;
  }

  async listen(): Promise<void> {
    this.#origin = await this.open(
      'https',
      (listener) => createServer(this.#o.tls, listener),
      (req, res) => this.#handle(req, res),
      (error) => ({
        contentType: 'application/json',
        body: JSON.stringify(
          oktaError(500, 'E0000009', `Internal Server Error: ${String(error)}`).body,
        ),
      }),
    );
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.#origin);
    const method = req.method ?? 'GET';
    const route = ROUTES.find((r) => r.method === method && r.pattern.test(url.pathname));
    const isToken = method === 'POST' && url.pathname === '/oauth2/v1/token';
    const operation = isToken ? 'token' : (route?.operation ?? 'unknown');
    const record: OktaRequestRecord = {
      at: new Date().toISOString(),
      method,
      path: `${url.pathname}${url.search}`,
      operation,
      status: 0,
      injected: false,
    };
    await this.admit(record);
    const raw = (await readRequestBody(req, 64 * 1024)) ?? '';
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const answer = await this.#answer(req, url, method, route, isToken, raw, headers, record);
    // Rate-limit headers on every Management API answer, as Okta sends them.
    if (!isToken) Object.assign(headers, this.#limitHeaders(operation, answer.status === 429));
    record.status = answer.status;
    res.writeHead(answer.status, headers);
    res.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
  }

  async #answer(
    req: IncomingMessage,
    url: URL,
    method: string,
    route: Route | undefined,
    isToken: boolean,
    raw: string,
    headers: Record<string, string>,
    record: OktaRequestRecord,
  ): Promise<OktaAnswer> {
    const fault = this.takeFault(
      (f) => f.operation === undefined || f.operation === record.operation,
    );
    if (fault?.delayMs) await this.sleep(fault.delayMs);
    if (fault?.status !== undefined) {
      record.injected = true;
      if (fault.status === 429) {
        this.#exhaust(record.operation, fault.resetInSeconds ?? 1);
        return oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
      }
      if (fault.status === 403) {
        headers['www-authenticate'] =
          `Bearer authorization_uri="${this.#origin}/oauth2/v1/authorize", realm="${this.#origin}", scope="${fault.scope ?? 'okta.users.manage'}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${url.pathname}"`;
      }
      return oktaError(
        fault.status,
        fault.errorCode ?? 'E0000006',
        fault.errorSummary ?? 'You do not have permission to perform the requested action',
      );
    }
    if (isToken) return this.#token(raw);
    if (!route)
      return oktaError(404, 'E0000022', `The endpoint does not support the provided HTTP method`);
    const window = this.#window(route.operation);
    if (window.used >= this.#o.perMinute) {
      return oktaError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.');
    }
    window.used++;
    const granted = this.#authorize(req.headers.authorization);
    if (!granted) return oktaError(401, 'E0000011', 'Invalid token provided');
    if (!route.scopes.some((s) => granted.includes(s))) {
      headers['www-authenticate'] =
        `Bearer authorization_uri="${this.#origin}/oauth2/v1/authorize", realm="${this.#origin}", scope="${route.scopes.at(-1)}", error="insufficient_scope", error_description="The access token provided does not contain the required scopes.", resource="${url.pathname}"`;
      return oktaError(
        403,
        'E0000006',
        'You do not have permission to perform the requested action',
      );
    }
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      return oktaError(400, 'E0000003', 'The request body was not well-formed.');
    }
    const answer = route.run(
      this.#o.org,
      route.pattern.exec(url.pathname) as RegExpExecArray,
      url,
      body,
      this.#origin,
    );
    if (method !== 'GET' && answer.status < 300) this.#o.onChange?.();
    return answer;
  }

  /** Scopes of a valid bearer token (or every scope for the seed's SSWS token). */
  #authorize(header: string | undefined): string[] | undefined {
    if (!header) return undefined;
    if (this.#o.apiToken && header === `SSWS ${this.#o.apiToken}`) {
      return ['okta.users.read', 'okta.users.manage', 'okta.roles.read', 'okta.roles.manage'];
    }
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    const found = token ? this.#tokens.get(token) : undefined;
    return found && found.expiresAt > Date.now() ? found.scopes : undefined;
  }

  async #token(raw: string): Promise<OktaAnswer> {
    const form = new URLSearchParams(raw);
    const oauth = (status: number, error: string, description: string): OktaAnswer => ({
      status,
      body: { error, error_description: description },
    });
    if (form.get('grant_type') !== 'client_credentials') {
      return oauth(
        400,
        'unsupported_grant_type',
        'The authorization grant type is not supported by the authorization server.',
      );
    }
    const assertion = form.get('client_assertion');
    if (form.get('client_assertion_type') !== ASSERTION_TYPE || !assertion) {
      return oauth(
        401,
        'invalid_client',
        'Client authentication failed. Either the client or the client credentials are invalid.',
      );
    }
    const claimed = decodeIssuer(assertion);
    const app = this.#o.apps.find((a) => a.clientId === claimed);
    if (!app)
      return oauth(
        401,
        'invalid_client',
        'The client_assertion token is invalid (unknown client).',
      );
    try {
      const { payload } = await jwtVerify(assertion, app.publicKey, {
        issuer: app.clientId,
        subject: app.clientId,
        audience: `${this.#origin}/oauth2/v1/token`,
        maxTokenAge: '1h',
      });
      if (!payload.jti || this.#usedJti.has(payload.jti)) {
        return oauth(
          401,
          'invalid_client',
          'The client_assertion token has already been used (jti).',
        );
      }
      this.#usedJti.add(payload.jti);
    } catch (error) {
      return oauth(
        401,
        'invalid_client',
        `The client_assertion signature or claims are invalid: ${(error as Error).message}`,
      );
    }
    const requested = (form.get('scope') ?? '').split(' ').filter(Boolean);
    const refused = requested.filter((s) => !app.scopes.includes(s));
    if (requested.length === 0 || refused.length > 0) {
      return oauth(
        400,
        'invalid_scope',
        `The following scopes are not allowed: ${refused.join(' ') || '(none requested)'}`,
      );
    }
    const token = randomBytes(24).toString('base64url');
    this.#tokens.set(token, { scopes: requested, expiresAt: Date.now() + 3_600_000 });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: 3600,
        access_token: token,
        scope: requested.join(' '),
      },
    };
  }

  #window(operation: string) {
    const now = Date.now();
    let window = this.#windows.get(operation);
    if (!window || window.resetAt <= now) {
      window = { resetAt: Math.ceil((now + 60_000) / 1000) * 1000, used: 0 };
      this.#windows.set(operation, window);
    }
    return window;
  }

  /** An injected 429: the window is used up until `seconds` from now. */
  #exhaust(operation: string, seconds: number): void {
    this.#windows.set(operation, {
      resetAt: Math.ceil((Date.now() + seconds * 1000) / 1000) * 1000,
      used: this.#o.perMinute,
    });
  }

  #limitHeaders(operation: string, limited: boolean): Record<string, string> {
    const window = this.#window(operation);
    return {
      'x-rate-limit-limit': String(this.#o.perMinute),
      'x-rate-limit-remaining': String(limited ? 0 : Math.max(0, this.#o.perMinute - window.used)),
      'x-rate-limit-reset': String(Math.floor(window.resetAt / 1000)),
    };
  }
}

function decodeIssuer(jwt: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
