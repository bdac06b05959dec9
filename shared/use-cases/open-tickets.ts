import defaultSla from '../config/ticket-sla.default.json' with { type: 'json' };
import type { Finding, OwnerRole } from '../domain/accountability.ts';
import type { Detection } from '../domain/detection.ts';
import { ConfigError } from '../domain/errors.ts';
import type { TicketDestination, TicketSystemName } from '../domain/ownership.ts';
import type { RemediationRequest } from '../domain/tickets/remediation-request.ts';
import { dueDateFor, parseTicketSla, type TicketSla } from '../domain/tickets/sla.ts';
import type { TicketRequest } from '../domain/tickets/ticket-request.ts';
import type { Clock } from '../ports/clock.ts';
import type { LedgerReader, LedgerWriter } from '../ports/ledger.ts';
import { type OpenedTicket, TicketError, type TicketSystem } from '../ports/tickets.ts';

export type { RemediationRequest } from '../domain/tickets/remediation-request.ts';

/** Chooses the ticket system for a destination of the ownership map. */
export interface TicketSystemResolver {
  resolve(destination: TicketDestination): TicketSystem;
}

export interface OpenTicketsDeps {
  /** Records the ticket's steps, and holds the detection the bus message leaves out. */
  ledger: LedgerWriter & LedgerReader;
  tickets: TicketSystemResolver;
  clock: Clock;
  /** Defaults to shared/config/ticket-sla.default.json. */
  sla?: TicketSla;
}

interface OutcomeBase {
  ownerRole: OwnerRole;
  ownerTeam: string;
  system: TicketSystemName;
}

export type TicketOutcome =
  | (OutcomeBase & { status: 'opened' | 'existing'; ticketId: string; url?: string })
  | (OutcomeBase & { status: 'failed'; reason: string; retryable: boolean });

const slaParsed = parseTicketSla(defaultSla);
if (!slaParsed.ok) {
  throw new ConfigError(`shared/config/ticket-sla.default.json: ${slaParsed.error.message}`);
}
export const DEFAULT_TICKET_SLA: TicketSla = slaParsed.value;

/**
 * Opens the remediation ticket of one owner of one incident, recording `ticket.pending`, then
 * `ticket.opened` or `ticket.failed`. Step keys are stable, so a redelivery records nothing
 * twice and the ticket system's dedupe finds the ticket already open. A retryable failure is
 * recorded and rethrown so the queue retries (and finally dead-letters) it; any other failure is
 * recorded and returned. Never on the containment path: it runs behind the remediation queue.
 */
