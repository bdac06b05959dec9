import type { LedgerRecord } from '../domain/ledger/record.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import { queryLedger } from './query-ledger.ts';
import type { SummaryPeriod } from './summarize-ledger.ts';
import type { LedgerVerification } from './verify-ledger.ts';

interface ReportIncident {
  incidentId: string;
  subjectId?: string;
  severity?: string;
  receivedAt: string;
  /** When the last containment action that succeeded finished; absent: nothing was contained. */
  containedAt?: string;
  timeToContainMs?: number;
}

interface ReportTicket {
  incidentId: string;
  ownerRole?: string;
  ownerTeam?: string;
  ticketId?: string;
  system?: string;
  openedAt?: string;
  dueDate?: string;
  /** `opened` (due date ahead of the report's end), `overdue`, `failed` or `pending`. */
  state: 'opened' | 'overdue' | 'failed' | 'pending';
}

/** Everything the HTML report shows, computed from the ledger only. */
export interface LedgerReport {
  since: string;
  until: string;
  generatedAt: string;
  incidents: ReportIncident[];
  timeToContain: {
    contained: number;
    notContained: number;
    p50Ms?: number;
    p90Ms?: number;
    maxMs?: number;
  };
  failedControls: Array<{
    ownerRole: string;
    ownerTeam: string;
    controlId: string;
    findings: number;
  }>;
  tickets: ReportTicket[];
  approvals: { required: number; granted: number; denied: number; expired: number };
  releases: { requested: number; restoreSucceeded: number; restoreFailed: number };
  integrity: {
    intact: boolean;
    records: number;
    checkpoints: number;
    unattestedRecords: number;
    firstProblem?: string;
    anchoredHead?: { seq: number; hash: string; signedAt: string; keyFingerprint: string };
  };
}

/**
 * The period's incidents (any record stamped in it), each read whole, summarised for people:
 * time to contain from receipt, failed controls by owner, tickets against their due dates,
 * approvals and releases, and the ledger's integrity as `verify` found it.
 */
export async function buildReport(
  reader: LedgerReader,
  period: SummaryPeriod,
  verification: LedgerVerification,
  now: Date,
): Promise<LedgerReport> {
  const ids = new Set<string>();
  for await (const record of queryLedger(reader, { since: period.since, until: period.until })) {
    ids.add(record.incidentId);
  }
  const chains: LedgerRecord[][] = [];
  for (const incidentId of [...ids].sort()) {
    const records: LedgerRecord[] = [];
    for await (const record of queryLedger(reader, { incidentId })) records.push(record);
    chains.push(records.sort((a, b) => a.seq - b.seq));
  }
  return summarize(chains, period, verification, now);
}

