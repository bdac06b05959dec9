import type { ActionOutcome } from '../domain/containment.ts';
import type { Detection } from '../domain/detection.ts';
import type { ContainmentPolicy } from '../domain/guardrails.ts';
import type { LedgerEntry, LedgerRecord } from '../domain/ledger/record.ts';
import {
  checkWindowOf,
  type Drift,
  decideRecontainment,
  driftStepKey,
  expectationsOf,
  type RecheckResult,
  type RecontainDecision,
  type WatchState,
  watchEndsAt,
  watchStateOf,
} from '../domain/watch.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventPublisher, ResponderEvent } from '../ports/events.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';
import type { LedgerReader, LedgerWriter } from '../ports/ledger.ts';
import type { Log } from '../ports/log.ts';
import { intentRecorder } from './write-ahead.ts';

/** Incidents with a succeeded containment action in a period, read from an index (no Scan). */
interface ContainedIncidentSource {
  containedIncidents(range: { since: string; until: string }): Promise<string[]>;
}

export interface WatchDeps {
  incidents: ContainedIncidentSource;
  ledger: LedgerReader & LedgerWriter;
  identityProviderFor(detection: Detection): IdentityProvider | undefined;
  policy: Pick<ContainmentPolicy, 'watch' | 'dryRun'>;
  events: EventPublisher;
  clock: Clock;
  log: Log;
  /** The schedule's interval: drift is recorded once per interval (the check window). */
  intervalMinutes: number;
  /** Epoch ms by which the run must have finished; incidents not reached wait for the next run. */
  deadline?: number;
}

/** Time kept back from the deadline for the incident under way to finish. */
const DEADLINE_MARGIN_MS = 5_000;

type IncidentState = WatchState | 'held' | 'drifted' | 'unwatchable';

interface IncidentWatch {
  incidentId: string;
  state: IncidentState;
  /** Drift found now; `recorded` of it is new in this check window. */
  drift?: Drift[];
  recorded?: number;
  decision?: RecontainDecision['decision'];
  recontainment?: ActionOutcome[];
  unchecked?: RecheckResult['unchecked'];
  detail?: string;
}

export interface WatchReport {
  window: string;
  incidents: IncidentWatch[];
  /** Incidents left for the next run because the deadline came first. */
  notReached: number;
}

/**
 * Watch after containment: every incident contained within the watch period is re-read at its
 * provider; what no longer holds is recorded (`containment.drifted`, once per check window),
 * announced (`Containment Drifted`) and, as the policy says, contained again through the
 * provider, held for an operator, or only reported. Released incidents are not watched.
 */
export async function watchContainment(deps: WatchDeps): Promise<WatchReport> {
  const now = deps.clock.now();
  const window = checkWindowOf(now, deps.intervalMinutes);
  const since = new Date(now.getTime() - deps.policy.watch.periodHours * 3_600_000);
  const ids = await deps.incidents.containedIncidents({
    since: since.toISOString(),
    until: now.toISOString(),
  });
  const incidents: IncidentWatch[] = [];
  for (const [index, incidentId] of ids.entries()) {
    if (
      deps.deadline !== undefined &&
      deps.clock.now().getTime() > deps.deadline - DEADLINE_MARGIN_MS
    ) {
      deps.log.warn('watch stopped at its deadline', { notReached: ids.length - index });
      return { window, incidents, notReached: ids.length - index };
    }
    incidents.push(await watchIncident(incidentId, window, deps));
  }
  deps.log.info('containment watch', {
    window,
    incidents: incidents.length,
    drifted: incidents.filter((i) => i.state === 'drifted').length,
  });
  return { window, incidents, notReached: 0 };
}

