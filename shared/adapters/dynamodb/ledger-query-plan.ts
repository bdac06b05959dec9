import type { AttributeValue, QueryCommandInput } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { InvalidInputError } from '../../domain/errors.ts';
import type { LedgerQuery } from '../../domain/ledger/query.ts';
import { DEFAULT_PAGE_SIZE } from '../../domain/ledger/query.ts';
import { incidentPk, monthOf, RECORD_PREFIX, S } from './ledger-items.ts';
import { LEDGER_INDEX } from './ledger-table-definition.ts';

/**
 * Turns a ledger query into DynamoDB Query calls: the most selective key picks the table or
 * index, the time range becomes a key condition on `at` (or a filter on the table), and the other
 * criteria become a filter. A time-only query walks the month index one month at a time.
 */
export interface QueryPlan {
  indexName?: string;
  partitionAttribute: string;
  /** One partition value, or for the month index every month of the range, oldest first. */
  partitions: string[];
  range: { since?: string; until?: string };
  /** Equality criteria not served by the key. */
  filters: Array<[attribute: string, value: string]>;
}

/** Most selective first: a ticket has few records, an owner role has very many. */
const KEY_ROUTES: Array<{ field: keyof LedgerQuery; index: string; attribute: string }> = [
  { field: 'ticketId', index: LEDGER_INDEX.byTicket, attribute: 'ticketId' },
  { field: 'subjectId', index: LEDGER_INDEX.bySubject, attribute: 'subjectId' },
  { field: 'controlId', index: LEDGER_INDEX.byControl, attribute: 'controlId' },
  { field: 'ownerTeam', index: LEDGER_INDEX.byOwnerTeam, attribute: 'ownerTeam' },
  { field: 'ownerRole', index: LEDGER_INDEX.byOwnerRole, attribute: 'ownerRole' },
];

const FILTERABLE = ['ownerTeam', 'ownerRole', 'controlId', 'subjectId', 'ticketId'] as const;

export function planQuery(query: LedgerQuery, now: Date): QueryPlan {
  const range = { since: query.since, until: query.until };
  const filtersExcept = (used: string | undefined): QueryPlan['filters'] =>
    FILTERABLE.filter((f) => f !== used && query[f] !== undefined).map((f) => [
      f,
      query[f] as string,
    ]);
  if (query.incidentId !== undefined) {
    return {
      partitionAttribute: 'pk',
      partitions: [incidentPk(query.incidentId)],
      range,
      filters: filtersExcept(undefined),
    };
  }
  for (const route of KEY_ROUTES) {
    const value = query[route.field];
    if (typeof value === 'string') {
      return {
        indexName: route.index,
        partitionAttribute: route.attribute,
        partitions: [value],
        range,
        filters: filtersExcept(route.attribute),
      };
    }
  }
  if (query.since === undefined) {
    throw new InvalidInputError('ledger query', [
      { path: 'since', message: 'a query without a key needs a time range' },
    ]);
  }
  return {
    indexName: LEDGER_INDEX.byMonth,
    partitionAttribute: 'month',
    partitions: monthsBetween(query.since, query.until ?? now.toISOString()),
    range,
    filters: [],
  };
}

export function monthsBetween(since: string, until: string): string[] {
  const months: string[] = [];
  const last = monthOf(until);
  let year = Number(since.slice(0, 4));
  let month = Number(since.slice(5, 7));
  for (;;) {
    const current = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    if (current > last) break;
    months.push(current);
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
  return months;
}

/** One Query call of the plan: a partition and where to resume in it. */
export function queryInput(
  tableName: string,
  plan: QueryPlan,
  partition: string,
  options: { limit?: number; startKey?: Record<string, AttributeValue> },
): QueryCommandInput {
  const names: Record<string, string> = { '#pk': plan.partitionAttribute };
  const values: Record<string, AttributeValue> = { ':pk': S(partition) };
  const key = ['#pk = :pk'];
  const filters: string[] = [];
  const { since, until } = plan.range;
  if (plan.indexName === undefined) {
    names['#sk'] = 'sk';
    values[':prefix'] = S(RECORD_PREFIX);
    key.push('begins_with(#sk, :prefix)');
    if (since !== undefined || until !== undefined) names['#recordedAt'] = 'recordedAt';
    if (since !== undefined) {
      values[':since'] = S(since);
      filters.push('#recordedAt >= :since');
    }
    if (until !== undefined) {
      values[':until'] = S(until);
      filters.push('#recordedAt < :until');
    }
  } else {
    // `at` starts with recordedAt and continues with `#...`, so `at >= since` includes a record
    // at exactly `since` and `at <= until` excludes one at exactly `until`: [since, until).
    if (since !== undefined || until !== undefined) names['#at'] = 'at';
    if (since !== undefined) values[':since'] = S(since);
    if (until !== undefined) values[':until'] = S(until);
    if (since !== undefined && until !== undefined) key.push('#at BETWEEN :since AND :until');
    else if (since !== undefined) key.push('#at >= :since');
    else if (until !== undefined) key.push('#at < :until');
  }
  plan.filters.forEach(([attribute, value], i) => {
    names[`#f${i}`] = attribute;
    values[`:f${i}`] = S(value);
    filters.push(`#f${i} = :f${i}`);
  });
  return {
    TableName: tableName,
    IndexName: plan.indexName,
    KeyConditionExpression: key.join(' AND '),
    FilterExpression: filters.length > 0 ? filters.join(' AND ') : undefined,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    // Indexes cannot be read consistently; the table can, and auditors want the latest record.
    ConsistentRead: plan.indexName === undefined ? true : undefined,
    Limit: options.limit ?? DEFAULT_PAGE_SIZE,
    ExclusiveStartKey: options.startKey,
  };
}

/**
 * The store's own page token: which partition, and DynamoDB's LastEvaluatedKey. It is not
 * secret and not signed here; the auditor API wraps it in an HMAC bound to the query.
 */
const keyValueSchema = z.union([
  z.strictObject({ S: z.string() }),
  z.strictObject({ N: z.string() }),
]);
const pageTokenSchema = z.strictObject({
  v: z.literal(1),
  p: z.string(),
  k: z.optional(z.record(z.string(), keyValueSchema)),
});

export interface PageCursor {
  partition: string;
  startKey?: Record<string, AttributeValue>;
}

export function encodePageToken(cursor: PageCursor): string {
  const token = { v: 1, p: cursor.partition, k: cursor.startKey };
  return Buffer.from(JSON.stringify(token), 'utf8').toString('base64url');
}

export function decodePageToken(token: string, plan: QueryPlan): PageCursor {
  const invalid = (message: string) =>
    new InvalidInputError('page token', [{ path: 'pageToken', message }]);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a page token issued by this ledger');
  }
  const result = pageTokenSchema.safeParse(parsed);
  if (!result.success) throw invalid('not a page token issued by this ledger');
  if (!plan.partitions.includes(result.data.p)) {
    throw invalid('the page token belongs to a different query');
  }
  return { partition: result.data.p, startKey: result.data.k as Record<string, AttributeValue> };
}
