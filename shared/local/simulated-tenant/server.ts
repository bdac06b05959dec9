import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { readRequestBody, SimulatorServer } from '../simulator-server.ts';
import { LoginAuthority } from './authority.ts';
import { type GraphAnswer, graphError, type SimulatedDirectory } from './directory.ts';
import { graphRoutes, type Route } from './graph-routes.ts';
import type { SimulatedPrivilegedAccess } from './privileged-access.ts';
import { isWrite, type ThrottlingSettings, WriteQuota } from './write-quota.ts';

/**
 * The simulated tenant's HTTPS endpoints: the login authority (authority.ts) and Microsoft
 * Graph v1.0 for the operations containment uses (graph-routes.ts), with the token and
 * permission checks, throttling (write-quota.ts), latency and injected faults in front.
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

type HeldAnswer = GraphAnswer & { holdMs?: number };

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

export interface SimulatedServerOptions {
  directory: SimulatedDirectory;
  access: SimulatedPrivilegedAccess;
  /** Items per page of a Graph collection when the client sends no `$top`. */
  pageSize: number;
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

export class SimulatedEntraServer extends SimulatorServer<FaultRule, RequestRecord> {
  readonly #directory: SimulatedDirectory;
  readonly #options: SimulatedServerOptions;
  readonly #authority: LoginAuthority;
  readonly #quota: WriteQuota;
  readonly #routes: Route[];
  #authorityHost = '';
  #graphBaseUrl = '';

  constructor(options: SimulatedServerOptions) {
    super(options.latencyMs);
    this.#options = options;
    this.#directory = options.directory;
    this.#authority = new LoginAuthority({
      directory: options.directory,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds,
      now: options.now,
      hosts: () => ({ authorityHost: this.#authorityHost, graphBaseUrl: this.#graphBaseUrl }),
    });
    this.#quota = new WriteQuota(options.directory.tenantId, options.throttling, options.now);
    this.#routes = graphRoutes(
      options.directory,
      options.access,
      options.revokeStatus,
      { baseUrl: () => this.#graphBaseUrl, pageSize: options.pageSize },
      options.now,
    );
  }

  get authorityHost(): string {
    return this.#authorityHost;
  }

  get graphBaseUrl(): string {
    return this.#graphBaseUrl;
  }

  async listen(): Promise<void> {
    const { key, cert } = this.#options.tls;
    const start = (listener: 'authority' | 'graph') =>
      this.open(
        'https',
        (handler) => createServer({ key, cert }, handler),
        (req, res) => this.#handle(listener, req, res),
        (error) => ({
          contentType: 'application/json',
          body: JSON.stringify({
            error: { code: 'InternalServerError', message: String(error) },
          }),
        }),
      );
    this.#authorityHost = await start('authority');
    this.#graphBaseUrl = await start('graph');
  }

  // --- the in-process control API beyond the shared one ----------------------------------------

  setThrottling(settings: Partial<ThrottlingSettings>): void {
    this.#quota.set(settings);
  }

  /** Writes the quota has counted in its current window, per client id. */
  writesInWindow(clientId: string): number {
    return this.#quota.writesInWindow(clientId);
  }

  /** Invalidates every issued access token (forces the client to sign in again). */
  revokeIssuedTokens(): void {
    this.#authority.revokeIssuedTokens();
  }

  // --- request handling ------------------------------------------------------------------------

  async #handle(
    listener: 'authority' | 'graph',
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://simulated.invalid');
    const raw = (await readRequestBody(req)) ?? '';
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
    await this.admit(record);
    const answer: HeldAnswer =
      listener === 'authority'
        ? await this.#authority.answer(req.method ?? 'GET', url, raw, record)
        : this.#graphAnswer(req, url, raw, record);
    record.status = answer.status;
    // A held answer: Graph did the work, the client sees nothing until it times out.
    if (answer.holdMs) await this.sleep(answer.holdMs);
    const headers: Record<string, string> = {
      'request-id': randomUUID(),
      ...(answer.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...answer.headers,
    };
    res.writeHead(answer.status, headers);
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }

  #graphAnswer(req: IncomingMessage, url: URL, raw: string, record: RequestRecord): HeldAnswer {
    const at = this.#options.now();
    const versioned = /^\/v1\.0(\/.*)$/.exec(url.pathname);
    const path = versioned?.[1] ?? url.pathname;
    record.path = path;
    const method = req.method ?? 'GET';

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const clientId = bearer === undefined ? undefined : this.#authority.clientOf(bearer, at);
    if (clientId === undefined) {
      return graphError(
        401,
        'InvalidAuthenticationToken',
        bearer === undefined
          ? 'Access token is empty.'
          : 'Access token has expired or is not valid.',
        at,
      );
    }
    record.clientId = clientId;

    const fault = this.takeFault(
      (f) =>
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    if (fault?.status !== undefined) {
      record.injected = true;
      return injectedAnswer(fault, fault.status, at);
    }

    if (!versioned) return graphError(400, 'BadRequest', 'Invalid version.', at);
    const route = this.#routes.find((r) => r.method === method && r.pattern.test(path));
    const match = route?.pattern.exec(path);
    if (!route || !match) {
      return graphError(400, 'BadRequest', `Resource not found for the segment '${path}'.`, at);
    }
    const app = this.#directory.applications.get(clientId);
    if (!app || !route.permissions.some((p) => app.permissions.includes(p))) {
      return graphError(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
        at,
      );
    }

    const throttled = this.#quota.check(method, path, clientId, at);
    if (throttled) return throttled;

    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        return graphError(400, 'BadRequest', 'Unable to read JSON request payload.', at);
      }
    }
    const answer: HeldAnswer = route.handle(match, body, url, app.directoryRoles, app.permissions);
    if (isWrite(method) && answer.status < 300) this.#options.onChange?.();
    if (fault?.delayMs) answer.holdMs = fault.delayMs;
    return answer;
  }
}

/** The Graph error an injected fault answers with, held for its delay. */
function injectedAnswer(fault: FaultRule, status: number, at: Date): HeldAnswer {
  const answer: HeldAnswer = graphError(
    status,
    fault.code ?? DEFAULT_CODES[status] ?? 'UnknownError',
    fault.message ?? `Injected fault: ${status}.`,
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
