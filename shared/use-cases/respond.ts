import type { Finding, OwnerRole } from '../domain/accountability.ts';
import { attribute } from '../domain/attribution.ts';
import type {
  ActionOutcome,
  ContainmentResult,
  VerificationResult,
} from '../domain/containment.ts';
import type { Control } from '../domain/controls/catalog.ts';
import type { Detection } from '../domain/detection.ts';
import {
  approvalExpiresAt,
  type ContainmentPlan,
  type ContainmentPolicy,
  NOT_APPLICABLE_WHY,
  planContainment,
  skippedOutcomes,
} from '../domain/guardrails.ts';
import type { LedgerEntry } from '../domain/ledger/record.ts';
import { type OwnershipMap, resolveOwners } from '../domain/ownership.ts';
import type { ProviderMode, ResponseMode } from '../domain/response-mode.ts';
import { type TicketScope, ticketScopes } from '../domain/tickets/owners.ts';
import type { Clock } from '../ports/clock.ts';
import type { ContainmentWindow } from '../ports/containment-window.ts';
import type { EventPublisher } from '../ports/events.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';
import type { LedgerWriter } from '../ports/ledger.ts';
import type { Log } from '../ports/log.ts';
import type { ProtectedIdentityDirectory } from '../ports/protected-identities.ts';
import { type StartedGuards, startGuards } from './blast-radius.ts';
import {
  type Contained,
  type ContainmentLine,
  containDetection,
  containmentRecords,
  toLine,
} from './contain-detection.ts';
import { announcesApproval, responderEvents } from './respond-events.ts';
import { startWriteAhead, type WriteAhead } from './write-ahead.ts';

/**
 * The respond use case: guardrails, contain, attribute, record, announce.
 * Nothing slow stands before the containment call: attribution runs while it is in flight, and
 * the ledger and the bus are written after it. Tickets are opened elsewhere, from the
 * `Remediation Requested` events, so a ticket system being down never delays containment.
 */

export interface RespondInput {
  detection: Detection;
  /** The source's own id for the event (GuardDuty finding id, Okta uuid, SET jti...). */
  sourceEventId?: string;
  /** SHA-256 of the raw payload as received, so the ledger proves what was relied on. */
  rawSha256?: string;
  /** The source format the detection was normalized from. */
  sourceFormat?: string;
  /**
   * Who sent it: `iam:<caller arn>`, `ssf:<issuer>`, `eventbridge:<source>@<account>`,
   * `local:cli|serve`. Recorded with the detection.
   */
  sender?: string;
  /**
   * Epoch ms by which this invocation must have finished (Lambda: now + remaining time; locally
   * a configured budget). Containment gets it minus `deadlineMarginMs`, for the ledger and bus.
   */
  deadline?: number;
}

export interface RespondDeps {
  /** The identity provider that acts on this detection's tenant, if any is configured. */
  identityProviderFor(detection: Detection): IdentityProvider | undefined;
  policy: ContainmentPolicy;
  window: ContainmentWindow;
  protectedIdentities?: ProtectedIdentityDirectory; // every name, resolved ahead of time
  catalog: readonly Control[];
  ownership: OwnershipMap;
  ledger: LedgerWriter;
  events: EventPublisher;
  clock: Clock;
  log: Log;
  /** What this deployment acts on when no provider answers for a detection (it then acts on nothing). */
  mode: ProviderMode;
  /** Kept back from the deadline for what follows containment (ledger, bus); default 3 s. */
  deadlineMarginMs?: number;
}

const DEFAULT_DEADLINE_MARGIN_MS = 3_000;

type ResponseStatus =
  | 'contained' // every action that ran succeeded
  | 'partiallyContained' // some ran, some failed
  | 'notContained' // every action that ran failed
  | 'awaitingApproval' // guardrails held every action for an operator
  | 'protectedIdentity' // never contained
  | 'notCovered' // no credentials cover the tenant: recorded, not acted on
  | 'dryRun' // planned and recorded, nothing called
  | 'nothingToDo'; // the severity policy runs nothing for this detection

/** An accountable owner (at least one failed control) and where its ticket goes. */
interface AccountableOwner {
  ownerRole: OwnerRole;
  ownerTeam: string;
  system: string;
  failedControls: string[];
}

export interface RespondResult {
  detectionId: string;
  incidentId: string;
  mode: ResponseMode;
  status: ResponseStatus;
  containment: ContainmentLine[];
  timeToContainMs?: number;
  verification?: VerificationResult;
  approval?: { required: true; why: string; actions: string[]; expiresAt: string };
  findings: Finding[];
  remediation: AccountableOwner[];
  ledger: { records: number; head: string; appended: number; duplicates: number };
}

