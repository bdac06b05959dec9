import { heldApprovalOf, isExpired } from './approval.ts';
import type { Detection } from './detection.ts';
import type { LedgerRecord } from './ledger/record.ts';

/** What an operator sees of an incident: its state, derived from the ledger alone. */

export const INCIDENT_STATUSES = [
  'awaitingApproval',
  'contained',
  'partiallyContained',
  'notContained',
  'released',
  'denied',
  'expired',
  'protectedIdentity',
  'notCovered',
  'dryRun',
  'nothingToDo',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

export interface IncidentSummary {
  incidentId: string;
  detectionId: string;
  severity: Detection['severity'];
  tenantId: string;
  subject: { type: string; id: string; userPrincipalName?: string };
  status: IncidentStatus;
  receivedAt: string;
  lastRecordAt: string;
  /** The latest outcome of every action that ran or was held. */
  containment: Array<{ action: string; target: string; status: string }>;
  awaiting?: { actions: string[]; why: string; expiresAt?: string };
  decision?: { kind: 'denied' | 'expired'; at: string; by?: string; reason: string };
}

/** The incident's summary, or undefined when its records hold no detection (a rejection, say). */
export function summarizeIncident(
  records: readonly LedgerRecord[],
  now: Date,
): IncidentSummary | undefined {
  const received = records.find((r) => r.kind === 'detection.received');
  const detection = received?.data.detection as Detection | undefined;
  if (!received || !detection) return undefined;
  const latest = new Map<string, { action: string; target: string; status: string }>();
  for (const r of records.filter((r) => r.kind === 'containment.action')) {
    const line = {
      action: String(r.data.action),
      target: String(r.data.target),
      status: String(r.status),
    };
    latest.set(`${line.action}|${line.target}`, line);
  }
  const containment = [...latest.values()];
  const held = heldApprovalOf(records);
  const summary: IncidentSummary = {
    incidentId: received.incidentId,
    detectionId: detection.detectionId,
    severity: detection.severity,
    tenantId: detection.tenant.tenantId,
    subject: {
      type: detection.subject.type,
      id: detection.subject.id,
      ...(detection.subject.userPrincipalName
        ? { userPrincipalName: detection.subject.userPrincipalName }
        : {}),
    },
    status: 'nothingToDo',
    receivedAt: received.recordedAt,
    lastRecordAt: records.at(-1)?.recordedAt ?? received.recordedAt,
    containment,
  };
  const awaiting = held && held.pending.length > 0 && !isExpired(held, now);
  if (held && awaiting) {
    summary.awaiting = {
      actions: held.pending,
      why: held.why,
      ...(held.expiresAt ? { expiresAt: held.expiresAt } : {}),
    };
  }
  if (held?.decided) summary.decision = held.decided;
  summary.status = statusOf(records, containment, {
    awaiting: Boolean(awaiting),
    // Past its expiry but not yet swept: it is expired all the same.
    closed: held?.decided?.kind ?? (held && held.pending.length > 0 ? 'expired' : undefined),
  });
  return summary;
}

function statusOf(
  records: readonly LedgerRecord[],
  containment: Array<{ status: string }>,
  approval: { awaiting: boolean; closed: 'denied' | 'expired' | undefined },
): IncidentStatus {
  if (records.some((r) => r.kind === 'restore.action' && r.status === 'succeeded')) {
    return 'released';
  }
  if (approval.awaiting) return 'awaitingApproval';
  if (approval.closed) return approval.closed;
  const ran = containment.filter((line) => line.status !== 'skipped');
  if (ran.length > 0) {
    const failed = ran.filter((line) => line.status === 'failed').length;
    if (failed === ran.length) return 'notContained';
    return failed > 0 ? 'partiallyContained' : 'contained';
  }
  const guardrail = records.find((r) => r.kind === 'guardrail.decision');
  if (guardrail?.data.protectedIdentity) return 'protectedIdentity';
  if (records.some((r) => r.kind === 'detection.notCovered')) return 'notCovered';
  if (guardrail?.status === 'dryRun') return 'dryRun';
  return 'nothingToDo';
}
