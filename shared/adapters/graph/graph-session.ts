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
import { type GraphRateLimiter, LanePausedError } from './rate-limiter.ts';
import { HttpsTransport, RequestControl } from './transport.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /** Backoff when Graph sends no Retry-After: base × 2^(attempt-1), plus jitter. */
  baseDelayMs: number;
  /** A Retry-After longer than this is not waited for: the outcome says throttled, retryable. */
  maxDelayMs: number;
}

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

  constructor(tenant: TenantCredential, settings: GraphSessionSettings) {
    this.tenantId = tenant.tenantId;
    this.#settings = settings;
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
    const slot =
      lane === 'write'
        ? limiter.acquireWrite(this.tenantId, retry.maxDelayMs)
        : lane === 'identityProtection'
          ? limiter.acquireIdentityProtection(this.tenantId, retry.maxDelayMs)
          : undefined;
    if (!slot) return undefined;
    onQueued?.();
    return slot.then(
      () => undefined,
      (error: unknown): GraphFailure => {
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
    let request: GraphRequest = this.#client
      .api(spec.path)
      .middlewareOptions([new RequestControl({ onSent })]);
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
