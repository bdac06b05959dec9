import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { compactVerify, decodeProtectedHeader, importX509 } from 'jose';
import { FaultQueue } from '../fault-queue.ts';
import { type GraphAnswer, graphError, type SimulatedDirectory } from './directory.ts';

/**
 * The simulated tenant's HTTPS endpoints: a login authority (OpenID metadata + token endpoint,
 * as MSAL calls them) and Microsoft Graph v1.0 for the operations containment uses, with
 * permission checks, throttling, latency and injected faults.
 */

/** A fault injected on the next `times` requests that match. */
export interface FaultRule {
  method?: string;
  /** Graph path without the version, e.g. `/users/{id}/revokeSignInSessions`, or a RegExp on it. */
  path: string | RegExp;
  /** The status to answer; absent: answer normally (after `delayMs`). */
  status?: number;
  /** Graph error code for the body, e.g. `TooManyRequests`; defaults by status. */
  code?: string;
  message?: string;
  /** `Retry-After`: seconds (number) or an HTTP date (Date). */
  retryAfter?: number | Date;
  /** Hold the response this long: longer than the client's timeout simulates a lost answer. */
  delayMs?: number;
  times?: number;
}

export interface RequestRecord {
  at: string;
  listener: 'authority' | 'graph';
  host: string;
  method: string;
  /** Graph path without the version, or the authority path. */
  path: string;
  query: string;
  status: number;
  injected: boolean;
  clientId?: string;
}

export interface ThrottlingSettings {
  /** Graph's identity write quota per app and tenant (3,000 per 150 s); false: not enforced. */
  writeQuota: { writes: number; windowSeconds: number } | false;
  /** Identity Protection: requests per second per tenant (1); false: not enforced. */
  identityProtectionPerSecond: number | false;
}

type HeldAnswer = GraphAnswer & { holdMs?: number };

interface IssuedToken {
  clientId: string;
  expiresAt: number;
}

/** Application permissions that satisfy each operation: the least-privileged one first. */
const PERMISSIONS = {
  revoke: ['User.RevokeSessions.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  readUser: [
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ],
  enableDisableUser: [
    'User.EnableDisableAccount.All',
    'User.ReadWrite.All',
    'Directory.ReadWrite.All',
  ],
  riskyUsers: ['IdentityRiskyUser.ReadWrite.All'],
  riskyServicePrincipals: ['IdentityRiskyServicePrincipal.ReadWrite.All'],
  readRoles: [
    'RoleManagement.Read.Directory',
    'RoleManagement.Read.All',
    'RoleManagement.ReadWrite.Directory',
    'Directory.Read.All',
  ],
  writeRoles: ['RoleManagement.ReadWrite.Directory'],
  readSchedules: [
    'RoleAssignmentSchedule.Read.Directory',
    'RoleAssignmentSchedule.ReadWrite.Directory',
    'RoleManagement.Read.Directory',
    'RoleManagement.ReadWrite.Directory',
  ],
  writeSchedules: [
    'RoleAssignmentSchedule.ReadWrite.Directory',
    'RoleManagement.ReadWrite.Directory',
  ],
  readServicePrincipal: [
    'Application.Read.All',
    'Application.ReadWrite.OwnedBy',
    'Application.ReadWrite.All',
    'Directory.Read.All',
  ],
  writeServicePrincipal: ['Application.ReadWrite.OwnedBy', 'Application.ReadWrite.All'],
} as const;

interface Route {
  method: string;
  pattern: RegExp;
  permissions: readonly string[];
  handle: (
    match: RegExpExecArray,
    body: unknown,
    url: URL,
    appRoles: readonly string[],
  ) => GraphAnswer;
}

