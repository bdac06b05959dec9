import type { ActionOutcome, RestorableChange } from '../domain/containment.ts';
import type { Detection } from '../domain/detection.ts';
import type { InvalidInputError } from '../domain/errors.ts';
import type { LedgerEntry, LedgerRecord } from '../domain/ledger/record.ts';
import { type ChainBreak, describeBreak, verifyIncidentChain } from '../domain/ledger/verify.ts';
import {
  changeKey,
  parseRestorableChange,
  restoreActionOf,
  targetOf,
} from '../domain/restorable-change.ts';
import {
  type NotRestored,
  type RestoreSelection,
  selectRestorable,
} from '../domain/restore-safety.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventPublisher } from '../ports/events.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';
import type { LedgerReader, LedgerWriter } from '../ports/ledger.ts';
import { incidentRecords } from './incident-records.ts';
import type { LedgerChainSource } from './verify-ledger.ts';

export interface ReleaseRequest {
  incidentId: string;
  requestedBy: string;
  /** Why the operator releases; recorded. `justification` is the older name, still accepted. */
  reason?: string;
  justification?: string;
  /** AWS: also remove the `aws:TokenIssueTime` deny, once the role's maximum session has passed. */
  force?: boolean;
}

interface ReleaseNotes {
  /** When the stolen session is taken to have begun: grants from then on are not restored. */
  attackWindow: RestoreSelection['attackWindow'];
  /** "not restored: created during the attack window", and the stolen key. */
  notRestored: NotRestored[];
  /** Restored although the provider did not say when they began. */
  startUnknown: string[];
}

export type ReleaseResult =
  | ({ status: 'released'; incidentId: string; outcomes: ActionOutcome[] } & ReleaseNotes)
  | { status: 'nothingToRestore'; incidentId: string; why: string }
  | { status: 'unknownIncident'; incidentId: string }
  /** Another release of this incident holds the claim: nothing was done (HTTP 409). */
  | { status: 'alreadyReleasing'; incidentId: string; why: string }
  /** The incident's chain does not verify: nothing is restored from it (HTTP 409). */
  | { status: 'ledgerBroken'; incidentId: string; why: string; break: ChainBreak };

export interface ReleaseDeps {
  /** With `incidentChain` (DynamoDB), the stored chain and its markers are verified. */
  ledger: LedgerReader & LedgerWriter & Partial<Pick<LedgerChainSource, 'incidentChain'>>;
  identityProviderFor(detection: Detection): IdentityProvider | undefined;
  clock: Clock;
  /** `Release Completed` goes here after the provider confirmed a restore (the SSF transmitter follows it). */
  events: EventPublisher;
  /** Attack window when the session's token time is unknown (default 24 h before detection). */
  attackLookbackHours?: number;
  /** A claim older than this without a completion is a crashed release: a new one may act. */
  claimTimeoutMs?: number;
}

const CLAIM_TIMEOUT_MS = 15 * 60_000; // the longest a Lambda runs

/**
 * The operator's restore after investigation. Verifies the incident's chain, claims the release
 * (one per incident at a time: a conditional ledger step), then puts back what containment
 * recorded, as outcomes or as write-ahead intents whose outcome never got recorded (a crash),
 * except grants made during the attack window and the stolen access key. The provider re-checks
 * its own state, so only what is really gone comes back. Who asked and why is recorded.
 */
