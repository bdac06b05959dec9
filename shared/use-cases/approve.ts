import {
  burstMembers,
  decisionStepKey,
  type HeldApproval,
  heldApprovalOf,
  isBurstRequest,
  isExpired,
} from '../domain/approval.ts';
import type { ActionOutcome, ContainmentAction } from '../domain/containment.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { type ContainmentPolicy, planContainment } from '../domain/guardrails.ts';
import type { LedgerEntry, LedgerRecord } from '../domain/ledger/record.ts';
import type { OperatorDecision } from '../domain/operator-decision.ts';
import type { ProviderMode } from '../domain/response-mode.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventPublisher } from '../ports/events.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';
import type { LedgerReader, LedgerWriter } from '../ports/ledger.ts';
import {
  type ContainmentLine,
  containDetection,
  containmentCompletedEvent,
  containmentRecords,
  ranStatus,
  toLine,
} from './contain-detection.ts';
import { expireHeld } from './expire-approvals.ts';
import { incidentRecords, recordsSince } from './incident-records.ts';
import { intentRecorder } from './write-ahead.ts';

/**
 * The operator's approve: runs the actions an incident held for approval (all, or those named)
 * through the same path as automatic containment (protected identities refused, the deadline,
 * the ledger, `Containment Completed`). The grant is recorded before anything runs, one record
 * per action on a stable step key, so approving twice acts once. A burst request releases its
 * detections one after the other, in the order they were held, at the provider's pace.
 */

export interface DecisionDeps {
  ledger: LedgerReader & LedgerWriter;
  identityProviderFor: (detection: HeldApproval['detection']) => IdentityProvider | undefined;
  policy: ContainmentPolicy;
  events: EventPublisher;
  clock: Clock;
  mode: ProviderMode;
  /** Epoch ms by which the work must be done (the invocation's remaining time). */
  deadline?: () => number | undefined;
}

export interface DecisionRequest extends OperatorDecision {
  incidentId: string;
  /** The authenticated operator (IAM ARN in AWS, `local-operator` or the OS user locally). */
  by: string;
}

export interface ApprovedDetection {
  incidentId: string;
  detectionId: string;
  subjectId: string;
  actions: ContainmentAction[];
  status: string;
  containment: ContainmentLine[];
}

export type DecisionResult =
  | {
      status: 'approved' | 'denied';
      incidentId: string;
      by: string;
      reason: string;
      at: string;
      detections: ApprovedDetection[];
      expired: string[];
      notStarted: string[];
    }
  | { status: 'nothingAwaiting'; incidentId: string; why: string }
  | { status: 'expired'; incidentId: string; why: string }
  | { status: 'unknownIncident'; incidentId: string };

/** The request and the detections a decision covers, or why there are none. */
export async function decisionTargets(
  request: DecisionRequest,
  deps: DecisionDeps,
): Promise<
  { ok: true; held: HeldApproval; targets: HeldApproval[] } | { ok: false; result: DecisionResult }
> {
  const { incidentId } = request;
  const records = await incidentRecords(deps.ledger, incidentId);
  if (!records.some((r) => r.kind === 'detection.received')) {
    return { ok: false, result: { status: 'unknownIncident', incidentId } };
  }
  const held = heldApprovalOf(records);
  if (!held) {
    const why = 'no action of this incident was held for approval';
    return { ok: false, result: { status: 'nothingAwaiting', incidentId, why } };
  }
  if (held.decided) {
    const { kind, at, by, reason } = held.decided;
    const why = `the request was ${kind} at ${at}${by ? ` by ${by}` : ''}: ${reason}`;
    return { ok: false, result: { status: 'nothingAwaiting', incidentId, why } };
  }
  const now = deps.clock.now();
  if (held.pending.length > 0 && isExpired(held, now)) {
    await expireHeld(held, deps);
    const why = `the request expired at ${held.expiresAt}; nothing was run`;
    return { ok: false, result: { status: 'expired', incidentId, why } };
  }
  const members = isBurstRequest(held) ? await burstOf(held, deps) : [held];
  const targets = members.filter((m) => m.pending.length > 0 || m.grantedNotRun.length > 0);
  if (targets.length === 0) {
    const why = `every held action was already granted (${held.granted.join(', ')})`;
    return { ok: false, result: { status: 'nothingAwaiting', incidentId, why } };
  }
  return { ok: true, held, targets: narrowed(targets, request) };
}

