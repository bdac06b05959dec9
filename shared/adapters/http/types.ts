/** A framework-free HTTP exchange: API Gateway and the local server both map onto it. */
export interface HttpRequest {
  method: string;
  path: string;
  query: Readonly<Record<string, string | readonly string[] | undefined>>;
  headers: Readonly<Record<string, string | undefined>>;
  body?: string;
  /** The authenticated caller (API Gateway's IAM identity), when the channel proves one. */
  caller?: string;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function json(status: number, value: unknown): HttpResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify(value),
  };
}

/** Header lookup that ignores case, as HTTP does. */
export function header(request: HttpRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(request.headers))
    if (key.toLowerCase() === wanted) return value;
  return undefined;
}