/** A containment failure worth retrying (throttled, transient): the queue redelivers the detection. */
export class RetryableContainmentError extends Error {
  override readonly name = 'RetryableContainmentError';
  readonly result: RespondResult;

  constructor(result: RespondResult) {
    const failed = result.containment.filter((line) => line.status === 'failed');
    super(
      `containment of ${result.incidentId} failed transiently for ${failed.map((line) => line.action).join(', ')}; retrying`,
    );
    this.result = result;
  }
}

/**
 * `guards`: already started by the runtime, alongside its idempotency claim (one round trip for
 * both); started here otherwise.
 */
export async function respond(
  given: RespondInput,
  deps: RespondDeps,
  guards: StartedGuards<RespondInput> = startGuards(given, deps),
): Promise<RespondResult> {
  const { input, incidentId, receivedAt, provider, covered, names } = guards;
  const { detection } = input;
  const claim = await guards.window;
  const plan = planContainment(
    detection,
    deps.policy,
    claim?.counts ?? { tenant: 0, source: 0 },
    names,
  );

  const at = receivedAt.toISOString();
  const mode: ResponseMode = plan.dryRun ? 'dry-run' : (provider?.mode ?? deps.mode);
  const receivedEntry = detectionReceived(input, at, mode);
  // The hook may be called before contain() first yields: it waits for the write-ahead to start.
  let started: (writeAhead: WriteAhead) => void = () => undefined;
  const ready = new Promise<WriteAhead>((resolve) => {
    started = resolve;
  });
  const containing: Promise<Contained | undefined> =
    covered && provider && plan.run.length > 0
      ? containDetection(provider, detection, incidentId, plan.run, {
          recordIntent: async (changes) => (await ready).recordIntent(changes),
          ...(input.deadline === undefined
            ? {}
            : { deadline: input.deadline - (deps.deadlineMarginMs ?? DEFAULT_DEADLINE_MARGIN_MS) }),
        })
      : Promise.resolve(undefined);
  // Started once the revoke is under way, never awaited in front of it.
  const writeAhead = startWriteAhead(deps.ledger, incidentId, receivedEntry, deps.clock);
  started(writeAhead);
  // Attribution is pure CPU: do it while the containment requests are on the wire.
  const { findings } = attribute(detection, deps.catalog, deps.ownership);
  const ran = await containing;
  // After the revoke, beside the ledger: never in front of it, and it loses nothing if it fails.
  const settled = claim
    ?.settle()
    .catch((error: unknown) =>
      deps.log.warn('blast-radius window not settled', { incidentId, error: String(error) }),
    );
  const contained: ContainmentResult | undefined = ran?.contained;
  const verification = ran?.verification;

  const outcomes = [...(contained?.outcomes ?? []), ...visibleSkips(plan, at)];
  const status = statusOf(plan, covered, contained);
  const scopes = ticketScopes(findings, resolveOwners(deps.ownership, detection));
  const expiresAt = approvalExpiresAt(deps.policy, detection.severity, receivedAt);

  const receivedFailed = (await writeAhead.received) instanceof Error;
  const entries = [
    ...(receivedFailed ? [receivedEntry] : []),
    ...ledgerEntries({ input, plan, covered, outcomes, verification, findings, mode, expiresAt }),
  ];
  const appendResult = await deps.ledger.append(incidentId, entries);
  await settled;

  const result: RespondResult = {
    detectionId: detection.detectionId,
    incidentId,
    mode,
    status,
    containment: outcomes.map(toLine),
    findings,
    remediation: scopes.map(accountableOwner),
    ledger: {
      records: appendResult.records,
      head: appendResult.head,
      appended: appendResult.appended.length + writeAhead.appended(),
      duplicates: appendResult.duplicates + writeAhead.duplicates(),
    },
  };
  if (contained?.timeToContainMs !== undefined) result.timeToContainMs = contained.timeToContainMs;
  if (verification) result.verification = verification;
  if (plan.approval.required) {
    result.approval = {
      required: true,
      why: plan.approval.why,
      actions: plan.approval.actions,
      expiresAt,
    };
  }

  await deps.events.publish(
    responderEvents({ result, detection, plan, outcomes, scopes, findings, expiresAt }),
  );
  deps.log.info('detection handled', {
    incidentId,
    detectionId: detection.detectionId,
    mode,
    status,
    timeToContainMs: result.timeToContainMs,
    actions: result.containment.map((line) => `${line.action}:${line.status}`),
    failedControls: findings.filter((f) => f.status === 'failed').length,
  });

  const retryable = contained?.outcomes.some((o) => o.status === 'failed' && o.error.retryable);
  if (retryable) throw new RetryableContainmentError(result);
  return result;
}

