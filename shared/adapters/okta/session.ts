import type { Agent } from 'node:https';
import type { OutcomeError } from '../containment-outcome.ts';
import type { OktaOrgConfig } from './config.ts';
import { httpsExchange, parseJson } from './http.ts';
import { OktaTokenSource } from './token.ts';

/**
 * Calls to one org's Management API: authorization, pacing on Okta's rate-limit headers
 * (`X-Rate-Limit-Remaining` / `-Reset`, epoch seconds), 429 honoured until its reset and never
 * past the caller's deadline, a few retries of 5xx and network failures. 401/403 are not retried
 * and name the missing scope; 404 is `notFound` (the user is gone). Never throws.
 */

export type OktaCall<T> =
  | { ok: true; status: number; value: T }
  | { ok: false; error: OutcomeError; errorCode?: string };

export interface OktaCallSpec {
  /** e.g. `revokeSessions`, as messages name it. */
  operation: string;
  method: 'GET' | 'POST' | 'DELETE' | 'PUT';
  path: string;
  body?: unknown;
  /** The scope this endpoint needs, named when Okta answers 403 without saying. */
  scope: string;
  deadline?: number;
}

const MAX_ATTEMPTS = 4;
const BACKOFF_MS = [100, 400, 1_000];

export class OktaOrgSession {
  readonly org: OktaOrgConfig;
  readonly #agent: Agent;
  readonly #tokens: OktaTokenSource;
  readonly #timeoutMs: number;
  /** Per org: Okta limits per endpoint, but pacing on the latest answer is a safe approximation. */
  #pausedUntil = 0;

  constructor(org: OktaOrgConfig, agent: Agent, timeoutMs: number) {
    this.org = org;
    this.#agent = agent;
    this.#timeoutMs = timeoutMs;
    this.#tokens = new OktaTokenSource(org, agent, timeoutMs);
  }

  async call<T = unknown>(spec: OktaCallSpec): Promise<OktaCall<T>> {
    let last: OktaCall<T> | undefined;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const waitMs = Math.max(0, this.#pausedUntil - Date.now());
      if (waitMs > 0) {
        const waited = await waitWithin(waitMs, spec.deadline);
        if (!waited) return this.#deadline(spec, last);
      }
      if (spec.deadline !== undefined && Date.now() >= spec.deadline) {
        return this.#deadline(spec, last);
      }
      const auth = await this.#tokens.authorization();
      if (!auth.ok) return { ok: false, error: auth.error };
      let answer: Awaited<ReturnType<typeof httpsExchange>>;
      try {
        answer = await httpsExchange(this.#agent, {
          method: spec.method,
          url: `${this.org.orgUrl}${spec.path}`,
          headers: {
            accept: 'application/json',
            authorization: auth.header,
            ...(spec.body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
          timeoutMs: this.#timeoutMs,
        });
      } catch (error) {
        last = failure('transient', `${spec.operation}: ${(error as Error).message}`, true);
        if (!(await waitWithin(BACKOFF_MS[attempt] ?? 1_000, spec.deadline))) break;
        continue;
      }
      this.#pace(answer.headers);
      if (answer.status >= 200 && answer.status < 300) {
        return { ok: true, status: answer.status, value: parseJson(answer.body) as T };
      }
      const body = (parseJson(answer.body) ?? {}) as Record<string, unknown>;
      const errorCode = typeof body.errorCode === 'string' ? body.errorCode : undefined;
      const summary = typeof body.errorSummary === 'string' ? body.errorSummary : '';
      const causes = Array.isArray(body.errorCauses)
        ? body.errorCauses
            .map((c) => (c as { errorSummary?: unknown }).errorSummary)
            .filter((c): c is string => typeof c === 'string')
        : [];
      const said = [errorCode, summary, ...causes].filter(Boolean).join(': ');
      const message = `${spec.operation}: Okta answered ${answer.status}${said ? ` (${said})` : ''}`;
      if (answer.status === 429) {
        last = { ...failure('throttled', message, true, answer.status), errorCode };
        const reset = Number(answer.headers['x-rate-limit-reset']);
        const until = Number.isFinite(reset) && reset > 0 ? reset * 1000 : Date.now() + 1_000;
        this.#pausedUntil = Math.max(this.#pausedUntil, until);
        continue;
      }
      if (answer.status === 401 || answer.status === 403) {
        if (answer.status === 401) this.#tokens.invalidate();
        const scope = scopeOf(answer.headers['www-authenticate']) ?? spec.scope;
        return {
          ok: false,
          errorCode,
          error: {
            class: 'forbidden',
            message: `${message}; the responder needs the ${scope} scope granted to its service app (and an admin role allowing it)`,
            retryable: false,
            missingPermission: scope,
            httpStatus: answer.status,
          },
        };
      }
      if (answer.status === 404) {
        return { errorCode, ...failure('notFound', message, false, 404) };
      }
      if (answer.status >= 500) {
        last = { ...failure('transient', message, true, answer.status), errorCode };
        if (!(await waitWithin(BACKOFF_MS[attempt] ?? 1_000, spec.deadline))) break;
        continue;
      }
      return { errorCode, ...failure('invalid', message, false, answer.status) };
    }
    if (spec.deadline !== undefined && Date.now() >= spec.deadline) {
      return this.#deadline(spec, last);
    }
    return last ?? failure('transient', `${spec.operation}: no answer`, true);
  }

  /** When Okta says the window is used up, no call is sent before it resets. */
  #pace(headers: Record<string, string>): void {
    const remaining = Number(headers['x-rate-limit-remaining']);
    const reset = Number(headers['x-rate-limit-reset']);
    if (headers['x-rate-limit-remaining'] !== undefined && remaining <= 0 && reset > 0) {
      this.#pausedUntil = Math.max(this.#pausedUntil, reset * 1000);
    }
  }

  #deadline<T>(spec: OktaCallSpec, last: OktaCall<T> | undefined): OktaCall<T> {
    const before = last && !last.ok ? ` (last answer: ${last.error.message})` : '';
    return failure(
      'deadline',
      `${spec.operation}: the invocation's deadline does not leave time for Okta's rate-limit reset or a retry${before}`,
      true,
    );
  }
}

function failure(
  errorClass: OutcomeError['class'],
  message: string,
  retryable: boolean,
  httpStatus?: number,
): { ok: false; error: OutcomeError } {
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

/** `Bearer ..., error="insufficient_scope", scope="okta.users.manage"`: the scope Okta names. */
function scopeOf(header: string | undefined): string | undefined {
  return header ? /scope="([^"]+)"/.exec(header)?.[1] : undefined;
}

/** Sleeps `ms` unless that would pass `deadline`: false, without sleeping, when it would. */
async function waitWithin(ms: number, deadline: number | undefined): Promise<boolean> {
  if (deadline !== undefined && Date.now() + ms >= deadline) return false;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return true;
}
