import type { LedgerRecord } from '../domain/ledger/record.ts';
import type { ChainBreak } from '../domain/ledger/verify.ts';
import { describeBreak } from '../domain/ledger/verify.ts';
import type { LedgerSummary } from '../use-cases/summarize-ledger.ts';
import type { LedgerVerification } from '../use-cases/verify-ledger.ts';

/** How ledger output is written: for people (table) or programs (json, csv). */
export const OUTPUT_FORMATS = ['table', 'json', 'csv'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Receives output a piece at a time, so large results stream instead of piling up. */
export type Write = (chunk: string) => void;

const RECORD_COLUMNS = [
  'recordedAt',
  'incidentId',
  'seq',
  'kind',
  'stepKey',
  'subjectId',
  'ownerRole',
  'ownerTeam',
  'controlId',
  'ticketId',
  'status',
  'data',
  'hash',
  'prevHash',
] as const;

/**
 * Writes records as they arrive. JSON is one array, written element by element; CSV is RFC 4180
 * with spreadsheet formulas neutralised; the table is fixed-width. Returns how many were written.
 */
export async function writeRecords(
  records: AsyncIterable<LedgerRecord>,
  format: OutputFormat,
  write: Write,
): Promise<number> {
  let count = 0;
  if (format === 'json') {
    // One JSON array, a line per element (the separator leads), so each chunk is whole lines.
    write('[\n');
    for await (const record of records) {
      write(`${count === 0 ? '' : ','}${JSON.stringify(recordJson(record))}\n`);
      count += 1;
    }
    write(']\n');
    return count;
  }
  if (format === 'csv') {
    write(csvRow(RECORD_COLUMNS));
    for await (const record of records) {
      write(csvRow(RECORD_COLUMNS.map((column) => recordCell(record, column))));
      count += 1;
    }
    return count;
  }
  write(tableRow(TABLE_COLUMNS.map((c) => c.title)));
  for await (const record of records) {
    write(tableRow(TABLE_COLUMNS.map((c) => recordCell(record, c.field))));
    count += 1;
  }
  write(`${count} record${count === 1 ? '' : 's'}\n`);
  return count;
}

/** A record as JSON output shows it: every field, in a stable order. */
function recordJson(record: LedgerRecord): Record<string, unknown> {
  return Object.fromEntries(
    RECORD_COLUMNS.filter((c) => record[c] !== undefined).map((c) => [c, record[c]]),
  );
}

function recordCell(record: LedgerRecord, column: (typeof RECORD_COLUMNS)[number]): string {
  const value = record[column];
  if (value === undefined) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

// ------------------------------------------------------------------ CSV (RFC 4180)

/**
 * One CSV cell, safe to open in a spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, a tab
 * or a carriage return would be read as a formula, so it gets a leading `'` (OWASP CSV
 * injection). Then RFC 4180 quoting: cells with a quote, comma, CR or LF are quoted, quotes
 * doubled.
 */
export function csvCell(value: string): string {
  const neutralised = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(neutralised) ? `"${neutralised.replaceAll('"', '""')}"` : neutralised;
}

/** One CSV line, CRLF-terminated as RFC 4180 specifies. */
export function csvRow(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

// ------------------------------------------------------------------ table

const TABLE_COLUMNS: ReadonlyArray<{
  title: string;
  field: (typeof RECORD_COLUMNS)[number];
  width: number;
}> = [
  { title: 'RECORDED AT', field: 'recordedAt', width: 24 },
  { title: 'INCIDENT', field: 'incidentId', width: 28 },
  { title: 'SEQ', field: 'seq', width: 4 },
  { title: 'KIND', field: 'kind', width: 20 },
  { title: 'OWNER ROLE', field: 'ownerRole', width: 11 },
  { title: 'OWNER TEAM', field: 'ownerTeam', width: 20 },
  { title: 'CONTROL', field: 'controlId', width: 28 },
  { title: 'STATUS', field: 'status', width: 12 },
  { title: 'SUBJECT', field: 'subjectId', width: 24 },
  { title: 'TICKET', field: 'ticketId', width: 16 },
];

function tableRow(cells: readonly string[]): string {
  return `${cells
    .map((cell, i) => fitWidth(terminalSafe(cell), TABLE_COLUMNS[i]?.width ?? 16))
    .join('  ')
    .trimEnd()}\n`;
}

function fitWidth(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width);
}

/**
 * Ledger values come partly from detections, i.e. from whoever sent them: control characters
 * are shown escaped so that no value can move the cursor or rewrite the auditor's terminal.
 */
export function terminalSafe(text: string): string {
  let safe = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    safe += control ? `\\u${code.toString(16).padStart(4, '0')}` : char;
  }
  return safe;
}

// ------------------------------------------------------------------ summary and verification

const SUMMARY_COLUMNS = [
  'ownerTeam',
  'ownerRole',
  'controlId',
  'failedFindings',
  'incidents',
  'firstSeen',
  'lastSeen',
] as const;

export function formatSummary(summary: LedgerSummary, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(summary, null, 2)}\n`;
  if (format === 'csv') {
    return [
      csvRow(SUMMARY_COLUMNS),
      ...summary.rows.map((row) => csvRow(SUMMARY_COLUMNS.map((c) => String(row[c])))),
    ].join('');
  }
  const widths = [20, 11, 28, 7, 9];
  const line = (cells: string[]) =>
    `${cells
      .map((cell, i) => fitWidth(terminalSafe(cell), widths[i] ?? 10))
      .join('  ')
      .trimEnd()}\n`;
  return [
    `Failed controls from ${summary.since} to ${summary.until}: ${summary.totalFailedFindings} failed finding(s)\n`,
    line(['OWNER TEAM', 'OWNER ROLE', 'CONTROL', 'FAILED', 'INCIDENTS']),
    ...summary.rows.map((row) =>
      line([
        row.ownerTeam,
        row.ownerRole,
        row.controlId,
        String(row.failedFindings),
        String(row.incidents),
      ]),
    ),
  ].join('');
}

export function formatVerification(result: LedgerVerification, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(result, null, 2)}\n`;
  const counts = `${result.incidents} incident(s), ${result.records} record(s), ${result.checkpoints} checkpoint(s)`;
  const lines = result.intact
    ? [`ledger intact: ${counts}`]
    : result.firstBroken === undefined
      ? [
          `ledger BROKEN: ${terminalSafe(result.anchors?.problem ?? 'an anchored checkpoint does not hold')}`,
          `checked ${counts}`,
        ]
      : [
          `ledger BROKEN: first broken record: ${terminalSafe(describeBreak(result.firstBroken as ChainBreak))}`,
          ...result.broken.slice(1).map((b) => `also broken: ${terminalSafe(describeBreak(b))}`),
          `checked ${counts}`,
        ];
  if (result.checkpointCadence) lines.push(`checkpoint cadence: ${result.checkpointCadence}`);
  if (result.unattestedRecords > 0) {
    lines.push(
      `${result.unattestedRecords} record(s) are newer than the last checkpoint${result.lastCheckpointCutoff ? ` (cutoff ${result.lastCheckpointCutoff})` : ''}: run \`responder ledger checkpoint\` to attest them`,
    );
  }
  const anchors = result.anchors;
  if (anchors?.newest) {
    const n = anchors.newest;
    lines.push(
      `newest anchored head: checkpoint ${n.seq} ${n.hash} (cutoff ${n.cutoff}), signed ${n.signedAt} by ${terminalSafe(n.keyId)}, key fingerprint ${n.publicKeyFingerprint}, ${anchors.anchored} signature(s) checked in ${terminalSafe(anchors.location)}`,
    );
  } else if (anchors) {
    lines.push(`no signed checkpoint anchored yet in ${terminalSafe(anchors.location)}`);
  }
  if (anchors && anchors.unanchoredCheckpoints > 0) {
    lines.push(`${anchors.unanchoredCheckpoints} checkpoint(s) not signed and anchored yet`);
  }
  if (result.checkpointHead) {
    lines.push(
      `checkpoint head: ${result.checkpointHead.seq} ${result.checkpointHead.hash} (keep a copy outside this account)`,
    );
  }
  return `${lines.join('\n')}\n`;
}
