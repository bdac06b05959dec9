import type { GraphFailure } from './errors.ts';
import type { GraphCall, GraphTenantSession } from './graph-session.ts';

/**
 * A Graph collection read to its end: every `@odata.nextLink` is followed (Graph pages at 100
 * items by default), so no assignment hides on page two. Bounded by a page count and by the
 * invocation's deadline, which end the listing as a failure rather than a short answer.
 */

const MAX_PAGES = 200;

export type ListResult<T> = { ok: true; value: T[] } | { ok: false; failure: GraphFailure };

interface Page<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

export async function listAll<T>(
  session: GraphTenantSession,
  first: Omit<GraphCall, 'method'>,
  deadline?: number,
): Promise<ListResult<T>> {
  const items: T[] = [];
  let call: Omit<GraphCall, 'method'> = first;
  for (let page = 1; ; page += 1) {
    if (deadline !== undefined && Date.now() >= deadline) {
      return {
        ok: false,
        failure: {
          class: 'deadline',
          message: `listing ${first.path} stopped after ${page - 1} page(s): the invocation's deadline has passed`,
          retryable: true,
          ambiguous: false,
        },
      };
    }
    const result = await session.call<Page<T>>({ ...call, method: 'GET' });
    if (!result.ok) return { ok: false, failure: result.failure };
    items.push(...(result.value?.value ?? []));
    const next = result.value?.['@odata.nextLink'];
    if (!next) return { ok: true, value: items };
    if (page >= MAX_PAGES) {
      return {
        ok: false,
        failure: {
          class: 'invalid',
          message: `listing ${first.path} has more than ${MAX_PAGES} pages; stopped without reading it all`,
          retryable: false,
          ambiguous: false,
        },
      };
    }
    call = { operation: first.operation, ...nextCall(next) };
  }
}

/** The next page's path (after the version) and query, from Graph's absolute nextLink. */
function nextCall(nextLink: string): { path: string; query: Record<string, string> } {
  const url = new URL(nextLink);
  const path = url.pathname.replace(/^\/(v1\.0|beta)(?=\/)/, '');
  return { path, query: Object.fromEntries(url.searchParams) };
}