export function summarize(
  chains: readonly LedgerRecord[][],
  period: SummaryPeriod,
  verification: LedgerVerification,
  now: Date,
): LedgerReport {
  const incidents: ReportIncident[] = [];
  const failed = new Map<string, LedgerReport['failedControls'][number]>();
  const tickets: ReportTicket[] = [];
  const approvals = { required: 0, granted: 0, denied: 0, expired: 0 };
  const releases = { requested: 0, restoreSucceeded: 0, restoreFailed: 0 };
  for (const records of chains) {
    const received = records.find((r) => r.kind === 'detection.received');
    if (received) incidents.push(incidentOf(received, records));
    const ticketsByTeam = new Map<string, ReportTicket>();
    for (const r of records) {
      // Kinds other branches add (approval.denied, ...) are counted by name, whatever this build knows.
      const kind: string = r.kind;
      if (r.kind === 'finding' && r.status === 'failed') {
        const key = JSON.stringify([r.ownerRole, r.ownerTeam, r.controlId]);
        const row = failed.get(key) ?? {
          ownerRole: r.ownerRole ?? 'unknown',
          ownerTeam: r.ownerTeam ?? 'unknown',
          controlId: r.controlId ?? 'unknown',
          findings: 0,
        };
        row.findings += 1;
        failed.set(key, row);
      }
      if (r.kind.startsWith('ticket.')) {
        // The latest ticket record per owner team says where its ticket stands.
        ticketsByTeam.set(
          r.ownerTeam ?? 'unknown',
          ticketOf(r, ticketsByTeam.get(r.ownerTeam ?? 'unknown'), now),
        );
      }
      if (kind === 'approval.required') approvals.required += 1;
      if (kind === 'approval.granted') approvals.granted += 1;
      if (kind === 'approval.denied') approvals.denied += 1;
      if (kind === 'approval.expired') approvals.expired += 1;
      if (kind === 'release.requested') releases.requested += 1;
      if (r.kind === 'restore.action') {
        if (r.status === 'succeeded') releases.restoreSucceeded += 1;
        else if (r.status === 'failed') releases.restoreFailed += 1;
      }
    }
    tickets.push(...ticketsByTeam.values());
  }
  const times = incidents
    .map((i) => i.timeToContainMs)
    .filter((t): t is number => t !== undefined)
    .sort((a, b) => a - b);
  const anchored = verification.anchors?.newest;
  return {
    since: period.since,
    until: period.until,
    generatedAt: now.toISOString(),
    incidents,
    timeToContain: {
      contained: times.length,
      notContained: incidents.length - times.length,
      ...(times.length > 0
        ? {
            p50Ms: percentile(times, 0.5),
            p90Ms: percentile(times, 0.9),
            maxMs: times[times.length - 1],
          }
        : {}),
    },
    failedControls: [...failed.values()].sort(
      (a, b) =>
        b.findings - a.findings ||
        a.ownerTeam.localeCompare(b.ownerTeam) ||
        a.controlId.localeCompare(b.controlId),
    ),
    tickets,
    approvals,
    releases,
    integrity: {
      intact: verification.intact,
      records: verification.records,
      checkpoints: verification.checkpoints,
      unattestedRecords: verification.unattestedRecords,
      ...(verification.intact
        ? {}
        : {
            firstProblem:
              verification.anchors?.problem ?? verification.firstBroken?.detail ?? 'broken',
          }),
      ...(anchored
        ? {
            anchoredHead: {
              seq: anchored.seq,
              hash: anchored.hash,
              signedAt: anchored.signedAt,
              keyFingerprint: anchored.publicKeyFingerprint,
            },
          }
        : {}),
    },
  };
}

function incidentOf(received: LedgerRecord, records: readonly LedgerRecord[]): ReportIncident {
  const detection = received.data.detection as { severity?: unknown } | undefined;
  const receivedAt =
    typeof received.data.receivedAt === 'string' ? received.data.receivedAt : received.recordedAt;
  const ends = records
    .filter((r) => r.kind === 'containment.action' && r.status === 'succeeded')
    .map((r) => Date.parse(String(r.data.startedAt)) + Number(r.data.durationMs ?? 0))
    .filter((t) => Number.isFinite(t));
  const containedAt = ends.length > 0 ? Math.max(...ends) : undefined;
  return {
    incidentId: received.incidentId,
    ...(received.subjectId ? { subjectId: received.subjectId } : {}),
    ...(typeof detection?.severity === 'string' ? { severity: detection.severity } : {}),
    receivedAt,
    ...(containedAt === undefined
      ? {}
      : {
          containedAt: new Date(containedAt).toISOString(),
          timeToContainMs: Math.max(0, containedAt - Date.parse(receivedAt)),
        }),
  };
}

function ticketOf(r: LedgerRecord, before: ReportTicket | undefined, now: Date): ReportTicket {
  const dueDate = typeof r.data.dueDate === 'string' ? r.data.dueDate : before?.dueDate;
  const state: ReportTicket['state'] =
    r.kind === 'ticket.failed'
      ? 'failed'
      : r.kind === 'ticket.pending'
        ? 'pending'
        : dueDate !== undefined && dueDate < now.toISOString()
          ? 'overdue'
          : 'opened';
  return {
    incidentId: r.incidentId,
    ...(r.ownerRole ? { ownerRole: r.ownerRole } : {}),
    ...(r.ownerTeam ? { ownerTeam: r.ownerTeam } : {}),
    ...(r.ticketId ? { ticketId: r.ticketId } : {}),
    ...(typeof r.data.system === 'string' ? { system: r.data.system } : {}),
    ...(r.kind === 'ticket.opened' ? { openedAt: r.recordedAt } : {}),
    ...(dueDate ? { dueDate } : {}),
    state,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))
  ] as number;
}
