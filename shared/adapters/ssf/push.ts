import type { Stream } from '../../domain/ssf/stream.ts';
import type { PushOutcome, SetPusher } from '../../ports/ssf.ts';

const SET_MEDIA_TYPE = 'application/secevent+jwt';

export interface PushOptions {
  maxAttempts?: number;
  /** First backoff; doubled each attempt, plus jitter. */
  baseDelayMs?: number;
  /** Longest wait between attempts, Retry-After included. */
  maxDelayMs?: number;
  timeoutMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * RFC 8935 push: POST the SET as `application/secevent+jwt`; 202 (or 200) is delivered. 5xx, 429
 * and network failures are retried with exponential backoff, honouring Retry-After, within the
 * attempts and the caller's deadline; any other 4xx is final, with the receiver's `err` code.
 */
export class HttpSetPusher implements SetPusher {
  readonly #options: Required<PushOptions>;

  constructor(options: PushOptions = {}) {
    this.#options = {
      maxAttempts: options.maxAttempts ?? 4,
      baseDelayMs: options.baseDelayMs ?? 500,
      maxDelayMs: options.maxDelayMs ?? 10_000,
      timeoutMs: options.timeoutMs ?? 5000,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    };
  }

  async push(stream: Stream, set: string, deadline?: number): Promise<PushOutcome> {
    const endpoint = stream.delivery.endpoint_url;
    if (!endpoint) {
      return { delivered: false, attempts: 0, retryable: false, description: 'no endpoint_url' };
    }
    const o = this.#options;
    let last: PushOutcome = { delivered: false, attempts: 0, retryable: true, description: '' };
    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      let retryAfterMs: number | undefined;
      try {
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: {
            'content-type': SET_MEDIA_TYPE,
            accept: 'application/json',
            ...(stream.delivery.authorization_header
              ? { authorization: stream.delivery.authorization_header }
              : {}),
          },
          body: set,
          redirect: 'manual', // a redirect could carry the SET (and the header) elsewhere
          signal: AbortSignal.timeout(o.timeoutMs),
        });
        if (response.status === 202 || response.status === 200) {
          await response.body?.cancel();
          return { delivered: true, attempts: attempt };
        }
        const answer = await errorBody(response);
        const retryable = response.status === 429 || response.status >= 500;
        last = {
          delivered: false,
          attempts: attempt,
          retryable,
          httpStatus: response.status,
          ...(answer.err ? { err: answer.err } : {}),
          description: answer.description ?? `receiver answered HTTP ${response.status}`,
        };
        if (!retryable) return last;
        retryAfterMs = retryAfter(response.headers.get('retry-after'));
      } catch (error) {
        last = {
          delivered: false,
          attempts: attempt,
          retryable: true,
          description: `push failed: ${(error as Error).name}: ${(error as Error).message}`,
        };
      }
      if (attempt === o.maxAttempts) break;
      const backoff = o.baseDelayMs * 2 ** (attempt - 1) * (1 + Math.random() * 0.2);
      const wait = Math.min(Math.max(retryAfterMs ?? 0, backoff), o.maxDelayMs);
      if (deadline !== undefined && Date.now() + wait + o.timeoutMs > deadline) {
        return { ...last, description: `${last.description}; no time left for another attempt` };
      }
      await o.sleep(wait);
    }
    return last;
  }
}

/** RFC 8935 section 2.3: `{"err": ..., "description": ...}`, read within a small bound. */
async function errorBody(response: Response): Promise<{ err?: string; description?: string }> {
  try {
    const text = (await response.text()).slice(0, 4096);
    const body = JSON.parse(text) as { err?: unknown; description?: unknown };
    return {
      ...(typeof body.err === 'string' ? { err: body.err.slice(0, 64) } : {}),
      ...(typeof body.description === 'string'
        ? { description: body.description.slice(0, 512) }
        : {}),
    };
  } catch {
    return {};
  }
}

function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
