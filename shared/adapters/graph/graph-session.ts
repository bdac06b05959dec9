import type { Agent } from 'node:https';
import {
  AuthenticationHandler,
  Client,
  type GraphRequest,
  TelemetryHandler,
} from '@microsoft/microsoft-graph-client';
import type { TenantCredential } from './config.ts';
import { CachedTokenCredential, createTenantCredential } from './credentials.ts';
import { classifyGraphError, type GraphFailure } from './errors.ts';
import type { GraphOperation } from './permissions.ts';
import { DeadlineReachedError, type GraphRateLimiter, LanePausedError } from './rate-limiter.ts';
import { HttpsTransport, RequestControl } from './transport.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff when Graph sends no Retry-After: base × 2^(attempt-1), plus jitter. */
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited for: the outcome says throttled, retryable. */
  maxDelayMs: number;
}

/** Kept back from a deadline: the answer still has to reach the caller and be recorded. */
const DEADLINE_MARGIN_MS = 250;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 250,
  maxDelayMs: 30_000,
};

export interface GraphCall {
  operation: GraphOperation;
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Graph path after the version, ids already encoded. */
  path: string;
  query?: Record<string, string>;
  body?: unknown;
  /** Which client-side limiter paces it; GETs are not paced. */
  lane?: 'write' | 'identityProtection' | 'none';
  /** The caller already holds this lane's slot for the first attempt. */
  firstSlotHeld?: boolean;
  /** Called once, as soon as the first attempt has left the process (or is queued, or settled). */
  onIssued?: () => void;
}

export type GraphCallResult<T> = ({ ok: true; value: T } | { ok: false; failure: GraphFailure }) & {
  attempts: number;
  /** An earlier attempt may have been applied by Graph although it got no success answer. */
  afterAmbiguous: boolean;
};

export interface GraphSessionSettings {
  graphBaseUrl: string;
  authorityHost: string;
  agent: Agent;
  limiter: GraphRateLimiter;
  retry: RetryPolicy;
  requestTimeoutMs: number;
  redact: (text: string) => string;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** The federated client assertion, for tenants configured `federated`. */
  federatedAssertion?: () => Promise<string>;
}

/**
 * One tenant's Graph client: its own credential and token, a middleware chain without the SDK's
 * RetryHandler (its default retries POST/PATCH three times with 3 s waits, blind to our quotas),
 * and this adapter's retry policy on top, paced by the process-wide limiter.
 */
export class GraphTenantSession {
  readonly tenantId: string;
  readonly #credential: CachedTokenCredential;
  readonly #client: Client;
  readonly #settings: GraphSessionSettings;
  /** Epoch ms by which every call of this view must have returned. */
  readonly #deadline: number | undefined;