async function watchIncident(
  incidentId: string,
  window: string,
  deps: WatchDeps,
): Promise<IncidentWatch> {
  const records = await incidentRecords(deps.ledger, incidentId);
  const detection = records.find((r) => r.kind === 'detection.received')?.data.detection as
    | Detection
    | undefined;
  const contained = records.filter((r) => r.kind === 'containment.action');
  const containedAt = contained
    .filter((r) => r.status === 'succeeded')
    .map((r) => r.recordedAt)
    .sort()[0];
  if (!detection || !containedAt) {
    return { incidentId, state: 'unwatchable', detail: 'no detection or containment recorded' };
  }
  const released = records.some(
    (r) => r.kind === 'restore.action' || r.kind === 'release.requested',
  );
  const state = watchStateOf({ containedAt, released }, deps.clock.now(), deps.policy.watch);
  if (state !== 'watching') return { incidentId, state };

  const { subject, tenant } = detection;
  const outcomes = contained.map((r) => r.data as unknown as ActionOutcome);
  const expectations = expectationsOf(tenant.provider, subject.id, outcomes);
  if (expectations.length === 0) {
    return { incidentId, state: 'held', detail: 'containment established nothing to re-check' };
  }
  const provider = deps.identityProviderFor(detection);
  if (!provider?.recheck) {
    const detail = `no ${tenant.provider} provider that can re-check containment is configured`;
    deps.log.warn('incident cannot be watched', { incidentId, detail });
    return { incidentId, state: 'unwatchable', detail };
  }
  const checked = await provider.recheck({ tenantId: tenant.tenantId, subject, expectations });
  const unchecked = checked.unchecked.length > 0 ? { unchecked: checked.unchecked } : {};
  if (checked.drift.length === 0) return { incidentId, state: 'held', ...unchecked };

  const decided = decideRecontainment(checked.drift, deps.policy);
  const driftEntries: LedgerEntry[] = checked.drift.map((drift) => ({
    kind: 'containment.drifted',
    stepKey: driftStepKey(window, drift),
    subjectId: subject.id,
    status: decided.decision,
    data: { ...drift, window, checkedAt: checked.checkedAt, containedAt, why: decided.why },
  }));
  const appended = await deps.ledger.append(incidentId, driftEntries);
  const fresh = new Set(appended.appended.map((r) => r.stepKey));
  const drift = checked.drift.filter((d) => fresh.has(driftStepKey(window, d)));
  const result: IncidentWatch = {
    incidentId,
    state: 'drifted',
    drift: checked.drift,
    recorded: drift.length,
    ...unchecked,
  };
  // Already recorded in this window: announced and acted on then.
  if (drift.length === 0) return result;

  const decision = decideRecontainment(drift, deps.policy);
  result.decision = decision.decision;
  const follow: LedgerEntry[] = [];
  if (decision.decision === 'recontain') {
    const again = await provider.contain({
      incidentId,
      tenantId: tenant.tenantId,
      subject,
      detectedAt: detection.detectedAt,
      actions: decision.actions,
      recordIntent: intentRecorder(deps.ledger, incidentId, subject.id, deps.clock),
      ...(deps.deadline !== undefined ? { deadline: deps.deadline - DEADLINE_MARGIN_MS } : {}),
    });
    result.recontainment = again.outcomes;
    for (const outcome of again.outcomes) {
      follow.push({
        kind: 'containment.action',
        stepKey: `recontainment:${window}:${outcome.action}:${outcome.target}:${outcome.status}`,
        subjectId: subject.id,
        status: outcome.status,
        data: { ...outcome, mode: provider.mode, recontainment: { window, why: decision.why } },
      });
    }
  } else if (decision.decision === 'approvalRequired') {
    follow.push({
      kind: 'approval.required',
      stepKey: `approval:drift:${window}`,
      subjectId: subject.id,
      status: 'pending',
      data: { causes: ['drift'], actions: decision.actions, why: decision.why },
    });
  }
  const ledger = follow.length > 0 ? await deps.ledger.append(incidentId, follow) : appended;
  await deps.events.publish([
    driftedEvent({ detection, incidentId, drift, decision, result, containedAt, window, deps }),
  ]);
  deps.log.warn('containment drifted', {
    incidentId,
    drift: drift.map((d) => `${d.check}:${d.target}`),
    decision: decision.decision,
    ledgerRecords: ledger.records,
  });
  return result;
}

function driftedEvent(context: {
  detection: Detection;
  incidentId: string;
  drift: Drift[];
  decision: RecontainDecision;
  result: IncidentWatch;
  containedAt: string;
  window: string;
  deps: WatchDeps;
}): ResponderEvent {
  const { detection, incidentId, drift, decision, result, containedAt, window, deps } = context;
  const actionFlags = decision.actions.map((a) => `--action ${a}`).join(' ');
  return {
    detailType: 'Containment Drifted',
    detail: {
      incidentId,
      detectionId: detection.detectionId,
      tenantId: detection.tenant.tenantId,
      subject: detection.subject,
      severity: detection.severity,
      drift: drift.map(({ check, target, detail, action }) => ({ check, target, detail, action })),
      driftDetectedAt: deps.clock.now().toISOString(),
      window,
      containedAt,
      watchUntil: watchEndsAt(containedAt, deps.policy.watch),
      recontainment: {
        decision: decision.decision,
        actions: decision.actions,
        why: decision.why,
        ...(result.recontainment
          ? {
              outcomes: result.recontainment.map((o) => ({
                action: o.action,
                target: o.target,
                status: o.status,
              })),
            }
          : {}),
      },
      commands: {
        ...(decision.decision === 'approvalRequired'
          ? { approve: `responder approve ${incidentId} --reason "<why>" ${actionFlags}` }
          : {}),
        release: `responder release ${incidentId} --reason "<why>"`,
      },
      routes: {
        ...(decision.decision === 'approvalRequired'
          ? { approve: `POST /v1/incidents/${incidentId}/approve` }
          : {}),
        release: `POST /v1/incidents/${incidentId}/release`,
      },
    },
  };
}

async function incidentRecords(reader: LedgerReader, incidentId: string): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  let pageToken: string | undefined;
  do {
    const page = await reader.query({ incidentId, limit: 1000 }, pageToken);
    records.push(...page.records);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return records;
}