export async function release(request: ReleaseRequest, deps: ReleaseDeps): Promise<ReleaseResult> {
  const { incidentId } = request;
  const reason = request.reason ?? request.justification ?? '';
  const records = (await incidentRecords(deps.ledger, incidentId)).sort((a, b) => a.seq - b.seq);
  const received = records.find((r) => r.kind === 'detection.received');
  const detection = received?.data.detection as Detection | undefined;
  if (!detection) return { status: 'unknownIncident', incidentId };

  const broken = await verifyChain(deps.ledger, incidentId, records);
  if (broken) {
    return {
      status: 'ledgerBroken',
      incidentId,
      why: `the incident's ledger chain does not verify (${describeBreak(broken)}): nothing restored`,
      break: broken,
    };
  }

  const now = deps.clock.now();
  const claim = nextClaim(records, now, deps.claimTimeoutMs ?? CLAIM_TIMEOUT_MS);
  if (claim.busy) return { status: 'alreadyReleasing', incidentId, why: claim.busy };
  const who = {
    requestedBy: request.requestedBy,
    reason,
    ...(request.force ? { force: true } : {}),
  };
  const claimed = await deps.ledger.append(incidentId, [
    {
      kind: 'release.requested',
      stepKey: `release:claim:${claim.generation}`,
      subjectId: detection.subject.id,
      status: 'claimed',
      // The one record of who asked, when and why; its step is the claim: one release at a time.
      data: {
        by: request.requestedBy,
        at: now.toISOString(),
        reason,
        generation: claim.generation,
        ...(request.force ? { force: true } : {}),
      },
    },
  ]);
  if (claimed.appended.length === 0) {
    return {
      status: 'alreadyReleasing',
      incidentId,
      why: 'another release of this incident claimed it first; nothing was done',
    };
  }
  const done = (status: string, data: Record<string, unknown>) =>
    deps.ledger.append(incidentId, [
      {
        kind: 'release.completed',
        stepKey: `release:done:${claim.generation}`,
        subjectId: detection.subject.id,
        status,
        data: { ...who, ...data },
      },
    ]);

  const { changes, refusals } = recordedChanges(records, now.toISOString());
  const selection = selectRestorable(changes, detection, deps.attackLookbackHours);
  const notes: ReleaseNotes = {
    attackWindow: selection.attackWindow,
    notRestored: [...selection.createdDuringAttack, ...selection.refused],
    startUnknown: selection.startUnknown.map(
      (change) =>
        `${targetOf(change)}: restored although the provider did not say when it began, so it may have been granted during the attack`,
    ),
  };
  if (selection.restore.length === 0 && refusals.length === 0) {
    const restored = records.some((r) => r.kind === 'restore.action');
    const why =
      notes.notRestored.length > 0
        ? `nothing restorable: ${notes.notRestored.map((n) => n.why).join('; ')}`
        : restored
          ? 'every recorded change was already restored'
          : 'containment recorded no reversible change';
    await done('nothingToRestore', { why });
    // A release whose announcement was lost (bus down, crash) is announced again on retry.
    await announce(deps, incidentId, detection, request.requestedBy, confirmedRestores(records));
    return { status: 'nothingToRestore', incidentId, why };
  }
  const provider = deps.identityProviderFor(detection);
  if (!provider) {
    const why = `no ${detection.tenant.provider} provider is configured`;
    await done('nothingToRestore', { why });
    return { status: 'nothingToRestore', incidentId, why };
  }
  const restoredNow =
    selection.restore.length === 0
      ? []
      : await provider.restore({
          incidentId,
          tenantId: detection.tenant.tenantId,
          subject: detection.subject,
          changes: selection.restore,
          requestedBy: request.requestedBy,
          justification: reason,
          ...(request.force ? { force: true } : {}),
        });
  const outcomes = [...restoredNow, ...refusals];
  const at = deps.clock.now().toISOString();
  const entries: LedgerEntry[] = outcomes.map((outcome, index) => {
    const change = index < restoredNow.length ? selection.restore[index] : undefined;
    return {
      kind: 'restore.action' as const,
      stepKey: `restore:${change ? changeKey(change) : outcome.target}:${outcome.status}:${at}`,
      subjectId: detection.subject.id,
      status: outcome.status,
      data: { ...outcome, ...(change ? { change } : {}), ...who },
    };
  });
  await deps.ledger.append(incidentId, entries);
  await done('released', {
    restored: outcomes.filter((o) => o.status === 'succeeded').length,
    notRestored: notes.notRestored.map((n) => ({ target: targetOf(n.change), why: n.why })),
    startUnknown: notes.startUnknown,
    attackWindow: notes.attackWindow,
  });
  const confirmed = [
    ...confirmedRestores(records),
    ...entries.filter((e) => e.status === 'succeeded').map((e) => e.data),
  ];
  await announce(deps, incidentId, detection, request.requestedBy, confirmed);
  return { status: 'released', incidentId, outcomes, ...notes };
}

/** What the provider confirmed restoring for this incident, as recorded. */
function confirmedRestores(records: readonly LedgerRecord[]): Record<string, unknown>[] {
  return records
    .filter((r) => r.kind === 'restore.action' && r.status === 'succeeded')
    .map((r) => r.data);
}