  constructor(
    tenant: TenantCredential | GraphTenantSession,
    settings: GraphSessionSettings,
    deadline?: number,
  ) {
    this.tenantId = tenant.tenantId;
    this.#settings = settings;
    this.#deadline = deadline;
    if (tenant instanceof GraphTenantSession) {
      // A view of the same signed-in client, bounded by another deadline.
      this.#credential = tenant.#credential;
      this.#client = tenant.#client;
      return;
    }
    const scope = `${settings.graphBaseUrl}/.default`;
    this.#credential = new CachedTokenCredential(
      createTenantCredential(tenant, scope, settings),
      settings.now,
    );
    const credential = this.#credential;
    const auth = { getAccessToken: async () => (await credential.getToken()).token };
    this.#client = Client.initWithMiddleware({
      baseUrl: settings.graphBaseUrl,
      defaultVersion: 'v1.0',
      // The auth middleware sends the token only to Graph hosts it knows or these.
      customHosts: new Set([new URL(settings.graphBaseUrl).hostname]),
      middleware: [
        new AuthenticationHandler(auth),
        new TelemetryHandler(),
        new HttpsTransport(settings.agent, settings.requestTimeoutMs),
      ],
    });
  }

  /** The same session, with every call, retry and wait ending by `deadline` (epoch ms). */
  withDeadline(deadline: number | undefined): GraphTenantSession {
    return deadline === undefined ? this : new GraphTenantSession(this, this.#settings, deadline);
  }

  /** Milliseconds left before the deadline, less the margin; Infinity without one. */
  #remainingMs(): number {
    if (this.#deadline === undefined) return Number.POSITIVE_INFINITY;
    return this.#deadline - DEADLINE_MARGIN_MS - this.#settings.now();
  }

  /**
   * A directory object as a `$ref` body names it: on this session's Graph service root, so a
   * national cloud (graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn)
   * gets a reference to its own service.
   */
  directoryObjectRef(id: string): string {
    return `${this.#settings.graphBaseUrl}/v1.0/directoryObjects/${encodeURIComponent(id)}`;
  }

  warmUp(): Promise<void> {
    return this.#credential.warmUp();
  }

  async call<T>(spec: GraphCall): Promise<GraphCallResult<T>> {
    const { limiter, retry, now, sleep, redact } = this.#settings;
    const lane = spec.lane ?? (spec.method === 'GET' ? 'none' : 'write');
    let issued = false;
    const markIssued = () => {
      if (issued) return;
      issued = true;
      spec.onIssued?.();
    };
    let afterAmbiguous = false;
    let reauthenticated = false;
    let attempt = 0;
    try {
      for (;;) {
        attempt += 1;
        if (this.#remainingMs() <= 0) {
          return {
            ok: false,
            failure: deadlineFailure(attempt - 1),
            attempts: attempt - 1,
            afterAmbiguous,
          };
        }
        if (!(attempt === 1 && spec.firstSlotHeld)) {
          const waiting = this.waitForSlot(lane, markIssued);
          const refused = waiting ? await waiting : undefined;
          if (refused)
            return { ok: false, failure: refused, attempts: attempt - 1, afterAmbiguous };
        }
        try {
          const value = (await this.#send(spec, markIssued)) as T;
          return { ok: true, value, attempts: attempt, afterAmbiguous };
        } catch (error) {
          const failure = classifyGraphError(error, spec.operation, now(), redact);
          if (failure.httpStatus === 401 && !reauthenticated) {
            // Graph refused a cached token (revoked, rotated keys): sign in again, once.
            reauthenticated = true;
            this.#credential.invalidate();
            continue;
          }
          if (!failure.retryable || attempt >= retry.maxAttempts) {
            return { ok: false, failure, attempts: attempt, afterAmbiguous };
          }
          const delay =
            failure.retryAfterMs ??
            retry.baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random() * 0.25);
          if (failure.class === 'throttled') {
            const until = now() + delay;
            if (lane === 'identityProtection')
              limiter.pauseIdentityProtection(this.tenantId, until);
            else if (lane === 'write') limiter.pauseWrites(this.tenantId, until);
          }
          if (delay > this.#remainingMs()) {
            return {
              ok: false,
              failure: {
                ...deadlineFailure(attempt),
                message: `${failure.message}; the next attempt (in ${Math.ceil(delay / 1000)} s) would end after the invocation's deadline: left for a later retry`,
              },
              attempts: attempt,
              afterAmbiguous: afterAmbiguous || failure.ambiguous,
            };
          }
          if (delay > retry.maxDelayMs) {
            return {
              ok: false,
              failure: {
                ...failure,
                message: `${failure.message} (Graph asked to wait ${Math.ceil(delay / 1000)} s; left for a later retry)`,
              },
              attempts: attempt,
              afterAmbiguous,
            };
          }
          afterAmbiguous ||= failure.ambiguous;
          await sleep(delay);
        }
      }
    } finally {
      markIssued();
    }
  }

  /**
   * Takes the lane's next slot: undefined when granted at once, else a wait (`onQueued` is told).
   * When Graph asked the tenant to wait longer than this adapter waits, the wait ends at once in
   * a throttled, retryable failure: nothing is sent, and no caller queues past its own deadline
   * (a Lambda that times out records nothing).
   */
  waitForSlot(
    lane: 'write' | 'identityProtection' | 'none',
    onQueued?: () => void,
  ): Promise<GraphFailure | undefined> | undefined {
    const { limiter, retry } = this.#settings;
    const remaining = this.#remainingMs();
    const maxPause = Math.min(retry.maxDelayMs, remaining);
    const maxWait = Number.isFinite(remaining) ? remaining : undefined;
    const slot =
      lane === 'write'
        ? limiter.acquireWrite(this.tenantId, maxPause, maxWait)
        : lane === 'identityProtection'
          ? limiter.acquireIdentityProtection(this.tenantId, maxPause, maxWait)
          : undefined;
    if (!slot) return undefined;
    onQueued?.();
    return slot.then(
      () => undefined,
      (error: unknown): GraphFailure => {
        if (error instanceof DeadlineReachedError) {
          return {
            ...deadlineFailure(0),
            message: `${error.message}; not sent, left for a later retry`,
          };
        }
        if (!(error instanceof LanePausedError)) throw error;
        return {
          class: 'throttled',
          message: `${error.message} before calling again; not sent, left for a later retry`,
          retryable: true,
          retryAfterMs: error.pausedForMs,
          ambiguous: false,
        };
      },
    );
  }

  #send(spec: GraphCall, onSent: () => void): Promise<unknown> {
    // A request may not outlive the invocation: its timeout is cut to the time left.
    const remaining = this.#remainingMs();
    const timeoutMs = Number.isFinite(remaining)
      ? Math.max(1, Math.min(this.#settings.requestTimeoutMs, remaining))
      : undefined;
    let request: GraphRequest = this.#client
      .api(spec.path)
      .middlewareOptions([
        new RequestControl({ onSent, ...(timeoutMs === undefined ? {} : { timeoutMs }) }),
      ]);
    if (spec.query) request = request.query(spec.query);
    switch (spec.method) {
      case 'GET':
        return request.get();
      case 'POST':
        return request.post(spec.body);
      case 'PATCH':
        return request.patch(spec.body);
      case 'DELETE':
        return request.delete();
    }
  }
}

/** The invocation's time ran out: retryable, so the queue redelivers what is left. */
function deadlineFailure(attempts: number): GraphFailure {
  return {
    class: 'deadline',
    message:
      attempts === 0
        ? "the invocation's deadline was reached before the call could be sent"
        : `the invocation's deadline was reached after ${attempts} attempt(s)`,
    retryable: true,
    ambiguous: false,
  };
}