export async function approve(
  request: DecisionRequest,
  deps: DecisionDeps,
): Promise<DecisionResult> {
  const found = await decisionTargets(request, deps);
  if (!found.ok) return found.result;
  const awaiting = new Set(found.targets.flatMap((t) => [...t.pending, ...t.grantedNotRun]));
  const unheld = (request.actions ?? []).filter((a) => !awaiting.has(a));
  if (unheld.length > 0) {
    throw new InvalidInputError('approval', [
      {
        path: 'actions',
        message: `${unheld.join(', ')} not awaiting approval; awaiting: ${[...awaiting].join(', ')}`,
      },
    ]);
  }
  const at = deps.clock.now().toISOString();
  const result = {
    status: 'approved' as const,
    incidentId: request.incidentId,
    by: request.by,
    reason: request.reason,
    at,
    detections: [] as ApprovedDetection[],
    expired: [] as string[],
    notStarted: [] as string[],
  };
  for (const target of found.targets) {
    const deadline = deps.deadline?.();
    if (deadline !== undefined && deadline <= deps.clock.now().getTime()) {
      // Not granted, so still pending: approving again continues from here.
      result.notStarted.push(target.incidentId);
      continue;
    }
    if (target.pending.length > 0 && isExpired(target, deps.clock.now())) {
      await expireHeld(target, deps);
      result.expired.push(target.incidentId);
      continue;
    }
    const approved = await approveOne(target, request, found.held.incidentId, deadline, deps);
    if (approved) result.detections.push(approved);
  }
  return result;
}

async function approveOne(
  target: HeldApproval,
  request: DecisionRequest,
  requestId: string,
  deadline: number | undefined,
  deps: DecisionDeps,
): Promise<ApprovedDetection | undefined> {
  const { detection, incidentId } = target;
  const chosen = (actions: ContainmentAction[]) =>
    request.actions ? actions.filter((a) => request.actions?.includes(a)) : actions;
  const granting = chosen(target.pending);
  const at = deps.clock.now().toISOString();
  const grants = await appendAll(
    deps.ledger,
    incidentId,
    granting.map(
      (action): LedgerEntry => ({
        kind: 'approval.granted',
        stepKey: decisionStepKey(target, 'granted', action),
        subjectId: detection.subject.id,
        status: 'granted',
        data: {
          action,
          actions: granting,
          by: request.by,
          at,
          reason: request.reason,
          ...(requestId !== incidentId ? { request: requestId } : {}),
        },
      }),
    ),
  );
  // Only what this call granted runs (a concurrent approve granted the rest), plus what an
  // earlier approve granted but never got to run.
  const fresh = new Set(grants.appended.map((r: LedgerRecord) => r.data.action));
  const toRun = [...granting.filter((a) => fresh.has(a)), ...chosen(target.grantedNotRun)];
  if (toRun.length === 0) return undefined;

  const outcomes = await runApproved(target, toRun, deadline, deps);
  const provider = deps.identityProviderFor(detection);
  const mode = provider?.mode ?? deps.mode;
  const ran = outcomes.contained;
  const appended = await deps.ledger.append(
    incidentId,
    containmentRecords(
      detection.subject.id,
      ran,
      outcomes.verification,
      mode,
      target.requestStepKey === 'approval' ? undefined : target.requestStepKey,
    ),
  );
  const containment = ran.map(toLine);
  const status = ranStatus(ran) ?? 'nothingToDo';
  const findings = await findingCounts(deps.ledger, incidentId);
  await deps.events.publish([
    containmentCompletedEvent({
      incidentId,
      detectionId: detection.detectionId,
      mode,
      status,
      detection,
      containment,
      ...(outcomes.timeToContainMs !== undefined
        ? { timeToContainMs: outcomes.timeToContainMs }
        : {}),
      ...(outcomes.verification ? { verification: outcomes.verification } : {}),
      findings,
      ledger: {
        records: appended.records,
        head: appended.head,
        appended: appended.appended.length,
        duplicates: appended.duplicates,
      },
      approval: { approvedBy: request.by, reason: request.reason, actions: toRun },
    }),
  ]);
  return {
    incidentId,
    detectionId: detection.detectionId,
    subjectId: detection.subject.id,
    actions: toRun,
    status,
    containment,
  };
}

