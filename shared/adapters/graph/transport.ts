import type { Agent } from 'node:https';
import { request as httpsRequest } from 'node:https';
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';

/**
 * The last link of the Graph client's middleware chain, replacing its fetch-based
 * HTTPMessageHandler: HTTPS over one keep-alive agent (so the revoke reuses a warm connection,
 * and a private CA can be trusted for a test double), a per-request timeout, and a signal when
 * the request has left the process. The chain has no RetryHandler: retries are the adapter's.
 */

/** Per-request options, passed with `GraphRequest.middlewareOptions([...])`. */
export class RequestControl implements MiddlewareOptions {
  readonly timeoutMs: number | undefined;
  readonly onSent: (() => void) | undefined;

  constructor(options: { timeoutMs?: number; onSent?: () => void }) {
    this.timeoutMs = options.timeoutMs;
    this.onSent = options.onSent;
  }
}

/** The request got no answer within its timeout. Graph may still have acted on it. */
class GraphTimeoutError extends Error {
  override readonly name = 'GraphTimeoutError';
}

/** The connection failed (refused, reset, TLS). */
class GraphNetworkError extends Error {
  override readonly name = 'GraphNetworkError';
}

function headerRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === undefined || headers === null) return out;
  new Headers(headers as ConstructorParameters<typeof Headers>[0]).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

export class HttpsTransport implements Middleware {
  readonly #agent: Agent;
  readonly #timeoutMs: number;

  constructor(agent: Agent, timeoutMs: number) {
    this.#agent = agent;
    this.#timeoutMs = timeoutMs;
  }

  execute(context: Context): Promise<void> {
    const control = context.middlewareControl?.getMiddlewareOptions(RequestControl) as
      | RequestControl
      | undefined;
    const timeoutMs = control?.timeoutMs ?? this.#timeoutMs;
    const url = typeof context.request === 'string' ? context.request : context.request.url;
    const options = context.options ?? {};
    const body = options.body as string | Buffer | undefined | null;
    return new Promise<void>((resolve, reject) => {
      const req = httpsRequest(url, {
        method: options.method ?? 'GET',
        headers: headerRecord(options.headers),
        agent: this.#agent,
      });
      const timeout = new GraphTimeoutError(`no answer within ${timeoutMs} ms`);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(timeout);
      }, timeoutMs);
      req.once('finish', () => control?.onSent?.());
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(
          timedOut
            ? timeout
            : new GraphNetworkError(
                `${(error as NodeJS.ErrnoException).code ?? 'network error'}: ${error.message}`,
                { cause: error },
              ),
        );
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', (error) => {
          clearTimeout(timer);
          reject(
            timedOut
              ? timeout
              : new GraphNetworkError(`response aborted: ${error.message}`, { cause: error }),
          );
        });
        res.once('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 500;
          const headers = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            if (value !== undefined)
              headers.set(key, Array.isArray(value) ? value.join(', ') : value);
          }
          const noBody = status === 204 || status === 205 || status === 304;
          context.response = new Response(noBody ? null : Buffer.concat(chunks), {
            status,
            statusText: res.statusMessage ?? '',
            headers,
          });
          resolve();
        });
      });
      req.end(body ?? undefined);
    });
  }
}