/**
 * Skips worth showing: every decision that held an action back. Of the actions that cannot
 * apply to the subject, only those with an explanation are shown, so a workload identity's
 * "no session revocation" is said rather than hidden, and a user is not told it has no keys.
 */
function visibleSkips(plan: ContainmentPlan, at: string): ActionOutcome[] {
  return skippedOutcomes(plan, at).filter(
    (o) =>
      o.status !== 'skipped' ||
      o.reason !== 'notApplicable' ||
      NOT_APPLICABLE_WHY[o.action]?.[plan.subject.type] !== undefined,
  );
}

function statusOf(
  plan: ContainmentPlan,
  covered: boolean,
  contained: ContainmentResult | undefined,
): ResponseStatus {
  if (plan.protectedIdentity) return 'protectedIdentity';
  if (!covered) return 'notCovered';
  if (contained) {
    const ran = contained.outcomes.filter((o) => o.status !== 'skipped');
    // The provider declined every action (not applicable to this principal, say).
    if (ran.length === 0) return plan.approval.required ? 'awaitingApproval' : 'nothingToDo';
    const failed = ran.filter((o) => o.status === 'failed').length;
    if (ran.length > 0 && failed === ran.length) return 'notContained';
    return failed > 0 ? 'partiallyContained' : 'contained';
  }
  if (plan.approval.required) return 'awaitingApproval';
  if (plan.dryRun) return 'dryRun';
  return 'nothingToDo';
}

function accountableOwner(scope: TicketScope): AccountableOwner {
  return {
    ownerRole: scope.ownerRole,
    ownerTeam: scope.owner.team,
    system: scope.owner.ticket.system,
    failedControls: scope.findings.filter((f) => f.status === 'failed').map((f) => f.controlId),
  };
}

/** The first record of an incident: what was received, from whom, and the raw payload's hash. */
function detectionReceived(input: RespondInput, at: string, mode: ResponseMode): LedgerEntry {
  const { detection } = input;
  return {
    kind: 'detection.received',
    stepKey: 'detection',
    subjectId: detection.subject.id,
    data: {
      detection,
      receivedAt: at,
      mode,
      sourceFormat: input.sourceFormat ?? 'native',
      sender: input.sender ?? 'unknown',
      ...(input.sourceEventId ? { sourceEventId: input.sourceEventId } : {}),
      ...(input.rawSha256 ? { rawSha256: input.rawSha256 } : {}),
    },
  };
}

function ledgerEntries(context: {
  input: RespondInput;
  plan: ContainmentPlan;
  covered: boolean;
  outcomes: ActionOutcome[];
  verification: Contained['verification'];
  findings: Finding[];
  mode: ResponseMode;
  expiresAt: string;
}): LedgerEntry[] {
  const { input, plan, covered, outcomes, verification, findings, mode, expiresAt } = context;
  const { detection } = input;
  const subjectId = detection.subject.id;
  const entries: LedgerEntry[] = [];
  if (!covered) {
    entries.push({
      kind: 'detection.notCovered',
      stepKey: 'coverage',
      subjectId,
      status: 'notCovered',
      data: {
        provider: detection.tenant.provider,
        tenantId: detection.tenant.tenantId,
        why: `no configured ${detection.tenant.provider} credentials cover tenant ${detection.tenant.tenantId}; nothing was contained`,
      },
    });
  }
  entries.push({
    kind: 'guardrail.decision',
    stepKey: 'guardrails',
    subjectId,
    status: plan.approval.required ? 'approvalRequired' : plan.dryRun ? 'dryRun' : 'decided',
    data: {
      run: plan.run,
      skipped: plan.skipped,
      blastRadius: plan.blastRadius,
      ...(plan.protectedIdentity ? { protectedIdentity: plan.protectedIdentity } : {}),
    },
  });
  if (plan.approval.required) {
    entries.push({
      kind: 'approval.required',
      stepKey: 'approval',
      subjectId,
      status: 'pending',
      data: {
        causes: plan.approval.causes,
        actions: plan.approval.actions,
        why: plan.approval.why,
        severity: detection.severity,
        expiresAt,
        // A burst is one request: later holds are recorded against the announcing one.
        announced: announcesApproval(plan),
      },
    });
  }
  entries.push(...containmentRecords(subjectId, outcomes, verification, mode));
  for (const finding of findings) {
    entries.push({
      kind: 'finding',
      stepKey: `finding:${finding.controlId}`,
      subjectId,
      ownerRole: finding.ownerRole,
      ownerTeam: finding.ownerTeam,
      controlId: finding.controlId,
      status: finding.status,
      data: { ...finding },
    });
  }
  return entries;
}
