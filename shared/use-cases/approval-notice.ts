import type { Detection } from '../domain/detection.ts';
import type { ContainmentPlan } from '../domain/guardrails.ts';
import type { ResponderEvent } from '../ports/events.ts';

/**
 * What an approver needs to decide, in the event itself, so a SOAR playbook or a chat
 * integration renders it without a second lookup: who, how severe, what would run, why it was
 * held, until when, and the exact commands and API routes that approve or deny it.
 */

function howToDecide(incidentId: string) {
  return {
    approve: {
      command: `responder approve ${incidentId} --reason "<why>"`,
      route: `POST /v1/incidents/${incidentId}/approve`,
    },
    deny: {
      command: `responder deny ${incidentId} --reason "<why>"`,
      route: `POST /v1/incidents/${incidentId}/deny`,
    },
  };
}

export function approvalRequiredEvent(context: {
  incidentId: string;
  detection: Detection;
  plan: ContainmentPlan;
  expiresAt: string;
}): ResponderEvent {
  const { incidentId, detection, plan, expiresAt } = context;
  if (!plan.approval.required) throw new Error('no approval was required');
  const burst = plan.approval.causes.includes('blastRadius');
  return {
    detailType: 'Approval Required',
    detail: {
      incidentId,
      detectionId: detection.detectionId,
      detectedAt: detection.detectedAt,
      severity: detection.severity,
      tenantId: detection.tenant.tenantId,
      subject: detection.subject,
      source: detection.source,
      causes: plan.approval.causes,
      /** What an approval runs; `alreadyRan` ran automatically. */
      actions: plan.approval.actions,
      alreadyRan: plan.run,
      why: plan.approval.why,
      expiresAt,
      blastRadius: plan.blastRadius,
      ...(burst
        ? {
            burst:
              'later detections of this tenant held by the blast radius join this request; approving it releases them in order (--subject or --detection approve a part)',
          }
        : {}),
      decide: howToDecide(incidentId),
    },
  };
}

export function approvalExpiredEvent(context: {
  incidentId: string;
  detection: Detection;
  actions: readonly string[];
  expiresAt: string;
}): ResponderEvent {
  const { incidentId, detection, actions, expiresAt } = context;
  return {
    detailType: 'Approval Expired',
    detail: {
      incidentId,
      detectionId: detection.detectionId,
      severity: detection.severity,
      tenantId: detection.tenant.tenantId,
      subject: detection.subject,
      actions,
      expiresAt,
      why: `nobody approved or denied ${actions.join(', ')} before ${expiresAt}; they will not run`,
    },
  };
}
