import type { InvalidInputError, Result } from '../domain/errors.ts';
import type { LedgerQuery } from '../domain/ledger/query.ts';
import { parseLedgerQuery } from '../domain/ledger/query.ts';
import type { LedgerRecord } from '../domain/ledger/record.ts';
import type { LedgerReader } from '../ports/ledger.ts';

/**
 * Query parameters as text (CLI flags, HTTP query string) to a validated LedgerQuery. Unknown
 * parameters are refused rather than ignored: a misspelt filter must not return everything.
 */
export function parseLedgerQueryParams(
  params: Readonly<Record<string, string | undefined>>,
): Result<LedgerQuery, InvalidInputError> {
  const { limit, ...rest } = params;
  const input: Record<string, unknown> = Object.fromEntries(
    Object.entries(rest).filter(([, v]) => v !== undefined),
  );
  if (limit !== undefined) input.limit = /^\d{1,6}$/.test(limit) ? Number(limit) : limit;
  return parseLedgerQuery(input);
}

/**
 * Every record the query selects, page after page, for streaming: memory stays at one page
 * whatever the size of the result. Pages may be short or empty (DynamoDB applies filters after
 * reading a page); iteration continues until there is no next page.
 */
export async function* queryLedger(
  reader: LedgerReader,
  query: LedgerQuery,
): AsyncGenerator<LedgerRecord> {
  let pageToken: string | undefined;
  do {
    const page = await reader.query(query, pageToken);
    yield* page.records;
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
}
