import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import { InvalidInputError } from '../../../shared/domain/errors.ts';
import type { LedgerQuery } from '../../../shared/domain/ledger/query.ts';
import type { LedgerEntry, LedgerRecord } from '../../../shared/domain/ledger/record.ts';
import { queryLedger } from '../../../shared/use-cases/query-ledger.ts';
import { summarizeLedger } from '../../../shared/use-cases/summarize-ledger.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';

let table: TestTable;
let store: DynamoDbLedgerStore;
let now = new Date('2026-03-17T09:00:00.000Z');
const written: LedgerRecord[] = [];

const finding = (
  controlId: string,
  ownerRole: 'iam' | 'endpoint' | 'application' | 'partner',
  ownerTeam: string,
  status: 'failed' | 'held' | 'undetermined',
  subjectId: string,
): LedgerEntry => ({
  kind: 'finding',
  stepKey: `finding:${controlId}`,
  subjectId,
  ownerRole,
  ownerTeam,
  controlId,
  status,
  data: { reason: `${controlId} ${status}` },
});

/** Three incidents over March to May 2026, two subjects, four teams, three tickets. */
async function writeIncident(incidentId: string, subjectId: string, at: string[]) {
  const steps: LedgerEntry[][] = [
    [{ kind: 'detection.received', stepKey: 'detection', subjectId, data: { source: 'test' } }],
    [
      finding('iam.token-binding', 'iam', 'identity', 'failed', subjectId),
      finding('iam.mfa-strength', 'iam', 'identity', 'held', subjectId),
      finding('endpoint.device-compliance', 'endpoint', 'workplace', 'failed', subjectId),
      finding('app.step-up', 'application', 'payments-app', 'undetermined', subjectId),
    ],
    [
      {
        kind: 'ticket.opened',
        stepKey: 'ticket:iam',
        subjectId,
        ownerRole: 'iam',
        ownerTeam: 'identity',
        ticketId: `SEC-${incidentId}`,
        status: 'opened',
        data: { system: 'jira' },
      },
      {
        kind: 'ticket.opened',
        stepKey: 'ticket:endpoint',
        subjectId,
        ownerRole: 'endpoint',
        ownerTeam: 'workplace',
        ticketId: `INC-${incidentId}`,
        status: 'opened',
        data: { system: 'servicenow' },
      },
    ],
  ];
  for (const [i, entries] of steps.entries()) {
    now = new Date(at[i] as string);
    const result = await store.append(incidentId, entries);
    written.push(...result.appended);
  }
}

beforeAll(async () => {
  table = await createTestTable('ledger-queries');
  store = new DynamoDbLedgerStore({
    client: table.client,
    tableName: table.tableName,
    clock: { now: () => now },
  });
  await writeIncident('inc-march', 'user-1', [
    '2026-03-17T09:00:00.000Z',
    '2026-03-17T09:00:01.000Z',
    '2026-03-17T09:05:00.000Z',
  ]);
  await writeIncident('inc-april', 'user-2', [
    '2026-04-02T12:00:00.000Z',
    '2026-04-02T12:00:02.000Z',
    '2026-04-02T12:10:00.000Z',
  ]);
  // Crosses a month boundary: attributed in May, ticketed in June.
  await writeIncident('inc-may', 'user-1', [
    '2026-05-31T23:59:00.000Z',
    '2026-05-31T23:59:30.000Z',
    '2026-06-01T00:01:00.000Z',
  ]);
});
afterAll(async () => table.drop());

const ids = (records: readonly LedgerRecord[]) => records.map((r) => `${r.incidentId}#${r.seq}`);
const byTime = (a: LedgerRecord, b: LedgerRecord) =>
  a.recordedAt.localeCompare(b.recordedAt) ||
  a.incidentId.localeCompare(b.incidentId) ||
  a.seq - b.seq;

/** Reads every page with a page size of 2, so each pattern crosses several pages. */
async function all(query: LedgerQuery): Promise<{ records: LedgerRecord[]; pages: number }> {
  const records: LedgerRecord[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = await store.query({ ...query, limit: 2 }, token);
    pages += 1;
    records.push(...page.records);
    token = page.nextPageToken;
  } while (token);
  return { records, pages };
}

function expected(predicate: (r: LedgerRecord) => boolean, since?: string, until?: string) {
  return written
    .filter((r) => predicate(r))
    .filter(
      (r) =>
        (since === undefined || r.recordedAt >= since) &&
        (until === undefined || r.recordedAt < until),
    )
    .sort(byTime);
}

