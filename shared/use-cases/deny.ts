import { decisionStepKey } from '../domain/approval.ts';
import type { LedgerEntry } from '../domain/ledger/record.ts';
import {
  type ApprovedDetection,
  type DecisionDeps,
  type DecisionRequest,
  type DecisionResult,
  decisionTargets,
} from './approve.ts';

/**
 * The operator's deny: closes what an incident (or a burst request) held for approval without
 * acting, recorded with who, when and why. A denied request can no longer be approved.
 */
export async function deny(request: DecisionRequest, deps: DecisionDeps): Promise<DecisionResult> {
  const found = await decisionTargets(request, deps);
  if (!found.ok) return found.result;
  const at = deps.clock.now().toISOString();
  const detections: ApprovedDetection[] = [];
  for (const target of found.targets) {
    if (target.pending.length === 0) continue;
    const entry: LedgerEntry = {
      kind: 'approval.denied',
      stepKey: decisionStepKey(target, 'denied'),
      subjectId: target.detection.subject.id,
      status: 'denied',
      data: {
        by: request.by,
        at,
        reason: request.reason,
        actions: target.pending,
        ...(target.incidentId !== found.held.incidentId ? { request: found.held.incidentId } : {}),
      },
    };
    await deps.ledger.append(target.incidentId, [entry]);
    detections.push({
      incidentId: target.incidentId,
      detectionId: target.detection.detectionId,
      subjectId: target.detection.subject.id,
      actions: target.pending,
      status: 'denied',
      containment: [],
    });
  }
  return {
    status: 'denied',
    incidentId: request.incidentId,
    by: request.by,
    reason: request.reason,
    at,
    detections,
    expired: [],
    notStarted: [],
  };
}
