import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  ContainmentResult,
  VerificationResult,
} from '../domain/containment.ts';
import type { Detection } from '../domain/detection.ts';
import type { LedgerEntry } from '../domain/ledger/record.ts';
import type { ResponseMode } from '../domain/response-mode.ts';
import type { ResponderEvent } from '../ports/events.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';

/**
 * "Contain these actions for this detection, record and announce": the part of respond that an
 * operator's approve runs too, so approved actions take exactly the automatic path.
 */

export interface Contained {
  contained: ContainmentResult;
  verification?: VerificationResult;
}

/** Runs the actions at the provider, then reads back whether the revocation took. */
export async function containDetection(
  provider: IdentityProvider,
  detection: Detection,
  incidentId: string,
  actions: readonly ContainmentAction[],
  extra: Pick<ContainmentRequest, 'deadline' | 'recordIntent'> = {},
): Promise<Contained> {
  const session = detection.session?.sessionId
    ? { sessionId: detection.session.sessionId }
    : undefined;
  const contained = await provider.contain({
    incidentId,
    tenantId: detection.tenant.tenantId,
    subject: detection.subject,
    detectedAt: detection.detectedAt,
    actions,
    ...(session ? { session } : {}),
    ...extra,
  });
  const verification = contained.outcomes.some((o) => o.status === 'succeeded')
    ? await provider.verify({
        tenantId: detection.tenant.tenantId,
        subject: detection.subject,
        detectedAt: detection.detectedAt,
        ...(session ? { session } : {}),
      })
    : undefined;
  return verification ? { contained, verification } : { contained };
}

/** The ledger records of what containment did and of its verification. */
export function containmentRecords(
  subjectId: string,
  outcomes: readonly ActionOutcome[],
  verification: VerificationResult | undefined,
  mode: ResponseMode,
  /** Another round of the same incident (a later approval request): its records are its own. */
  round?: string,
): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  const inRound = (key: string) => (round ? `${key}@${round}` : key);
  for (const outcome of outcomes) {
    entries.push({
      kind: 'containment.action',
      // A later attempt with another outcome is a new record; the same outcome again is not.
      stepKey: inRound(`containment:${outcome.action}:${outcome.target}:${outcome.status}`),
      subjectId,
      status: outcome.status,
      data: { ...outcome, mode },
    });
  }
  if (verification) {
    entries.push({
      kind: 'containment.verified',
      stepKey: inRound(`verification:${verification.verified}`),
      subjectId,
      status: verification.verified ? 'verified' : 'notVerified',
      data: { ...verification },
    });
  }
  return entries;
}

export interface ContainmentLine {
  action: string;
  target: string;
  status: ActionOutcome['status'];
  /** Why it was skipped, or the classified error of a failure. */
  note?: string;
}

export function toLine(outcome: ActionOutcome): ContainmentLine {
  const line: ContainmentLine = {
    action: outcome.action,
    target: outcome.target,
    status: outcome.status,
  };
  if (outcome.status === 'skipped') line.note = `${outcome.reason}: ${outcome.why}`;
  if (outcome.status === 'failed') line.note = `${outcome.error.class}: ${outcome.error.message}`;
  return line;
}

/** contained / partiallyContained / notContained for the actions that ran; undefined if none did. */
export function ranStatus(
  outcomes: readonly ActionOutcome[],
): 'contained' | 'partiallyContained' | 'notContained' | undefined {
  const ran = outcomes.filter((o) => o.status !== 'skipped');
  if (ran.length === 0) return undefined;
  const failed = ran.filter((o) => o.status === 'failed').length;
  if (failed === ran.length) return 'notContained';
  return failed > 0 ? 'partiallyContained' : 'contained';
}

/** The `Containment Completed` event SOARs follow, for respond and approve alike. */
export function containmentCompletedEvent(summary: {
  incidentId: string;
  detectionId: string;
  mode: ResponseMode;
  status: string;
  detection: Detection;
  containment: ContainmentLine[];
  timeToContainMs?: number;
  verification?: VerificationResult;
  findings: { failed: number; held: number; undetermined: number };
  owners?: unknown[];
  ledger: { records: number; head: string; appended: number; duplicates: number };
  approval?: { approvedBy: string; reason: string; actions: string[] };
}): ResponderEvent {
  const { detection, ...rest } = summary;
  return {
    detailType: 'Containment Completed',
    detail: {
      incidentId: rest.incidentId,
      detectionId: rest.detectionId,
      mode: rest.mode,
      status: rest.status,
      tenantId: detection.tenant.tenantId,
      subject: detection.subject,
      containment: rest.containment,
      ...(rest.timeToContainMs !== undefined ? { timeToContainMs: rest.timeToContainMs } : {}),
      ...(rest.verification ? { verification: rest.verification } : {}),
      findings: rest.findings,
      ...(rest.owners ? { owners: rest.owners } : {}),
      ledger: rest.ledger,
      ...(rest.approval ? { approval: rest.approval } : {}),
    },
  };
}