export async function openTicket(
  request: RemediationRequest,
  deps: OpenTicketsDeps,
): Promise<TicketOutcome> {
  const { incidentId, ownerRole, owner } = request;
  const recorded =
    request.detection && !request.evidenceInLedger
      ? undefined
      : await recordedIncident(deps.ledger, incidentId);
  const detection = request.detection ?? (recorded?.detection as Detection);
  const findings = request.evidenceInLedger
    ? request.findings.map((f) => ({ ...f, evidence: recorded?.evidence.get(f.controlId) ?? [] }))
    : request.findings;
  const ticketRequest: TicketRequest = {
    dedupeKey: `${incidentId}:${owner.team}`,
    incidentId,
    ownerRole,
    owner,
    detection,
    findings,
    containment: request.containment,
    mode: request.mode,
    dueDate: dueDateFor(detection.severity, deps.clock.now(), deps.sla ?? DEFAULT_TICKET_SLA),
  };
  const base: OutcomeBase = { ownerRole, ownerTeam: owner.team, system: owner.ticket.system };
  const keys = {
    subjectId: detection.subject.id,
    ownerRole,
    ownerTeam: owner.team,
  } as const;

  await deps.ledger.append(incidentId, [
    {
      kind: 'ticket.pending',
      stepKey: `ticket.pending:${owner.team}`,
      ...keys,
      status: 'pending',
      data: {
        system: owner.ticket.system,
        dedupeKey: ticketRequest.dedupeKey,
        dueDate: ticketRequest.dueDate,
        mode: request.mode,
        failedControls: controls(request.findings, 'failed'),
        undeterminedControls: controls(request.findings, 'undetermined'),
      },
    },
  ]);

  let opened: OpenedTicket;
  try {
    opened = await deps.tickets.resolve(owner.ticket).open(ticketRequest);
  } catch (error) {
    const failure = asTicketError(error, owner.ticket.system);
    await deps.ledger.append(incidentId, [
      {
        kind: 'ticket.failed',
        stepKey: `ticket.failed:${owner.team}:${failure.retryable ? 'retryable' : 'final'}`,
        ...keys,
        status: 'failed',
        data: {
          system: failure.system,
          reason: failure.message,
          retryable: failure.retryable,
          ...(failure.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }),
        },
      },
    ]);
    if (failure.retryable) throw failure;
    return {
      ...base,
      system: failure.system,
      status: 'failed',
      reason: failure.message,
      retryable: false,
    };
  }

  const status = opened.created ? 'opened' : 'existing';
  await deps.ledger.append(incidentId, [
    {
      kind: 'ticket.opened',
      stepKey: `ticket.opened:${owner.team}`,
      ...keys,
      ticketId: opened.ticketId,
      status,
      data: {
        system: opened.system,
        destination: owner.ticket.system,
        ticketId: opened.ticketId,
        ...(opened.url ? { url: opened.url } : {}),
        created: opened.created,
      },
    },
  ]);
  return {
    ...base,
    system: opened.system,
    status,
    ticketId: opened.ticketId,
    ...(opened.url ? { url: opened.url } : {}),
  };
}

/** A refusal stays as classified; anything else is a fault, recorded by its type only, retried. */
function asTicketError(error: unknown, system: TicketSystemName): TicketError {
  if (error instanceof TicketError) return error;
  const name = error instanceof Error ? error.name : 'error';
  return new TicketError(system, `unexpected ${name} while opening the ticket`, {
    retryable: true,
    cause: error,
  });
}

/**
 * Every owner's ticket of one incident, for local mode where no queue retries: a retryable
 * failure is reported (and recorded) rather than thrown; running again retries it.
 */
export async function openTickets(
  requests: readonly RemediationRequest[],
  deps: OpenTicketsDeps,
): Promise<TicketOutcome[]> {
  const outcomes: TicketOutcome[] = [];
  for (const request of requests) {
    try {
      outcomes.push(await openTicket(request, deps));
    } catch (error) {
      if (!(error instanceof TicketError)) throw error;
      outcomes.push({
        ownerRole: request.ownerRole,
        ownerTeam: request.owner.team,
        system: error.system,
        status: 'failed',
        reason: error.message,
        retryable: true,
      });
    }
  }
  return outcomes;
}

function controls(findings: readonly Finding[], status: Finding['status']): string[] {
  return findings.filter((f) => f.status === status).map((f) => f.controlId);
}

/**
 * What respond recorded for the incident (written before any event is published): the
 * detection, and each finding's evidence by control.
 */
async function recordedIncident(
  ledger: LedgerReader,
  incidentId: string,
): Promise<{ detection: Detection; evidence: Map<string, string[]> }> {
  let detection: Detection | undefined;
  const evidence = new Map<string, string[]>();
  let pageToken: string | undefined;
  do {
    const page = await ledger.query({ incidentId }, pageToken);
    for (const record of page.records) {
      if (record.kind === 'detection.received') detection = record.data.detection as Detection;
      if (record.kind === 'finding' && record.controlId) {
        evidence.set(record.controlId, (record.data.evidence as string[] | undefined) ?? []);
      }
    }
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (!detection) {
    throw new Error(`incident ${incidentId} has no detection.received record in the ledger`);
  }
  return { detection, evidence };
}