describe('every access pattern is a Query that returns exactly the right records across pages', () => {
  it('by incident: the whole chain in order', async () => {
    const { records, pages } = await all({ incidentId: 'inc-april' });
    expect(ids(records)).toEqual(ids(written.filter((r) => r.incidentId === 'inc-april')));
    expect(records).toHaveLength(7);
    expect(pages).toBeGreaterThan(3);
    expect(records[2]).toEqual(written.find((r) => r.incidentId === 'inc-april' && r.seq === 3));
  });

  it('by owner team over a time range', async () => {
    const since = '2026-03-17T09:00:01.000Z';
    const until = '2026-05-31T23:59:30.000Z';
    const { records } = await all({ ownerTeam: 'identity', since, until });
    const want = expected((r) => r.ownerTeam === 'identity', since, until);
    expect(ids(records)).toEqual(ids(want));
    // since is inclusive, until exclusive
    expect(records[0]?.recordedAt).toBe(since);
    expect(records.some((r) => r.recordedAt === until)).toBe(false);
    expect(records.length).toBe(6);
  });

  it('by owner role over a time range', async () => {
    const since = '2026-04-01T00:00:00.000Z';
    const { records } = await all({ ownerRole: 'endpoint', since });
    expect(ids(records)).toEqual(ids(expected((r) => r.ownerRole === 'endpoint', since)));
    expect(records).toHaveLength(4);
  });

  it('by control over a time range', async () => {
    const until = '2026-05-01T00:00:00.000Z';
    const { records } = await all({ controlId: 'iam.token-binding', until });
    expect(ids(records)).toEqual(
      ids(expected((r) => r.controlId === 'iam.token-binding', undefined, until)),
    );
    expect(records.map((r) => r.incidentId)).toEqual(['inc-march', 'inc-april']);
  });

  it('by subject: the history of one identity', async () => {
    const { records } = await all({ subjectId: 'user-1' });
    expect(ids(records)).toEqual(ids(expected((r) => r.subjectId === 'user-1')));
    expect(records).toHaveLength(14);
  });

  it('by ticket id', async () => {
    const { records } = await all({ ticketId: 'INC-inc-may' });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      incidentId: 'inc-may',
      kind: 'ticket.opened',
      ownerTeam: 'workplace',
    });
  });

  it('by time range alone, across months', async () => {
    const since = '2026-04-02T12:00:02.000Z';
    const until = '2026-06-30T00:00:00.000Z';
    const { records } = await all({ since, until });
    expect(ids(records)).toEqual(ids(expected(() => true, since, until)));
    expect(records).toHaveLength(6 + 7);
  });

  it('with several criteria: the most selective key, the rest as a filter', async () => {
    const { records } = await all({
      ownerTeam: 'workplace',
      controlId: 'endpoint.device-compliance',
      subjectId: 'user-1',
    });
    expect(ids(records)).toEqual(
      ids(
        expected(
          (r) =>
            r.ownerTeam === 'workplace' &&
            r.controlId === 'endpoint.device-compliance' &&
            r.subjectId === 'user-1',
        ),
      ),
    );
    expect(records.map((r) => r.incidentId)).toEqual(['inc-march', 'inc-may']);
  });

  it('by incident within a time range', async () => {
    const { records } = await all({ incidentId: 'inc-may', since: '2026-06-01' });
    expect(records.map((r) => r.kind)).toEqual(['ticket.opened', 'ticket.opened']);
  });

  it('streams every page through the query use case', async () => {
    const streamed: LedgerRecord[] = [];
    for await (const r of queryLedger(store, { ownerRole: 'iam', limit: 1 })) streamed.push(r);
    expect(ids(streamed)).toEqual(ids(expected((r) => r.ownerRole === 'iam')));
  });

  it('returns nothing, not everything, for a key nobody has', async () => {
    expect((await all({ ownerTeam: 'nobody' })).records).toEqual([]);
  });
});

describe('bad queries', () => {
  it('rejects an unknown owner role and a malformed date, naming both parameters', async () => {
    const failure = store.query({ ownerRole: 'auditor' as never, since: '17/03/2026' });
    await expect(failure).rejects.toBeInstanceOf(InvalidInputError);
    await expect(failure).rejects.toThrow(/ownerRole: .*"iam".*since: expected an ISO-8601/s);
  });

  it('rejects a reversed time range', async () => {
    await expect(
      store.query({ ownerTeam: 'identity', since: '2026-05-01', until: '2026-04-01' }),
    ).rejects.toThrow(/since: since must be before until/);
  });

  it('rejects a query without any key or time range', async () => {
    await expect(store.query({})).rejects.toThrow(/at least one of incidentId/);
  });

  it('rejects a page token of another query', async () => {
    const page = await store.query({ ownerTeam: 'identity', limit: 1 });
    expect(page.nextPageToken).toBeDefined();
    await expect(
      store.query({ ownerTeam: 'workplace', limit: 1 }, page.nextPageToken),
    ).rejects.toThrow(/different query/);
    await expect(store.query({ ownerTeam: 'identity' }, 'not-a-token')).rejects.toThrow(
      /pageToken/,
    );
  });
});

describe('auditor summary', () => {
  it('counts failed controls by owner team and control over the period, from the failures index', async () => {
    const summary = await summarizeLedger(store, {
      since: '2026-03-01T00:00:00.000Z',
      until: '2026-06-01T00:00:00.000Z',
    });
    expect(summary.totalFailedFindings).toBe(6);
    expect(summary.rows).toEqual([
      {
        ownerTeam: 'identity',
        ownerRole: 'iam',
        controlId: 'iam.token-binding',
        failedFindings: 3,
        incidents: 3,
        firstSeen: '2026-03-17T09:00:01.000Z',
        lastSeen: '2026-05-31T23:59:30.000Z',
      },
      {
        ownerTeam: 'workplace',
        ownerRole: 'endpoint',
        controlId: 'endpoint.device-compliance',
        failedFindings: 3,
        incidents: 3,
        firstSeen: '2026-03-17T09:00:01.000Z',
        lastSeen: '2026-05-31T23:59:30.000Z',
      },
    ]);
  });

  it('leaves out failures outside the period', async () => {
    const summary = await summarizeLedger(store, {
      since: '2026-04-01T00:00:00.000Z',
      until: '2026-05-01T00:00:00.000Z',
    });
    expect(summary.rows.map((r) => [r.controlId, r.failedFindings])).toEqual([
      ['iam.token-binding', 1],
      ['endpoint.device-compliance', 1],
    ]);
  });
});
