import { CONTAINMENT_ACTIONS, type ContainmentAction } from './containment.ts';
import type { Detection } from './detection.ts';
import type { LedgerRecord } from './ledger/record.ts';

/**
 * An incident's approval request as its ledger tells it: what was held, what operators granted,
 * and whether it was closed (denied, expired). Pure: read from the records, nothing else, so
 * the CLI, the API and the expiry sweep all see the same state.
 */

interface OperatorDecision {
  kind: 'denied' | 'expired';
  at: string;
  by?: string;
  reason: string;
}

export interface HeldApproval {
  incidentId: string;
  detection: Detection;
  /** When the request was recorded: a burst's detections are released in this order. */
  requestedAt: string;
  causes: string[];
  /** Every action the request held. */
  actions: ContainmentAction[];
  why: string;
  expiresAt?: string;
  /** This detection announced the request (a burst's crossing detection, or a policy hold). */
  announced: boolean;
  granted: ContainmentAction[];
  /** Granted, but no outcome was recorded after the grant (a crash between the two). */
  grantedNotRun: ContainmentAction[];
  decided?: OperatorDecision;
  /** The request's own step key: `approval` for the first hold, another for a later one. */
  requestStepKey: string;
  /** Held and neither granted nor closed: what an approve may still run. */
  pending: ContainmentAction[];
}

const isAction = (value: unknown): value is ContainmentAction =>
  typeof value === 'string' && (CONTAINMENT_ACTIONS as readonly string[]).includes(value);

const actionsOf = (value: unknown): ContainmentAction[] =>
  Array.isArray(value) ? value.filter(isAction) : [];

/** The incident's approval request, or undefined when nothing was ever held for approval. */
export function heldApprovalOf(records: readonly LedgerRecord[]): HeldApproval | undefined {
  // An incident can be held more than once (drift after containment asks again): the newest
  // request is the open one, and only decisions recorded after it answer it.
  const request = records.findLast((r) => r.kind === 'approval.required');
  const received = records.find((r) => r.kind === 'detection.received');
  const detection = received?.data.detection as Detection | undefined;
  if (!request || !detection) return undefined;
  const actions = actionsOf(request.data.actions);
  const answers = (r: LedgerRecord) => r.seq > request.seq;
  const grants = records.filter((r) => r.kind === 'approval.granted' && answers(r));
  const granted = actions.filter((a) => grants.some((g) => g.data.action === a));
  const ranAfterGrant = (action: ContainmentAction) => {
    const grant = grants.find((g) => g.data.action === action);
    return records.some(
      (r) =>
        r.kind === 'containment.action' &&
        r.data.action === action &&
        r.status !== 'skipped' &&
        grant !== undefined &&
        r.seq > grant.seq,
    );
  };
  const closing = records.find(
    (r) => (r.kind === 'approval.denied' || r.kind === 'approval.expired') && answers(r),
  );
  const held: HeldApproval = {
    incidentId: request.incidentId,
    requestStepKey: request.stepKey,
    detection,
    requestedAt: request.recordedAt,
    causes: Array.isArray(request.data.causes) ? (request.data.causes as string[]) : [],
    actions,
    why: String(request.data.why ?? ''),
    announced: request.data.announced !== false,
    granted,
    grantedNotRun: granted.filter((a) => !ranAfterGrant(a)),
    pending: closing ? [] : actions.filter((a) => !granted.includes(a)),
  };
  if (typeof request.data.expiresAt === 'string') held.expiresAt = request.data.expiresAt;
  if (closing) {
    held.decided = {
      kind: closing.kind === 'approval.denied' ? 'denied' : 'expired',
      at: String(closing.data.at ?? closing.recordedAt),
      reason: String(closing.data.reason ?? ''),
      ...(typeof closing.data.by === 'string' ? { by: closing.data.by } : {}),
    };
  }
  return held;
}

/** Whether the request can no longer be acted on because its time ran out. */
export function isExpired(held: Pick<HeldApproval, 'expiresAt'>, now: Date): boolean {
  return held.expiresAt !== undefined && now.getTime() >= Date.parse(held.expiresAt);
}

/** A burst's announcing request: the one held by the blast radius that every later hold joins. */
export function isBurstRequest(held: HeldApproval): boolean {
  return held.announced && held.causes.includes('blastRadius');
}

/**
 * The detections of a burst request, in the order they were held: the announcing one, then every
 * later blast-radius hold of the same tenant until the next announced burst. Only those still
 * awaiting a decision.
 */
export function burstMembers(
  request: HeldApproval,
  candidates: readonly HeldApproval[],
): HeldApproval[] {
  const tenant = request.detection.tenant;
  const sameTenant = candidates
    .filter(
      (c) =>
        c.causes.includes('blastRadius') &&
        c.detection.tenant.provider === tenant.provider &&
        c.detection.tenant.tenantId === tenant.tenantId &&
        byRequestOrder(c, request) >= 0,
    )
    .sort(byRequestOrder);
  const members: HeldApproval[] = [];
  for (const candidate of sameTenant) {
    if (candidate.incidentId !== request.incidentId && isBurstRequest(candidate)) break;
    if (candidate.incidentId === request.incidentId || candidate.pending.length > 0) {
      members.push(candidate);
    }
  }
  return members;
}

function byRequestOrder(a: HeldApproval, b: HeldApproval): number {
  if (a.requestedAt !== b.requestedAt) return a.requestedAt < b.requestedAt ? -1 : 1;
  if (a.incidentId === b.incidentId) return 0;
  // The request itself sorts first among holds recorded in the same millisecond.
  if (isBurstRequest(a) !== isBurstRequest(b)) return isBurstRequest(a) ? -1 : 1;
  return a.incidentId < b.incidentId ? -1 : 1;
}

/**
 * The step key of a decision on this request. The first request keeps the plain keys, so a
 * redelivered decision stays one record; a later request (drift) gets keys of its own, so its
 * grants are not mistaken for the first request's and deduplicated away.
 */
export function decisionStepKey(
  held: Pick<HeldApproval, 'requestStepKey'>,
  decision: 'granted' | 'denied' | 'expired',
  action?: ContainmentAction,
): string {
  const base = action ? `approval:${decision}:${action}` : `approval:${decision}`;
  return held.requestStepKey === 'approval' ? base : `${base}@${held.requestStepKey}`;
}
