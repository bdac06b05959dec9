import { type Agent, request as httpsRequest } from 'node:https';

/**
 * One HTTPS exchange with an Okta org. node:https rather than global fetch so one keep-alive
 * agent serves every call (the revoke reuses a warm connection) and a test double's private CA
 * can be trusted explicitly, as the Graph transport does.
 */

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

class OktaNetworkError extends Error {
  override readonly name = 'OktaNetworkError';
}

export function httpsExchange(
  agent: Agent,
  request: {
    method: string;
    url: string;
    headers: Record<string, string>;
    body?: string;
    timeoutMs: number;
  },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      request.url,
      { method: request.method, headers: request.headers, agent, timeout: request.timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(new OktaNetworkError(error.message)));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const [key, value] of Object.entries(res.headers)) {
            if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new OktaNetworkError(`no answer within ${request.timeoutMs} ms`)),
    );
    req.on('error', (error) =>
      reject(error instanceof OktaNetworkError ? error : new OktaNetworkError(error.message)),
    );
    req.end(request.body);
  });
}

export function parseJson(body: string): unknown {
  try {
    return body === '' ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}
