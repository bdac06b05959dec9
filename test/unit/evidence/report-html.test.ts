import { describe, expect, it } from 'vitest';
import { renderReportHtml, TTC_BUCKETS } from '../../../shared/adapters/report-html.ts';
import { chainEntries } from '../../../shared/domain/ledger/chain.ts';
import type { LedgerEntry, LedgerRecord } from '../../../shared/domain/ledger/record.ts';
import { summarize } from '../../../shared/use-cases/build-report.ts';
import type { LedgerVerification } from '../../../shared/use-cases/verify-ledger.ts';

const NOW = new Date('2026-06-01T00:00:00.000Z');

/** One incident received at `at`, its containment finishing `ttcMs` later (none: not contained). */
function incident(
  id: string,
  at: string,
  ttcMs: number | undefined,
  extra: LedgerEntry[] = [],
): LedgerRecord[] {
  const entries: LedgerEntry[] = [
    {
      kind: 'detection.received',
      stepKey: 'detection',
      subjectId: `${id}-user`,
      data: { receivedAt: at, detection: { severity: 'high' } },
    },
  ];
  if (ttcMs !== undefined) {
    entries.push({
      kind: 'containment.action',
      stepKey: `containment:revokeSessions:${id}:succeeded`,
      status: 'succeeded',
      data: { startedAt: at, durationMs: ttcMs },
    });
  }
  return chainEntries({
    incidentId: id,
    head: undefined,
    entries: [...entries, ...extra],
    recordedAt: at,
  });
}

const failed = (
  controlId: string,
  ownerRole: 'iam' | 'endpoint',
  ownerTeam: string,
): LedgerEntry => ({
  kind: 'finding',
  stepKey: `finding:${controlId}`,
  ownerRole,
  ownerTeam,
  controlId,
  status: 'failed',
  data: {},
});

const chains = [
  incident('inc-a', '2026-05-01T10:00:00.000Z', 800, [
    failed('iam.token-binding', 'iam', 'Identity'),
    failed('endpoint.edr', 'endpoint', 'Endpoint'),
  ]),
  incident('inc-b', '2026-05-02T10:00:00.000Z', 4_000, [
    failed('iam.token-binding', 'iam', 'Identity'),
    {
      kind: 'ticket.opened',
      stepKey: 'ticket.opened:Identity',
      ownerRole: 'iam',
      ownerTeam: 'Identity',
      ticketId: 'SEC-9',
      status: 'opened',
      data: { system: 'jira', dueDate: '2026-05-03T10:00:00.000Z' },
    },
    { kind: 'approval.required', stepKey: 'approval', status: 'pending', data: {} },
  ]),
  incident('inc-c', '2026-05-03T10:00:00.000Z', 45_000),
  incident('inc-d', '2026-05-04T10:00:00.000Z', undefined, [
    {
      kind: 'ticket.failed',
      stepKey: 'ticket.failed:Endpoint:final',
      ownerRole: 'endpoint',
      ownerTeam: 'Endpoint',
      status: 'failed',
      data: { system: 'servicenow' },
    },
  ]),
];
const verification: LedgerVerification = {
  intact: true,
  incidents: 4,
  records: 12,
  checkpoints: 3,
  unattestedRecords: 2,
  broken: [],
  anchors: {
    location: '/x',
    anchored: 3,
    unanchoredCheckpoints: 0,
    newest: {
      seq: 3,
      hash: 'e'.repeat(64),
      cutoff: '2026-05-05T00:00:00.000Z',
      keyId: 'local:ab',
      publicKeyFingerprint: 'ab'.repeat(32),
      signedAt: '2026-05-05T00:00:01.000Z',
    },
  },
};
const report = summarize(
  chains,
  { since: '2026-05-01T00:00:00.000Z', until: '2026-06-01T00:00:00.000Z' },
  verification,
  NOW,
);
const html = renderReportHtml(report);

/** The text of the element carrying `data-field="<field>"`. */
function field(name: string): string {
  const match = new RegExp(`data-field="${name}"[^>]*>(?:<div class="n">)?([^<]*)<`).exec(html);
  if (!match) throw new Error(`no field ${name}`);
  return match[1] as string;
}

describe('the HTML report', () => {
  it('is one self-contained file: no script, no external asset', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|<link|src=|@import|url\(/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('counts incidents, containment and failed findings as the ledger has them', () => {
    expect(field('incidents')).toBe('4');
    expect(field('contained')).toBe('3');
    expect(field('not-contained')).toBe('1');
    expect(field('failed-controls')).toBe('3');
  });

  it('draws the time-to-contain distribution from the incidents', () => {
    const decode = (text: string) =>
      text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
    const bars = [...html.matchAll(/<g data-bucket="([^"]+)" data-count="(\d+)">/g)].map((m) => [
      decode(m[1] as string),
      Number(m[2]),
    ]);
    expect(bars.map(([label]) => label)).toEqual(
      TTC_BUCKETS.map((b) => b.label.replaceAll('&', '&amp;')),
    );
    expect(Object.fromEntries(bars)).toMatchObject({
      '< 1 s': 1,
      '1–5 s': 1,
      '30 s–2 min': 1,
      '> 1 h': 0,
    });
    expect(field('ttc-p50')).toBe('4.0 s');
    expect(field('ttc-max')).toBe('45.0 s');
  });

  it('groups failed controls by owner role and team', () => {
    const rows = [
      ...html.matchAll(
        /data-owner-role="([^"]+)" data-owner-team="([^"]+)" data-control="([^"]+)">.*?data-field="findings">(\d+)</g,
      ),
    ].map((m) => `${m[1]}/${m[2]}/${m[3]}=${m[4]}`);
    expect(rows.sort()).toEqual([
      'endpoint/Endpoint/endpoint.edr=1',
      'iam/Identity/iam.token-binding=2',
    ]);
  });

  it('puts tickets against their due dates, approvals and integrity', () => {
    const states = [...html.matchAll(/data-ticket-state="(\w+)"/g)].map((m) => m[1]);
    expect(states.sort()).toEqual(['failed', 'overdue']);
    expect(field('tickets-overdue')).toBe('1');
    expect(field('approvals-required')).toBe('1');
    expect(field('integrity-status')).toBe('intact');
    expect(field('integrity-unattested')).toBe('2');
    expect(field('integrity-anchored')).toContain('checkpoint 3');
  });

  it('escapes what the ledger says', () => {
    const hostile = summarize(
      [incident('<img src=x onerror=alert(1)>', '2026-05-01T10:00:00.000Z', 10)],
      { since: '2026-05-01T00:00:00.000Z', until: '2026-06-01T00:00:00.000Z' },
      verification,
      NOW,
    );
    expect(renderReportHtml(hostile)).not.toContain('<img src=x');
  });
});
