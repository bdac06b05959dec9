import type { Finding } from '../domain/accountability.ts';
import type { ActionOutcome } from '../domain/containment.ts';
import type { Detection } from '../domain/detection.ts';
import type { ContainmentPlan } from '../domain/guardrails.ts';
import type { TicketScope } from '../domain/tickets/owners.ts';
import type { RemediationRequest } from '../domain/tickets/remediation-request.ts';
import type { ResponderEvent } from '../ports/events.ts';
import { approvalRequiredEvent } from './approval-notice.ts';
import { containmentCompletedEvent } from './contain-detection.ts';
import type { RespondResult } from './respond.ts';

/** The events respond announces on the bus: approval, one remediation request per owner, completion. */
export function responderEvents(context: {
  result: RespondResult;
  detection: Detection;
  plan: ContainmentPlan;
  outcomes: ActionOutcome[];
  scopes: TicketScope[];
  findings: Finding[];
  expiresAt: string;
}): ResponderEvent[] {
  const { result, detection, plan, outcomes, scopes, findings, expiresAt } = context;
  const events: ResponderEvent[] = [];
  if (plan.approval.required && announcesApproval(plan)) {
    events.push(
      approvalRequiredEvent({ incidentId: result.incidentId, detection, plan, expiresAt }),
    );
  }
  for (const scope of scopes) {
    // What the ticket needs, within EventBridge's 256 KB: the detection, the findings' evidence
    // and the restore data stay in the ledger, where the ticket worker reads them.
    const request: RemediationRequest = {
      incidentId: result.incidentId,
      ownerRole: scope.ownerRole,
      owner: scope.owner,
      findings: scope.findings.map((finding) => ({ ...finding, evidence: [] })),
      evidenceInLedger: true,
      containment: outcomes.map(withoutRestore),
      mode: result.mode,
    };
    events.push({ detailType: 'Remediation Requested', detail: { ...request } });
  }
  events.push(
    containmentCompletedEvent({
      incidentId: result.incidentId,
      detectionId: result.detectionId,
      mode: result.mode,
      status: result.status,
      containment: result.containment,
      ...(result.timeToContainMs !== undefined ? { timeToContainMs: result.timeToContainMs } : {}),
      ...(result.verification ? { verification: result.verification } : {}),
      ledger: result.ledger,
      detection,
      findings: {
        failed: findings.filter((f) => f.status === 'failed').length,
        held: findings.filter((f) => f.status === 'held').length,
        undetermined: findings.filter((f) => f.status === 'undetermined').length,
      },
      owners: result.remediation,
    }),
  );
  return events;
}

/**
 * A burst past a blast-radius limit (the tenant's, or one source's) becomes ONE approval request:
 * only the detection that crossed the limit announces it; the ones after it are recorded against the same request.
 * Approvals the severity policy requires are per detection.
 */
export function announcesApproval(plan: ContainmentPlan): boolean {
  // A dry run asks nobody to approve anything: it would run nothing either way.
  if (!plan.approval.required || plan.dryRun) return false;
  if (plan.approval.causes.includes('policy')) return true;
  const window = plan.blastRadius;
  const tenantCrossed = window.containmentsInWindow === window.maxContainments + 1;
  // A source past its own limit while the tenant is not: that source's burst is announced once.
  const sourceCrossed =
    window.sourceContainmentsInWindow === window.maxContainmentsPerSource + 1 &&
    window.containmentsInWindow <= window.maxContainments;
  return tenantCrossed || sourceCrossed;
}

function withoutRestore(outcome: ActionOutcome): ActionOutcome {
  if (outcome.status !== 'succeeded' || outcome.restore === undefined) return outcome;
  const { restore: _, ...rest } = outcome;
  return rest;
}
