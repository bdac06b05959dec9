import { describe, expect, it } from 'vitest';
import {
  csvCell,
  csvRow,
  formatSummary,
  formatVerification,
  terminalSafe,
  writeRecords,
} from '../../../shared/adapters/ledger-format.ts';
import type { LedgerRecord } from '../../../shared/domain/ledger/record.ts';

const record = (seq: number, overrides: Partial<LedgerRecord> = {}): LedgerRecord => ({
  incidentId: 'inc-1',
  seq,
  recordedAt: '2026-03-17T09:00:00.000Z',
  kind: 'finding',
  stepKey: `finding:${seq}`,
  ownerRole: 'iam',
  ownerTeam: 'identity',
  controlId: 'iam.token-binding',
  status: 'failed',
  data: { reason: 'token, "stolen"' },
  hash: 'h'.repeat(64),
  prevHash: 'p'.repeat(64),
  ...overrides,
});

async function* stream(records: LedgerRecord[]) {
  yield* records;
}

async function render(records: LedgerRecord[], format: 'table' | 'json' | 'csv') {
  const chunks: string[] = [];
  const count = await writeRecords(stream(records), format, (c) => chunks.push(c));
  return { text: chunks.join(''), chunks, count };
}

describe('CSV export', () => {
  it.each([
    ['=1+1', "'=1+1"],
    ['+cmd', "'+cmd"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tindent', "'\tindent"],
    ['\r=1', `"'\r=1"`],
  ])('neutralises %j so a spreadsheet shows it as text', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('quotes by RFC 4180: commas, quotes and line breaks', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
    expect(csvRow(['a', 'b'])).toBe('a,b\r\n');
  });

  it('writes a header and one CRLF line per record, data as JSON', async () => {
    const { text, count } = await render([record(1), record(2, { ticketId: '=evil()' })], 'csv');
    expect(count).toBe(2);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(
      'recordedAt,incidentId,seq,kind,stepKey,subjectId,ownerRole,ownerTeam,controlId,ticketId,status,data,hash,prevHash',
    );
    expect(lines[1]).toContain(',"{""reason"":""token, \\""stolen\\""""}",');
    expect(lines[2]).toContain(",'=evil(),");
    expect(lines).toHaveLength(4);
  });
});

describe('JSON export', () => {
  it('is one JSON array written a record at a time, in whole lines', async () => {
    const { text, chunks } = await render([record(1), record(2), record(3)], 'json');
    expect(JSON.parse(text).map((r: LedgerRecord) => r.seq)).toEqual([1, 2, 3]);
    expect(chunks).toHaveLength(5);
    for (const chunk of chunks) expect(chunk.endsWith('\n')).toBe(true);
  });

  it('is an empty array when nothing matches', async () => {
    expect(JSON.parse((await render([], 'json')).text)).toEqual([]);
  });
});

describe('table output', () => {
  it('aligns columns, shortens long values and counts the records', async () => {
    const { text } = await render(
      [record(1, { ownerTeam: 'a-very-long-team-name-for-the-table' })],
      'table',
    );
    const [header, row, footer] = text.split('\n');
    expect(header).toMatch(/^RECORDED AT\s+INCIDENT\s+SEQ\s+KIND/);
    expect(row).toContain('a-very-long-team-na…  iam.token-binding');
    expect(footer).toBe('1 record');
  });

  it('shows control characters escaped, so no value can drive the terminal', () => {
    expect(terminalSafe('ok\u001b[2Jgone\u0007')).toBe('ok\\u001b[2Jgone\\u0007');
  });
});

describe('summary and verification output', () => {
  const summary = {
    since: '2026-01-01T00:00:00.000Z',
    until: '2026-04-01T00:00:00.000Z',
    totalFailedFindings: 3,
    rows: [
      {
        ownerTeam: 'identity',
        ownerRole: 'iam' as const,
        controlId: 'iam.token-binding',
        failedFindings: 2,
        incidents: 2,
        firstSeen: 'a',
        lastSeen: 'b',
      },
      {
        ownerTeam: '@team',
        ownerRole: 'endpoint' as const,
        controlId: 'endpoint.edr',
        failedFindings: 1,
        incidents: 1,
        firstSeen: 'a',
        lastSeen: 'a',
      },
    ],
  };

  it('renders the summary as table, JSON and neutralised CSV', () => {
    expect(formatSummary(summary, 'table')).toMatch(/identity\s+iam\s+iam\.token-binding\s+2\s+2/);
    expect(JSON.parse(formatSummary(summary, 'json'))).toEqual(summary);
    expect(formatSummary(summary, 'csv').split('\r\n')[2]).toBe(
      "'@team,endpoint,endpoint.edr,1,1,a,a",
    );
  });

  it('names the first broken record and the checkpoint head', () => {
    const text = formatVerification(
      {
        intact: false,
        incidents: 2,
        records: 9,
        checkpoints: 1,
        unattestedRecords: 0,
        checkpointHead: { seq: 1, hash: 'abc' },
        firstBroken: {
          chain: 'incident',
          incidentId: 'inc-1',
          seq: 3,
          stepKey: 'finding:x',
          problem: 'changed',
          detail: 'content does not match its hash',
        },
        broken: [
          {
            chain: 'incident',
            incidentId: 'inc-1',
            seq: 3,
            stepKey: 'finding:x',
            problem: 'changed',
            detail: 'content does not match its hash',
          },
        ],
      },
      'table',
    );
    expect(text).toMatch(
      /^ledger BROKEN: first broken record: incident inc-1 record 3 \(finding:x\): changed/,
    );
    expect(text).toMatch(/checkpoint head: 1 abc/);
  });
});
