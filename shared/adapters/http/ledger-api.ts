import { createHmac, timingSafeEqual } from 'node:crypto';
import { ConfigError, InvalidInputError } from '../../domain/errors.ts';
import { canonicalJson } from '../../domain/ledger/canonical-json.ts';
import { sha256Hex } from '../../domain/ledger/chain.ts';
import { LedgerCorruptError, LedgerUnavailableError } from '../../domain/ledger/errors.ts';
import type { LedgerQuery } from '../../domain/ledger/query.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { LedgerReader } from '../../ports/ledger.ts';
import { parseLedgerQueryParams } from '../../use-cases/query-ledger.ts';
import {
  type FailedFindingSource,
  parseSummaryPeriod,
  summarizeLedger,
} from '../../use-cases/summarize-ledger.ts';
import { type LedgerChainSource, verifyLedger } from '../../use-cases/verify-ledger.ts';

/** A request as any HTTP front end (API Gateway, Lambda URL, the local server) can give it. */
export interface LedgerApiRequest {
  method: string;
  path: string;
  /** Decoded query parameters; a parameter given twice arrives as an array and is refused. */
  query: Readonly<Record<string, string | readonly string[] | undefined>>;
}

interface LedgerApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface LedgerApiOptions {
  reader: LedgerReader;
  chains: LedgerChainSource;
  failures: FailedFindingSource;
  /** Secret for page-token HMACs, at least 32 bytes; from Secrets Manager or local config. */
  pageTokenKey: string | Uint8Array;
  clock?: Clock;
  /** Told about unexpected failures (to log them); the response only says "internal error". */
  onError?: (error: unknown) => void;
}

export type LedgerApi = (request: LedgerApiRequest) => Promise<LedgerApiResponse>;

const HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const RECORDS = '/v1/ledger/records';
const INCIDENT = /^\/v1\/ledger\/incidents\/([^/]+)$/;
const SUMMARY = '/v1/ledger/summary';
const VERIFY = '/v1/ledger/verify';

/**
 * The read-only auditor API: the ledger's queries over HTTP, framework-free. Deployed behind IAM
 * auth. Page tokens are HMAC-signed and bound to the query that produced them, so a token cannot
 * be edited, nor replayed against another query to read past that query's filters.
 */
export function createLedgerApi(options: LedgerApiOptions): LedgerApi {
  const key =
    typeof options.pageTokenKey === 'string'
      ? Buffer.from(options.pageTokenKey, 'utf8')
      : Buffer.from(options.pageTokenKey);
  if (key.length < 32) {
    throw new ConfigError('the ledger API page-token key must be at least 32 bytes');
  }
  const tokens = new PageTokens(key);
  const clock = options.clock ?? systemClock;

  return async (request) => {
    try {
      const path = request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path;
      const incident = INCIDENT.exec(path);
      if (path !== RECORDS && path !== SUMMARY && path !== VERIFY && !incident) {
        return json(404, { error: 'not_found', message: `no route ${path}` });
      }
      if (request.method !== 'GET') {
        return {
          ...json(405, { error: 'method_not_allowed', message: 'the ledger API is read-only' }),
          headers: { ...HEADERS, allow: 'GET' },
        };
      }
      const params = singleValued(request.query);
      if (path === RECORDS) {
        const { pageToken, ...rest } = params;
        return json(200, await page('records', rest, pageToken));
      }
      if (incident) {
        const incidentId = decodePathSegment(incident[1] as string);
        const { pageToken, ...rest } = params;
        onlyKnown(rest, ['limit']);
        const result = await page('incident', { ...rest, incidentId }, pageToken);
        return json(200, { incidentId, ...result });
      }
      if (path === SUMMARY) {
        onlyKnown(params, ['since', 'until']);
        const period = parseSummaryPeriod(params, clock.now());
        if (!period.ok) throw period.error;
        return json(200, await summarizeLedger(options.failures, period.value));
      }
      onlyKnown(params, []);
      return json(200, await verifyLedger(options.chains));
    } catch (error) {
      if (error instanceof InvalidInputError) {
        return json(400, {
          error: 'invalid_request',
          message: error.message,
          issues: error.issues,
        });
      }
      options.onError?.(error);
      if (error instanceof LedgerUnavailableError) {
        return {
          ...json(503, { error: 'unavailable', message: 'the ledger is busy: retry shortly' }),
          headers: { ...HEADERS, 'retry-after': '2' },
        };
      }
      if (error instanceof LedgerCorruptError) {
        // Its message names the unreadable item (keys only): what an auditor needs next.
        return json(500, { error: 'ledger_corrupt', message: error.message });
      }
      return json(500, { error: 'internal', message: 'the ledger could not answer' });
    }
  };

  async function page(
    route: string,
    params: Record<string, string | undefined>,
    pageToken: string | undefined,
  ) {
    const parsed = parseLedgerQueryParams(params);
    if (!parsed.ok) throw parsed.error;
    const scope = scopeOf(route, parsed.value);
    const inner = pageToken === undefined ? undefined : tokens.open(pageToken, scope);
    const result = await options.reader.query(parsed.value, inner);
    return {
      records: result.records,
      ...(result.nextPageToken === undefined
        ? {}
        : { nextPageToken: tokens.seal(result.nextPageToken, scope) }),
    };
  }
}

/** The normalised query a token is bound to. */
function scopeOf(route: string, query: LedgerQuery): string {
  return sha256Hex(canonicalJson({ route, query }));
}

class PageTokens {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  /** `<payload>.<mac>`: payload = the store's token and the query scope, mac = HMAC-SHA256. */
  seal(inner: string, scope: string): string {
    const payload = Buffer.from(JSON.stringify({ s: scope, t: inner }), 'utf8').toString(
      'base64url',
    );
    return `${payload}.${this.#mac(payload).toString('base64url')}`;
  }

  open(token: string, scope: string): string {
    const invalid = (message: string) =>
      new InvalidInputError('page token', [{ path: 'pageToken', message }]);
    const [payload, mac, extra] = token.split('.');
    if (payload === undefined || mac === undefined || extra !== undefined) {
      throw invalid('not a page token issued by this API');
    }
    const given = Buffer.from(mac, 'base64url');
    const expected = this.#mac(payload);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalid('not a page token issued by this API (signature does not match)');
    }
    const content = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      s?: unknown;
      t?: unknown;
    };
    if (content.s !== scope || typeof content.t !== 'string') {
      throw invalid('the page token was issued for a different query: repeat the same parameters');
    }
    return content.t;
  }

  #mac(payload: string): Buffer {
    return createHmac('sha256', this.#key).update(payload, 'utf8').digest();
  }
}

function singleValued(query: LedgerApiRequest['query']): Record<string, string | undefined> {
  const single: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      throw new InvalidInputError('query parameters', [
        { path: name, message: 'given more than once' },
      ]);
    }
    single[name] = value;
  }
  return single;
}

function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    throw new InvalidInputError(
      'path',
      [{ path: 'incidentId', message: 'not a valid URL-encoded value' }],
      { cause: error },
    );
  }
}

function onlyKnown(params: Record<string, string | undefined>, known: readonly string[]): void {
  const unknown = Object.keys(params).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      'query parameters',
      unknown.map((name) => ({ path: name, message: 'not a parameter of this route' })),
    );
  }
}

function json(status: number, body: unknown): LedgerApiResponse {
  return { status, headers: { ...HEADERS }, body: JSON.stringify(body) };
}
