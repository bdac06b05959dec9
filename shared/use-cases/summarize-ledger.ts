import * as z from 'zod/mini';
import type { OwnerRole } from '../domain/accountability.ts';
import { InvalidInputError, type Result } from '../domain/errors.ts';
import { timestampSchema } from '../domain/ledger/query.ts';
import { parseWith } from '../domain/validation.ts';
import type { LedgerPage } from '../ports/ledger.ts';

/** Failed findings in a period, read from an index that holds nothing else (no Scan). */
export interface FailedFindingSource {
  failedFindings(
    range: { since: string; until: string; limit?: number },
    pageToken?: string,
  ): Promise<LedgerPage>;
}

export interface SummaryPeriod {
  since: string;
  until: string;
}

interface LedgerSummaryRow {
  ownerTeam: string;
  ownerRole: OwnerRole | 'unknown';
  controlId: string;
  /** Failed-finding records (a re-attribution is a new record). */
  failedFindings: number;
  /** Distinct incidents in which the control failed. */
  incidents: number;
  firstSeen: string;
  lastSeen: string;
}

export interface LedgerSummary {
  since: string;
  until: string;
  totalFailedFindings: number;
  rows: LedgerSummaryRow[];
}

/** When no period is given: the last 90 days (a quarter), up to now. */
const DEFAULT_SUMMARY_DAYS = 90;

const periodSchema = z
  .strictObject({ since: z.optional(timestampSchema), until: z.optional(timestampSchema) })
  .check(
    z.refine((p) => p.since === undefined || p.until === undefined || p.since < p.until, {
      message: 'since must be before until',
      path: ['since'],
    }),
  );

/** Validates `since`/`until` (ISO dates), filling in the default period relative to `now`. */
export function parseSummaryPeriod(
  params: Readonly<Record<string, string | undefined>>,
  now: Date,
): Result<SummaryPeriod, InvalidInputError> {
  const input = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
  const parsed = parseWith(periodSchema, input, 'summary period');
  if (!parsed.ok) return parsed;
  const until = parsed.value.until ?? now.toISOString();
  const since =
    parsed.value.since ??
    new Date(Date.parse(until) - DEFAULT_SUMMARY_DAYS * 86_400_000).toISOString();
  if (since >= until) {
    return {
      ok: false,
      error: new InvalidInputError('summary period', [
        { path: 'since', message: `since must be before until (${until})` },
      ]),
    };
  }
  return { ok: true, value: { since, until } };
}

/** Counts failed controls by owner team and control over the period, for auditors. */
export async function summarizeLedger(
  source: FailedFindingSource,
  period: SummaryPeriod,
): Promise<LedgerSummary> {
  const rows = new Map<string, LedgerSummaryRow & { incidentIds: Set<string> }>();
  let total = 0;
  let pageToken: string | undefined;
  do {
    const page = await source.failedFindings({ ...period, limit: 1000 }, pageToken);
    for (const record of page.records) {
      total += 1;
      const ownerTeam = record.ownerTeam ?? 'unknown';
      const controlId = record.controlId ?? 'unknown';
      const key = JSON.stringify([ownerTeam, controlId]);
      const row = rows.get(key) ?? {
        ownerTeam,
        ownerRole: record.ownerRole ?? 'unknown',
        controlId,
        failedFindings: 0,
        incidents: 0,
        firstSeen: record.recordedAt,
        lastSeen: record.recordedAt,
        incidentIds: new Set<string>(),
      };
      row.failedFindings += 1;
      row.incidentIds.add(record.incidentId);
      row.incidents = row.incidentIds.size;
      if (record.recordedAt < row.firstSeen) row.firstSeen = record.recordedAt;
      if (record.recordedAt > row.lastSeen) row.lastSeen = record.recordedAt;
      rows.set(key, row);
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== undefined);
  const sorted = [...rows.values()]
    .map(({ incidentIds: _, ...row }) => row)
    .sort(
      (a, b) =>
        b.failedFindings - a.failedFindings ||
        a.ownerTeam.localeCompare(b.ownerTeam) ||
        a.controlId.localeCompare(b.controlId),
    );
  return { since: period.since, until: period.until, totalFailedFindings: total, rows: sorted };
}
