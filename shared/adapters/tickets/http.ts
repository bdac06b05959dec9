import type { TicketSystemName } from '../../domain/ownership.ts';
import { toSingleLine } from '../../domain/tickets/neutralise.ts';
import { TicketError } from '../../ports/tickets.ts';

/** How a ticket adapter talks HTTP: bounded time per request, bounded retries with backoff. */
export interface HttpOptions {
  fetch?: typeof fetch;
  /** Per request, default 10 s. */
  timeoutMs?: number;
  /** Retries after the first attempt, default 3. */
  retries?: number;
  /** Backoff base and cap (full jitter), defaults 500 ms and 8 s. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is left to the queue's redelivery, default 30 s. */
  maxRetryAfterMs?: number;
  /**
   * Time one `open` may take across all attempts, default 40 s: retrying stops in time for the
   * Lambda to finish and hand the message back to the queue.
   */
  deadlineMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Milliseconds, for the deadline. */
  now?: () => number;
}

export interface HttpResponse {
  status: number;
  text: string;
  headers: Headers;
}

/** A refusal with the server's hint on when to come back. */
class HttpTicketError extends TicketError {
  readonly retryAfterMs?: number;

  constructor(
    system: TicketSystemName,
    message: string,
    details: { retryable: boolean; httpStatus?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(system, message, details);
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

const VENDOR = {
  jira: 'Jira',
  servicenow: 'ServiceNow',
  webhook: 'The webhook receiver',
  file: 'The file system',
} as const;

const STATUS_HINT: Record<number, string> = {
  400: 'rejected the request as invalid',
  401: "rejected the credentials: check the connection's user, token or secret",
  403: 'refused: the connection lacks permission for this',
  404: 'does not know this resource: check the URL, project or table',
};

function hintFor(status: number, retryable: boolean): string {
  if (status >= 300 && status < 400) return 'redirected the request: configure the final URL';
  return (
    STATUS_HINT[status] ?? (retryable ? 'is unavailable or throttling' : 'refused the request')
  );
}

/**
 * One HTTP client per adapter. It knows the connection's secrets only to scrub them from every
 * error message; nothing it throws carries a header, a token or a request body.
 */
export class HttpTransport {
  readonly #system: TicketSystemName;
  readonly #secrets: readonly string[];
  readonly #fetch: typeof fetch;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #deadlineMs: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #now: () => number;

  constructor(system: TicketSystemName, secrets: readonly string[], options: HttpOptions = {}) {
    this.#system = system;
    this.#secrets = secrets.filter((s) => s.length >= 4);
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#retries = options.retries ?? 3;
    this.#baseDelayMs = options.baseDelayMs ?? 500;
    this.#maxDelayMs = options.maxDelayMs ?? 8_000;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#deadlineMs = options.deadlineMs ?? 40_000;
    this.#now = options.now ?? Date.now;
  }

  /** One request; a non-2xx answer or a transport failure becomes a classified TicketError. */
  async send(
    what: string,
    request: { method: string; url: string; headers: Record<string, string>; body?: string },
  ): Promise<HttpResponse> {
    let response: Response;
    try {
      response = await this.#fetch(request.url, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        signal: AbortSignal.timeout(this.#timeoutMs),
        // A redirect is a misconfigured URL; following it could carry credentials elsewhere.
        redirect: 'manual',
      });
    } catch (error) {
      throw this.#transportError(what, error);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw this.#transportError(what, error);
    }
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, text, headers: response.headers };
    }
    throw this.#statusError(what, response.status, text, response.headers);
  }

  /** Parses a 2xx body; an answer that is not the documented JSON is not retried. */
  json(what: string, response: HttpResponse): unknown {
    try {
      return JSON.parse(response.text);
    } catch (error) {
      throw new TicketError(
        this.#system,
        `${VENDOR[this.#system]} answered ${what} with a body that is not JSON`,
        {
          retryable: false,
          httpStatus: response.status,
          cause: error,
        },
      );
    }
  }

  /**
   * Runs the whole operation (dedupe search and create) again on a retryable failure, so a create
   * whose answer was lost is found by the next search instead of being created twice.
   */
  async withRetries<T>(operation: () => Promise<T>): Promise<T> {
    const started = this.#now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await operation();
      } catch (error) {
        if (!(error instanceof TicketError) || !error.retryable) throw error;
        const retryAfterMs = error instanceof HttpTicketError ? error.retryAfterMs : undefined;
        const ceiling = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** attempt);
        const delay = Math.max(retryAfterMs ?? 0, Math.floor(this.#random() * ceiling));
        // Another attempt could take a full request timeout after the delay.
        const late = this.#now() - started + delay + this.#timeoutMs > this.#deadlineMs;
        let why: string | undefined;
        if (retryAfterMs !== undefined && retryAfterMs > this.#maxRetryAfterMs) {
          why = `asked to wait ${Math.ceil(retryAfterMs / 1000)} s`;
        } else if (attempt >= this.#retries) {
          why = `gave up after ${attempt + 1} attempts`;
        } else if (late) {
          why = `out of time after ${attempt + 1} attempt(s)`;
        }
        if (why !== undefined) {
          throw new TicketError(
            this.#system,
            `${error.message} (${why}; the queue retries later)`,
            {
              retryable: true,
              ...(error.httpStatus === undefined ? {} : { httpStatus: error.httpStatus }),
              cause: error,
            },
          );
        }
        await this.#sleep(delay);
      }
    }
  }

  /** Removes every configured secret from text that may reach a log, the ledger or a ticket. */
  redact(text: string): string {
    let out = text;
    for (const secret of this.#secrets) out = out.replaceAll(secret, '[redacted]');
    return out;
  }

  #statusError(what: string, status: number, body: string, headers: Headers): HttpTicketError {
    const retryable = status === 408 || status === 425 || status === 429 || status >= 500;
    const hint = hintFor(status, retryable);
    const detail = vendorMessage(body);
    const retryAfterMs =
      status === 429 || status === 503 ? parseRetryAfter(headers.get('retry-after')) : undefined;
    const message = this.redact(
      `${VENDOR[this.#system]} ${hint} (HTTP ${status} while ${what})${detail ? `: ${detail}` : ''}`,
    );
    return new HttpTicketError(this.#system, message, {
      retryable,
      httpStatus: status,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }

  #transportError(what: string, error: unknown): HttpTicketError {
    const name = error instanceof Error ? error.name : '';
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    const code = connectionCode(error);
    const message = timedOut
      ? `${VENDOR[this.#system]} did not answer within ${this.#timeoutMs} ms while ${what}`
      : `${VENDOR[this.#system]} could not be reached while ${what}${code ? ` (${code})` : ''}`;
    // The cause is kept for its type and code only: a fetch error can quote the URL.
    return new HttpTicketError(this.#system, this.redact(message), {
      retryable: true,
      cause: new Error(code ?? (name || 'network error')),
    });
  }
}

/** Seconds or an HTTP date, as RFC 9110 allows; anything else is ignored. */
export function parseRetryAfter(
  value: string | null,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The vendor's own error text (Jira `errorMessages`/`errors`, ServiceNow `error`), short. */
function vendorMessage(body: string): string {
  let detail = '';
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) {
      const record = parsed as Record<string, unknown>;
      const parts: string[] = [];
      if (Array.isArray(record.errorMessages)) parts.push(...record.errorMessages.map(String));
      if (typeof record.errors === 'object' && record.errors !== null) {
        parts.push(
          ...Object.entries(record.errors).map(([field, text]) => `${field}: ${String(text)}`),
        );
      }
      if (typeof record.error === 'object' && record.error !== null) {
        const error = record.error as Record<string, unknown>;
        parts.push(
          ...[error.message, error.detail].filter((p) => typeof p === 'string').map(String),
        );
      }
      detail = parts.join('; ');
    }
  } catch {
    detail = body.trimStart().startsWith('<') ? '' : body;
  }
  const single = toSingleLine(detail);
  return single.length > 300 ? `${single.slice(0, 300)}…` : single;
}

function connectionCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}