/**
 * `Release Completed` on the bus, only when the provider confirmed a restore: receivers then hear
 * of re-enabled accounts (RISC account-enabled). Announcing again is harmless: the transmitter's
 * SETs are idempotent per incident, action and stream.
 */
async function announce(
  deps: Pick<ReleaseDeps, 'events'>,
  incidentId: string,
  detection: Detection,
  requestedBy: string,
  confirmed: readonly Record<string, unknown>[],
): Promise<void> {
  if (confirmed.length === 0) return;
  const restored = confirmed.map((data) => {
    const change = parseRestorableChange(data.change);
    return {
      action: String(data.action),
      target: String(data.target),
      ...(change.ok ? { kind: change.value.kind } : {}),
    };
  });
  await deps.events.publish([
    {
      detailType: 'Release Completed',
      detail: {
        incidentId,
        subjectId: detection.subject.id,
        tenantId: detection.tenant.tenantId,
        requestedBy,
        restored,
      },
    },
  ]);
}

/** The next claim's generation, or why another release still holds the incident. */
function nextClaim(
  records: readonly LedgerRecord[],
  now: Date,
  timeoutMs: number,
): { generation: number; busy?: string } {
  const claims = records.filter(
    (r) => r.kind === 'release.requested' && r.stepKey.startsWith('release:claim:'),
  );
  const last = claims.at(-1);
  if (!last) return { generation: 1 };
  const generation = Number(last.data.generation ?? claims.length);
  const completed = records.some((r) => r.stepKey === `release:done:${generation}`);
  const age = now.getTime() - Date.parse(last.recordedAt);
  if (!completed && age < timeoutMs) {
    return {
      generation,
      busy: `release ${generation}, requested by ${String(last.data.by)} at ${last.recordedAt}, is still running`,
    };
  }
  return { generation: generation + 1 };
}

/**
 * Every change containment recorded, once: from succeeded outcomes and from write-ahead
 * intents (a crash may have left an intent with no outcome), minus those already restored.
 * A record restore cannot read is refused by name, never handed to the provider.
 */
function recordedChanges(
  records: readonly LedgerRecord[],
  at: string,
): { changes: RestorableChange[]; refusals: ActionOutcome[] } {
  const restored = new Set(
    records
      .filter((r) => r.kind === 'restore.action' && r.status === 'succeeded')
      .flatMap((r) => {
        const change = parseRestorableChange(r.data.change);
        return change.ok ? [changeKey(change.value)] : [];
      }),
  );
  const recorded = records
    .flatMap((r) =>
      r.kind === 'containment.action' && r.status === 'succeeded'
        ? listOf(r.data.restore)
        : r.kind === 'containment.intent'
          ? [r.data.change]
          : [],
    )
    .map((raw) => ({ raw, parsed: parseRestorableChange(raw) }));
  const seen = new Set<string>();
  const changes: RestorableChange[] = [];
  for (const { parsed } of recorded) {
    if (!parsed.ok) continue;
    const key = changeKey(parsed.value);
    if (restored.has(key) || seen.has(key)) continue;
    seen.add(key);
    changes.push(parsed.value);
  }
  const refusals = recorded.flatMap(({ raw, parsed }) =>
    parsed.ok ? [] : [refusal(raw, parsed.error, at)],
  );
  return { changes, refusals };
}

async function verifyChain(
  ledger: ReleaseDeps['ledger'],
  incidentId: string,
  records: readonly LedgerRecord[],
): Promise<ChainBreak | undefined> {
  if (ledger.incidentChain) {
    const stored = await ledger.incidentChain(incidentId);
    return verifyIncidentChain(incidentId, stored.records, stored.markers);
  }
  // A store without storage-level access: hashes, links and positions of what it returned.
  return verifyIncidentChain(
    incidentId,
    records.map((record) => ({ key: String(record.seq), keySeq: record.seq, record })),
    records.map((record) => ({ stepKey: record.stepKey, seq: record.seq })),
  );
}

/** A containment record's `restore` list as recorded: anything else is one malformed entry. */
function listOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function refusal(raw: unknown, error: InvalidInputError, at: string): ActionOutcome {
  return {
    action: restoreActionOf(raw),
    target: targetOf(raw),
    status: 'failed',
    startedAt: at,
    durationMs: 0,
    error: { class: 'invalid', message: `${error.message}; refused`, retryable: false },
  };
}