/** Guardrails again, with today's policy: a subject protected since is still never contained. */
async function runApproved(
  target: HeldApproval,
  actions: ContainmentAction[],
  deadline: number | undefined,
  deps: DecisionDeps,
) {
  const { detection, incidentId } = target;
  const at = deps.clock.now().toISOString();
  const skip = (reason: 'protectedIdentity' | 'noCredentials', why: string) => ({
    contained: actions.map(
      (action): ActionOutcome => ({
        action,
        target: detection.subject.id,
        status: 'skipped',
        reason,
        why,
        startedAt: at,
        durationMs: 0,
      }),
    ),
    verification: undefined,
    timeToContainMs: undefined,
  });
  const plan = planContainment(detection, deps.policy, 0);
  if (plan.protectedIdentity) {
    return skip(
      'protectedIdentity',
      `${detection.subject.id} is a protected identity (${plan.protectedIdentity.reason}); it is never contained, approved or not`,
    );
  }
  const provider = deps.identityProviderFor(detection);
  if (!provider?.coversTenant(detection.tenant.tenantId)) {
    return skip(
      'noCredentials',
      `no configured ${detection.tenant.provider} credentials cover tenant ${detection.tenant.tenantId}`,
    );
  }
  const done = await containDetection(provider, detection, incidentId, actions, {
    recordIntent: intentRecorder(deps.ledger, incidentId, detection.subject.id, deps.clock),
    ...(deadline !== undefined ? { deadline } : {}),
  });
  return {
    contained: done.contained.outcomes,
    verification: done.verification,
    timeToContainMs: done.contained.timeToContainMs,
  };
}

async function appendAll(ledger: LedgerWriter, incidentId: string, entries: LedgerEntry[]) {
  return entries.length > 0 ? ledger.append(incidentId, entries) : { appended: [] };
}

async function findingCounts(ledger: LedgerReader, incidentId: string) {
  const findings = (await incidentRecords(ledger, incidentId)).filter((r) => r.kind === 'finding');
  const count = (status: string) => findings.filter((f) => f.status === status).length;
  return { failed: count('failed'), held: count('held'), undetermined: count('undetermined') };
}

/** The burst's detections still awaiting a decision, read from the ledger's time index. */
async function burstOf(request: HeldApproval, deps: DecisionDeps): Promise<HeldApproval[]> {
  const since = await recordsSince(deps.ledger, request.requestedAt);
  const incidents = [
    ...new Set(since.filter((r) => r.kind === 'approval.required').map((r) => r.incidentId)),
  ];
  const candidates: HeldApproval[] = [request];
  for (const incidentId of incidents) {
    if (incidentId === request.incidentId) continue;
    const held = heldApprovalOf(await incidentRecords(deps.ledger, incidentId));
    if (held && !held.decided) candidates.push(held);
  }
  return burstMembers(request, candidates);
}

/** `subjects` and `detections` narrow a burst; a name that matches none of it is bad input. */
function narrowed(targets: HeldApproval[], request: DecisionRequest): HeldApproval[] {
  const { subjects, detections } = request;
  if (!subjects && !detections) return targets;
  const issues = [
    ...(subjects ?? [])
      .filter((s) => !targets.some((t) => matchesSubject(t, s)))
      .map((s) => ({ path: 'subjects', message: `${s} is not a subject awaiting approval here` })),
    ...(detections ?? [])
      .filter((d) => !targets.some((t) => t.detection.detectionId === d))
      .map((d) => ({
        path: 'detections',
        message: `${d} is not a detection awaiting approval here`,
      })),
  ];
  if (issues.length > 0) throw new InvalidInputError('approval', issues);
  return targets.filter(
    (t) =>
      (subjects ?? []).some((s) => matchesSubject(t, s)) ||
      (detections ?? []).includes(t.detection.detectionId),
  );
}

/** The stored subject is canonical; the operator names it by id or by UPN as `incidents` shows them. */
function matchesSubject(target: HeldApproval, name: string): boolean {
  const { subject } = target.detection;
  return subject.id === name || subject.userPrincipalName === name;
}