const DEFAULT_CODES: Record<number, string> = {
  400: 'Request_BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const isWrite = (method: string) => method === 'POST' || method === 'PATCH' || method === 'DELETE';

export interface SimulatedServerOptions {
  directory: SimulatedDirectory;
  tls: { key: string; cert: string };
  latencyMs: number;
  throttling: ThrottlingSettings;
  tokenLifetimeSeconds: number;
  now: () => Date;
  /** Graph answers revokeSignInSessions with 200 `{ value: true }` (documented) or 204 (seen). */
  revokeStatus: 200 | 204;
  /** Called after every write that changed the directory. */
  onChange?: () => void;
}

export class SimulatedEntraServer {
  readonly #directory: SimulatedDirectory;
  readonly #options: SimulatedServerOptions;
  readonly #tokens = new Map<string, IssuedToken>();
  readonly #faults = new FaultQueue<FaultRule>();
  readonly #requests: RequestRecord[] = [];
  readonly #writes = new Map<string, number[]>();
  readonly #lastIdentityProtection = new Map<string, number>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  #latencyMs: number;
  #throttling: ThrottlingSettings;
  #authority?: Server;
  #graph?: Server;
  #authorityHost = '';
  #graphBaseUrl = '';
  readonly #routes: Route[];

  constructor(options: SimulatedServerOptions) {
    this.#options = options;
    this.#directory = options.directory;
    this.#latencyMs = options.latencyMs;
    this.#throttling = { ...options.throttling };
    const d = this.#directory;
    const id = '([^/]+)';
    this.#routes = [
      {
        method: 'POST',
        pattern: new RegExp(`^/users/${id}/revokeSignInSessions$`),
        permissions: PERMISSIONS.revoke,
        handle: (m) => {
          const answer = d.revokeSignInSessions(decodeURIComponent(m[1] ?? ''));
          return answer.status === 200 && this.#options.revokeStatus === 204
            ? { status: 204 }
            : answer;
        },
      },
      {
        method: 'GET',
        pattern: new RegExp(`^/users/${id}$`),
        permissions: PERMISSIONS.readUser,
        handle: (m, _b, url) =>
          d.getUser(decodeURIComponent(m[1] ?? ''), url.searchParams.get('$select')),
      },
      {
        method: 'PATCH',
        pattern: new RegExp(`^/users/${id}$`),
        permissions: PERMISSIONS.enableDisableUser,
        handle: (m, body, _u, roles) => d.patchUser(decodeURIComponent(m[1] ?? ''), body, roles),
      },
      {
        method: 'POST',
        pattern: /^\/identityProtection\/riskyUsers\/confirmCompromised$/,
        permissions: PERMISSIONS.riskyUsers,
        handle: (_m, body) => d.confirmCompromisedUsers(body),
      },
      {
        method: 'POST',
        pattern: /^\/identityProtection\/riskyServicePrincipals\/confirmCompromised$/,
        permissions: PERMISSIONS.riskyServicePrincipals,
        handle: (_m, body) => d.confirmCompromisedServicePrincipals(body),
      },
      {
        method: 'GET',
        pattern: /^\/roleManagement\/directory\/roleAssignments$/,
        permissions: PERMISSIONS.readRoles,
        handle: (_m, _b, url) => d.listRoleAssignments(url.searchParams.get('$filter')),
      },
      {
        method: 'POST',
        pattern: /^\/roleManagement\/directory\/roleAssignments$/,
        permissions: PERMISSIONS.writeRoles,
        handle: (_m, body) => d.createRoleAssignment(body),
      },
      {
        method: 'DELETE',
        pattern: new RegExp(`^/roleManagement/directory/roleAssignments/${id}$`),
        permissions: PERMISSIONS.writeRoles,
        handle: (m) => d.deleteRoleAssignment(decodeURIComponent(m[1] ?? '')),
      },
      {
        method: 'GET',
        pattern: /^\/roleManagement\/directory\/roleAssignmentScheduleInstances$/,
        permissions: PERMISSIONS.readSchedules,
        handle: (_m, _b, url) =>
          d.listRoleAssignmentScheduleInstances(url.searchParams.get('$filter')),
      },
      {
        method: 'POST',
        pattern: /^\/roleManagement\/directory\/roleAssignmentScheduleRequests$/,
        permissions: PERMISSIONS.writeSchedules,
        handle: (_m, body) => d.createScheduleRequest(body),
      },
      {
        method: 'GET',
        pattern: new RegExp(`^/servicePrincipals/${id}$`),
        permissions: PERMISSIONS.readServicePrincipal,
        handle: (m, _b, url) =>
          d.getServicePrincipal(decodeURIComponent(m[1] ?? ''), url.searchParams.get('$select')),
      },
      {
        method: 'PATCH',
        pattern: new RegExp(`^/servicePrincipals/${id}$`),
        permissions: PERMISSIONS.writeServicePrincipal,
        handle: (m, body) => d.patchServicePrincipal(decodeURIComponent(m[1] ?? ''), body),
      },
      {
        method: 'POST',
        pattern: new RegExp(`^/servicePrincipals/${id}/removePassword$`),
        permissions: PERMISSIONS.writeServicePrincipal,
        handle: (m, body) => d.removePassword(decodeURIComponent(m[1] ?? ''), body),
      },
    ];
  }

  get authorityHost(): string {
    return this.#authorityHost;
  }

  get graphBaseUrl(): string {
    return this.#graphBaseUrl;
  }

  async listen(): Promise<void> {
    const { key, cert } = this.#options.tls;
    const start = async (listener: 'authority' | 'graph') => {
      const server = createServer({ key, cert }, (req, res) => {
        this.#handle(listener, req, res).catch((error: unknown) => {
          if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({ error: { code: 'InternalServerError', message: String(error) } }),
          );
        });
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
      return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` };
    };
    const authority = await start('authority');
    const graph = await start('graph');
    this.#authority = authority.server;
    this.#graph = graph.server;
    this.#authorityHost = authority.url;
    this.#graphBaseUrl = graph.url;
  }

  async close(): Promise<void> {
    for (const pending of this.#timers) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.#timers.clear();
    await Promise.all(
      [this.#authority, this.#graph].map(
        (server) =>
          new Promise<void>((resolve) => {
            if (!server) return resolve();
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      ),
    );
  }

  // --- the in-process control API -------------------------------------------------------------

  injectFault(rule: FaultRule): void {
    this.#faults.inject(rule);
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  pendingFaults(): number {
    return this.#faults.pending();
  }

  setLatency(ms: number): void {
    this.#latencyMs = ms;
  }

  setThrottling(settings: Partial<ThrottlingSettings>): void {
    this.#throttling = { ...this.#throttling, ...settings };
  }

  /** Writes the quota has counted in its current window, per client id. */
  writesInWindow(clientId: string): number {
    return this.#pruneWrites(clientId).length;
  }

  requests(): RequestRecord[] {
    return this.#requests.map((r) => ({ ...r }));
  }

  clearRequests(): void {
    this.#requests.length = 0;
  }

  /** Invalidates every issued access token (forces the client to sign in again). */
  revokeIssuedTokens(): void {
    this.#tokens.clear();
  }

  // --- request handling ------------------------------------------------------------------------

  async #handle(
    listener: 'authority' | 'graph',
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://simulated.invalid');
    const raw = await readBody(req);
    const record: RequestRecord = {
      at: this.#options.now().toISOString(),
      listener,
      host: req.headers.host ?? '',
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      status: 0,
      injected: false,
    };
    this.#requests.push(record);
    await this.#sleep(this.#latencyMs);
    const answer =
      listener === 'authority'
        ? await this.#authorityAnswer(req, url, raw, record)
        : await this.#graphAnswer(req, url, raw, record);
    record.status = answer.status;
    // A held answer: Graph did the work, the client sees nothing until it times out.
    if (answer.holdMs) await this.#sleep(answer.holdMs);
    const headers: Record<string, string> = {
      'request-id': randomUUID(),
      ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...answer.headers,
    };
    res.writeHead(answer.status, headers);
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  async #authorityAnswer(
    req: IncomingMessage,
    url: URL,
    raw: string,
    record: RequestRecord,
  ): Promise<HeldAnswer> {
    const tenantId = this.#directory.tenantId;
    const base = `${this.#authorityHost}/${tenantId}`;
    const metadata = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (req.method === 'GET' && metadata) {
      if (metadata[1]?.toLowerCase() !== tenantId) return tenantNotFound(metadata[1] ?? '');
      return {
        status: 200,
        body: {
          issuer: `${this.#authorityHost}/${tenantId}/v2.0`,
          authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
          token_endpoint: `${base}/oauth2/v2.0/token`,
          device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
          end_session_endpoint: `${base}/oauth2/v2.0/logout`,
          jwks_uri: `${this.#authorityHost}/${tenantId}/discovery/v2.0/keys`,
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
    if (req.method === 'POST' && token) {
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
    record: RequestRecord,
  ): Promise<GraphAnswer> {
    const clientId = (form.get('client_id') ?? '').toLowerCase();
    record.clientId = clientId;
    const app = this.#directory.applications.get(clientId);
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
    const expectedScope = `${this.#graphBaseUrl}/.default`;
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
    } else if (assertion !== null) {
      authenticated = await verifyAssertion(assertion, app.certificates, clientId, tokenEndpoint);
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

  async #graphAnswer(
    req: IncomingMessage,
    url: URL,
    raw: string,
    record: RequestRecord,
  ): Promise<HeldAnswer> {
    const at = this.#options.now();
    const versioned = /^\/v1\.0(\/.*)$/.exec(url.pathname);
    const path = versioned?.[1] ?? url.pathname;
    record.path = path;
    const method = req.method ?? 'GET';

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer === undefined ? undefined : this.#tokens.get(bearer);
    if (!token || token.expiresAt <= at.getTime()) {
      return graphError(
        401,
        'InvalidAuthenticationToken',
        bearer === undefined
          ? 'Access token is empty.'
          : 'Access token has expired or is not valid.',
        at,
      );
    }
    record.clientId = token.clientId;

    const fault = this.#takeFault(method, path);
    if (fault) {
      record.injected = fault.status !== undefined;
      if (fault.status !== undefined) {
        const answer: HeldAnswer = graphError(
          fault.status,
          fault.code ?? DEFAULT_CODES[fault.status] ?? 'UnknownError',
          fault.message ?? `Injected fault: ${fault.status}.`,
          at,
        );
        if (fault.retryAfter !== undefined) {
          answer.headers = {
            'retry-after':
              typeof fault.retryAfter === 'number'
                ? String(fault.retryAfter)
                : fault.retryAfter.toUTCString(),
          };
        }
        if (fault.delayMs) answer.holdMs = fault.delayMs;
        return answer;
      }
    }

    if (!versioned) return graphError(400, 'BadRequest', 'Invalid version.', at);
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(path));
    const match = route?.pattern.exec(path);
    if (!route || !match) {
      return graphError(400, 'BadRequest', `Resource not found for the segment '${path}'.`, at);
    }
    const app = this.#directory.applications.get(token.clientId);
    if (!app || !route.permissions.some((p) => app.permissions.includes(p))) {
      return graphError(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
        at,
      );
    }

    const throttled = this.#throttle(method, path, token.clientId, at);
    if (throttled) return throttled;

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return graphError(400, 'BadRequest', 'Unable to read JSON request payload.', at);
      }
    }
    const answer: HeldAnswer = route.handle(match, body, url, app.directoryRoles);
    if (isWrite(method) && answer.status < 300) this.#options.onChange?.();
    if (fault?.delayMs) answer.holdMs = fault.delayMs;
    return answer;
  }

  #takeFault(method: string, path: string): FaultRule | undefined {
    return this.#faults.take(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
  }

  #pruneWrites(clientId: string): number[] {
    const quota = this.#throttling.writeQuota;
    const writes = this.#writes.get(clientId) ?? [];
    this.#writes.set(clientId, writes);
    if (quota === false) return writes;
    const from = this.#options.now().getTime() - quota.windowSeconds * 1000;
    while (writes.length > 0 && (writes[0] ?? 0) <= from) writes.shift();
    return writes;
  }

  #throttle(method: string, path: string, clientId: string, at: Date): GraphAnswer | undefined {
    const now = at.getTime();
    const perSecond = this.#throttling.identityProtectionPerSecond;
    if (path.startsWith('/identityProtection/') && perSecond !== false) {
      const last = this.#lastIdentityProtection.get(this.#directory.tenantId);
      if (last !== undefined && now - last < 1000 / perSecond) {
        // Identity Protection documents no Retry-After on its throttling responses.
        return graphError(429, 'TooManyRequests', 'Too many requests.', at);
      }
      this.#lastIdentityProtection.set(this.#directory.tenantId, now);
    }
    const quota = this.#throttling.writeQuota;
    if (isWrite(method) && quota !== false) {
      const writes = this.#pruneWrites(clientId);
      if (writes.length >= quota.writes) {
        const oldest = writes[0] ?? now;
        const waitSeconds = Math.max(
          1,
          Math.ceil((oldest + quota.windowSeconds * 1000 - now) / 1000),
        );
        const answer = graphError(
          429,
          'TooManyRequests',
          'Too many requests. The write quota for this application and tenant is exhausted.',
          at,
        );
        answer.headers = { 'retry-after': String(waitSeconds) };
        return answer;
      }
      writes.push(now);
    }
    return undefined;
  }

  #sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.#timers.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(pending);
    });
  }
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
  try {
    alg = decodeProtectedHeader(assertion).alg ?? '';
  } catch {
    return false;
  }
  for (const pem of certificates) {
    try {
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

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
