import { type GraphAnswer, graphError } from './directory.ts';

/**
 * Server-side paging as Graph does it: at most `$top` (else the default page size) items per
 * page, and an absolute `@odata.nextLink` carrying an opaque `$skiptoken` while more remain.
 */

const MAX_TOP = 999;

export interface PagingSettings {
  /** The Graph base URL clients called (https://127.0.0.1:<port>), for absolute nextLinks. */
  baseUrl: () => string;
  /** Graph's default is 100; tests set fewer so paging is exercised. */
  pageSize: number;
}

export function pageOf(
  answer: GraphAnswer,
  url: URL,
  paging: PagingSettings,
  at: Date,
): GraphAnswer {
  const body = answer.body as { value?: unknown[] } | undefined;
  if (answer.status !== 200 || !Array.isArray(body?.value)) return answer;
  const topParam = url.searchParams.get('$top');
  const top = topParam === null ? paging.pageSize : Number(topParam);
  if (!Number.isInteger(top) || top < 1 || top > MAX_TOP) {
    return graphError(400, 'Request_BadRequest', `Invalid $top value '${topParam}'.`, at);
  }
  const token = url.searchParams.get('$skiptoken');
  const offset = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) {
    return graphError(400, 'Request_BadRequest', 'Invalid $skiptoken.', at);
  }
  const value = body.value.slice(offset, offset + top);
  const next: Record<string, unknown> = {};
  if (offset + top < body.value.length) {
    const link = new URL(`${paging.baseUrl()}${url.pathname}`);
    for (const [key, v] of url.searchParams)
      if (key !== '$skiptoken') link.searchParams.set(key, v);
    link.searchParams.set('$skiptoken', Buffer.from(String(offset + top)).toString('base64url'));
    next['@odata.nextLink'] = link.toString();
  }
  return { ...answer, body: { ...body, value, ...next } };
}
