import {
  decisionStepKey,
  type HeldApproval,
  heldApprovalOf,
  isExpired,
} from '../domain/approval.ts';
import type { ContainmentPolicy } from '../domain/guardrails.ts';
import { longestApprovalExpiryHours } from '../domain/guardrails.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventPublisher } from '../ports/events.ts';
import type { LedgerReader, LedgerWriter } from '../ports/ledger.ts';
import { approvalExpiredEvent } from './approval-notice.ts';
import { incidentRecords, recordsSince } from './incident-records.ts';

/**
 * Approval requests nobody decided in time are closed: recorded (`approval.expired`) and
 * announced (`Approval Expired`), and never acted on later. Approve checks on its own; this
 * sweep (a timer in `serve`, a schedule in AWS) closes the ones nobody came back to.
 */

interface ExpiryDeps {
  ledger: LedgerReader & LedgerWriter;
  policy: ContainmentPolicy;
  events: EventPublisher;
  clock: Clock;
}

/** Records and announces one expired request; a second call records nothing new and stays quiet. */
export async function expireHeld(
  held: HeldApproval,
  deps: Omit<ExpiryDeps, 'policy'>,
): Promise<void> {
  const expiresAt = held.expiresAt ?? deps.clock.now().toISOString();
  const appended = await deps.ledger.append(held.incidentId, [
    {
      kind: 'approval.expired',
      stepKey: decisionStepKey(held, 'expired'),
      subjectId: held.detection.subject.id,
      status: 'expired',
      data: {
        at: deps.clock.now().toISOString(),
        expiresAt,
        actions: held.pending,
        reason: `nobody approved or denied before ${expiresAt}`,
      },
    },
  ]);
  if (appended.appended.length === 0) return;
  await deps.events.publish([
    approvalExpiredEvent({
      incidentId: held.incidentId,
      detection: held.detection,
      actions: held.pending,
      expiresAt,
    }),
  ]);
}

/** Closes every request past its expiry; returns the incidents it closed. */
export async function expireApprovals(deps: ExpiryDeps): Promise<string[]> {
  const now = deps.clock.now();
  // Requests older than the longest expiry (and a day's grace for a sweep that did not run) are
  // past it; approve still closes any older one it meets.
  const lookBackMs = (longestApprovalExpiryHours(deps.policy) + 24) * 3_600_000;
  const since = new Date(now.getTime() - lookBackMs).toISOString();
  const requested = (await recordsSince(deps.ledger, since)).filter(
    (r) => r.kind === 'approval.required',
  );
  const closed: string[] = [];
  for (const incidentId of new Set(requested.map((r) => r.incidentId))) {
    const held = heldApprovalOf(await incidentRecords(deps.ledger, incidentId));
    if (!held || held.decided || held.pending.length === 0 || !isExpired(held, now)) continue;
    await expireHeld(held, deps);
    closed.push(incidentId);
  }
  return closed;
}
