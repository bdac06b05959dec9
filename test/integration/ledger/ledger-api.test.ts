import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import {
  createLedgerApi,
  type LedgerApi,
  type LedgerApiRequest,
} from '../../../shared/adapters/http/ledger-api.ts';
import { ConfigError } from '../../../shared/domain/errors.ts';
import {
  LedgerCorruptError,
  LedgerUnavailableError,
} from '../../../shared/domain/ledger/errors.ts';
import type { LedgerEntry, LedgerRecord } from '../../../shared/domain/ledger/record.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';

const KEY = 'k'.repeat(32);
let table: TestTable;
let store: DynamoDbLedgerStore;
let api: LedgerApi;
const clock = { now: () => new Date('2026-03-20T00:00:00.000Z') };

const finding = (controlId: string, ownerTeam: string, status = 'failed'): LedgerEntry => ({
  kind: 'finding',
  stepKey: `finding:${controlId}`,
  subjectId: 'user-1',
  ownerRole: ownerTeam === 'identity' ? 'iam' : 'endpoint',
  ownerTeam,
  controlId,
  status,
  data: {},
});

beforeAll(async () => {
  table = await createTestTable('ledger-api');
  const writeClock = { now: () => new Date('2026-03-17T10:00:00.000Z') };
  store = new DynamoDbLedgerStore({
    client: table.client,
    tableName: table.tableName,
    clock: writeClock,
  });
  for (const incident of ['inc-1', 'inc-2', 'inc-3']) {
    await store.append(incident, [
      finding('iam.token-binding', 'identity'),
      finding('iam.mfa-strength', 'identity', 'held'),
      finding('endpoint.device-compliance', 'workplace'),
    ]);
  }
  api = createLedgerApi({
    reader: store,
    chains: store,
    failures: store,
    pageTokenKey: KEY,
    clock,
  });
});
afterAll(async () => table.drop());

const get = (path: string, query: LedgerApiRequest['query'] = {}) =>
  api({ method: 'GET', path, query });
const body = (response: { body: string }) => JSON.parse(response.body);

async function allPages(query: Record<string, string>) {
  const records: LedgerRecord[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const response = await get('/v1/ledger/records', {
      ...query,
      ...(pageToken ? { pageToken } : {}),
    });
    expect(response.status).toBe(200);
    const page = body(response);
    records.push(...page.records);
    pageToken = page.nextPageToken;
    pages += 1;
  } while (pageToken);
  return { records, pages };
}

