import { describe, expect, it } from 'vitest';
import { planQuery } from '../../../shared/adapters/dynamodb/ledger-query-plan.ts';
import { parseLedgerQueryParams } from '../../../shared/use-cases/query-ledger.ts';
import { parseSummaryPeriod } from '../../../shared/use-cases/summarize-ledger.ts';

const issues = (params: Record<string, string>) => {
  const parsed = parseLedgerQueryParams(params);
  return parsed.ok ? [] : parsed.error.issues.map((i) => `${i.path}: ${i.message}`);
};

describe('ledger query parameters', () => {
  it('accepts dates and date-times with zones, normalised to UTC', () => {
    const parsed = parseLedgerQueryParams({
      ownerTeam: 'identity',
      since: '2026-03-17',
      until: '2026-03-18T02:00:00+02:00',
      limit: '50',
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        ownerTeam: 'identity',
        since: '2026-03-17T00:00:00.000Z',
        until: '2026-03-18T00:00:00.000Z',
        limit: 50,
      },
    });
  });

  it.each([
    [{ ownerRole: 'auditor' }, /^ownerRole: /],
    [{ ownerTeam: 't', since: 'yesterday' }, /^since: expected an ISO-8601 date/],
    [{ ownerTeam: 't', until: '2026-13-01' }, /^until: expected an ISO-8601 date/],
    [
      { ownerTeam: 't', since: '2026-03-18', until: '2026-03-17' },
      /^since: since must be before until/,
    ],
    [{ ownerTeam: 't', limit: '0' }, /^limit: /],
    [{ ownerTeam: 't', limit: 'ten' }, /^limit: /],
    [{ ownerTeam: '' }, /^ownerTeam: /],
    [{ ownerteam: 't' }, /^ownerteam: not a ledger query parameter/],
    [{ until: '2026-03-17' }, /give at least one of incidentId, ownerTeam/],
  ])('rejects %j naming the parameter', (params, message) => {
    const found = issues(params as Record<string, string>);
    expect(found.length).toBeGreaterThan(0);
    expect(found[0]).toMatch(message);
  });
});

describe('query planning: every pattern is a Query on a key or an index', () => {
  const now = new Date('2026-06-15T00:00:00.000Z');
  it.each([
    [{ incidentId: 'i', ownerTeam: 't' }, undefined, 'pk'],
    [{ ticketId: 'k', ownerTeam: 't' }, 'byTicket', 'ticketId'],
    [{ subjectId: 's', controlId: 'c' }, 'bySubject', 'subjectId'],
    [{ controlId: 'c', ownerRole: 'iam' as const }, 'byControl', 'controlId'],
    [{ ownerTeam: 't', ownerRole: 'iam' as const }, 'byOwnerTeam', 'ownerTeam'],
    [{ ownerRole: 'iam' as const }, 'byOwnerRole', 'ownerRole'],
    [{ since: '2026-04-20T00:00:00.000Z' }, 'byMonth', 'month'],
  ])('%j uses %s', (query, indexName, partitionAttribute) => {
    const plan = planQuery(query, now);
    expect(plan.indexName).toBe(indexName);
    expect(plan.partitionAttribute).toBe(partitionAttribute);
  });

  it('walks the months of a time-only range, up to now when open-ended', () => {
    expect(planQuery({ since: '2025-11-30T00:00:00.000Z' }, now).partitions).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
    ]);
  });
});

describe('summary period', () => {
  const now = new Date('2026-04-01T00:00:00.000Z');
  it('defaults to the last 90 days', () => {
    expect(parseSummaryPeriod({}, now)).toEqual({
      ok: true,
      value: { since: '2026-01-01T00:00:00.000Z', until: '2026-04-01T00:00:00.000Z' },
    });
  });

  it('rejects a start after the end, and a malformed date, naming them', () => {
    const late = parseSummaryPeriod({ since: '2026-05-01' }, now);
    expect(late.ok || late.error.issues[0]?.path).toBe('since');
    const bad = parseSummaryPeriod({ until: 'soon' }, now);
    expect(bad.ok || bad.error.issues[0]?.path).toBe('until');
  });
});