describe('auditor API over the ledger on DynamoDB Local', () => {
  it('pages through a query with signed tokens', async () => {
    const { records, pages } = await allPages({ ownerTeam: 'identity', limit: '1' });
    expect(records.map((r) => `${r.incidentId}:${r.controlId}`)).toEqual([
      'inc-1:iam.token-binding',
      'inc-1:iam.mfa-strength',
      'inc-2:iam.token-binding',
      'inc-2:iam.mfa-strength',
      'inc-3:iam.token-binding',
      'inc-3:iam.mfa-strength',
    ]);
    expect(pages).toBeGreaterThanOrEqual(6);
  });

  it('refuses a page token presented with a different query', async () => {
    const first = body(await get('/v1/ledger/records', { ownerTeam: 'identity', limit: '1' }));
    const response = await get('/v1/ledger/records', {
      ownerTeam: 'workplace',
      limit: '1',
      pageToken: first.nextPageToken,
    });
    expect(response.status).toBe(400);
    expect(body(response)).toMatchObject({
      error: 'invalid_request',
      issues: [{ path: 'pageToken', message: expect.stringMatching(/different query/) }],
    });
  });

  it('refuses a page token that was edited, unsigned or signed with another key', async () => {
    const first = body(await get('/v1/ledger/records', { ownerTeam: 'identity', limit: '1' }));
    const [payload, mac] = (first.nextPageToken as string).split('.') as [string, string];
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    const edited = Buffer.from(JSON.stringify({ ...decoded, t: `${decoded.t}x` })).toString(
      'base64url',
    );
    const other = createLedgerApi({
      reader: store,
      chains: store,
      failures: store,
      pageTokenKey: 'o'.repeat(32),
    });
    const foreign = body(
      await other({
        method: 'GET',
        path: '/v1/ledger/records',
        query: { ownerTeam: 'identity', limit: '1' },
      }),
    ).nextPageToken;
    for (const pageToken of [`${edited}.${mac}`, decoded.t, foreign, 'garbage']) {
      const response = await get('/v1/ledger/records', {
        ownerTeam: 'identity',
        limit: '1',
        pageToken,
      });
      expect(response.status).toBe(400);
      expect(body(response).issues[0].path).toBe('pageToken');
    }
  });

  it('serves one incident chain in order', async () => {
    const response = await get('/v1/ledger/incidents/inc-2');
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    const page = body(response);
    expect(page.incidentId).toBe('inc-2');
    expect(page.records.map((r: LedgerRecord) => r.seq)).toEqual([1, 2, 3]);
  });

  it('serves the summary and the verification', async () => {
    const summary = body(await get('/v1/ledger/summary', { since: '2026-03-01' }));
    expect(summary).toMatchObject({
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-03-20T00:00:00.000Z',
      totalFailedFindings: 6,
    });
    expect(
      summary.rows.map((r: { controlId: string; failedFindings: number }) => [
        r.controlId,
        r.failedFindings,
      ]),
    ).toEqual([
      ['iam.token-binding', 3],
      ['endpoint.device-compliance', 3],
    ]);
    const verify = body(await get('/v1/ledger/verify'));
    expect(verify).toMatchObject({ intact: true, incidents: 3, records: 9 });
  });

  it('rejects bad parameters, naming them', async () => {
    const badRole = await get('/v1/ledger/records', { ownerRole: 'auditor' });
    expect(badRole.status).toBe(400);
    expect(body(badRole).issues[0].path).toBe('ownerRole');
    const typo = await get('/v1/ledger/records', { ownerteam: 'identity' });
    expect(typo.status).toBe(400);
    expect(body(typo).issues.map((i: { path: string }) => i.path)).toContain('ownerteam');
    const repeated = await get('/v1/ledger/records', { ownerTeam: ['a', 'b'] });
    expect(body(repeated).issues).toEqual([{ path: 'ownerTeam', message: 'given more than once' }]);
    const badLimit = await get('/v1/ledger/records', { ownerTeam: 'identity', limit: '5000' });
    expect(body(badLimit).issues[0].path).toBe('limit');
    const badDate = await get('/v1/ledger/summary', { since: 'last week' });
    expect(body(badDate).issues[0].path).toBe('since');
    const extra = await get('/v1/ledger/verify', { incidentId: 'inc-1' });
    expect(extra.status).toBe(400);
  });

  it('is read-only and knows its routes', async () => {
    const post = await api({ method: 'POST', path: '/v1/ledger/records', query: {} });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect((await get('/v1/ledger/elsewhere')).status).toBe(404);
  });
});

describe('auditor API failures', () => {
  it('answers 500 without the internal error text, and reports the error to its owner', async () => {
    const seen: unknown[] = [];
    const failing = createLedgerApi({
      reader: { query: async () => Promise.reject(new Error('table arn:aws:dynamodb:secret')) },
      chains: store,
      failures: store,
      pageTokenKey: KEY,
      onError: (error) => seen.push(error),
    });
    const response = await failing({
      method: 'GET',
      path: '/v1/ledger/records',
      query: { ownerTeam: 'x' },
    });
    expect(response.status).toBe(500);
    expect(response.body).not.toMatch(/arn:aws/);
    expect(seen).toHaveLength(1);
  });

  it('refuses to start with a page-token key shorter than 32 bytes', () => {
    expect(() =>
      createLedgerApi({ reader: store, chains: store, failures: store, pageTokenKey: 'short' }),
    ).toThrow(ConfigError);
  });
});

describe('auditor API when the store fails', () => {
  const failingWith = (error: Error) =>
    createLedgerApi({
      reader: { query: async () => Promise.reject(error) },
      chains: store,
      failures: store,
      pageTokenKey: KEY,
    });

  it('answers 503 with Retry-After while the ledger is throttled', async () => {
    const response = await failingWith(new LedgerUnavailableError('throttled'))({
      method: 'GET',
      path: '/v1/ledger/records',
      query: { ownerTeam: 'x' },
    });
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe('2');
  });

  it('says which item is unreadable when the ledger is corrupt', async () => {
    const response = await failingWith(
      new LedgerCorruptError('ledger item INC#inc-1 REC#0000000002 cannot be read'),
    )({ method: 'GET', path: '/v1/ledger/records', query: { ownerTeam: 'x' } });
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body)).toMatchObject({
      error: 'ledger_corrupt',
      message: expect.stringContaining('REC#0000000002'),
    });
  });
});
