import type { Finding, OwnerRole } from '../domain/accountability.ts';
import type { ActionOutcome } from '../domain/containment.ts';
import type { Detection } from '../domain/detection.ts';
import type { OwnerAssignment, TicketSystemName } from '../domain/ownership.ts';

/** One remediation ticket for one accountable owner of one incident. */
export interface TicketRequest {
  /** `${incidentId}:${ownerTeam}`: one ticket per (incident, owner team), however often asked. */
  dedupeKey: string;
  incidentId: string;
  ownerRole: OwnerRole;
  owner: OwnerAssignment;
  /** Untrusted where it came from the detection: adapters escape it for their format. */
  detection: Detection;
  /** This owner's findings only (failed and undetermined). */
  findings: Finding[];
  containment: ActionOutcome[];
  mode: 'live' | 'simulated' | 'dry-run';
  dueDate: string;
}

export interface OpenedTicket {
  system: TicketSystemName;
  ticketId: string;
  url?: string;
  /** false when the dedupe search found the ticket already open. */
  created: boolean;
}

/** A ticket system's refusal, classified so the caller knows whether to retry. */
export class TicketError extends Error {
  override readonly name = 'TicketError';
  readonly system: TicketSystemName;
  readonly retryable: boolean;
  readonly httpStatus?: number;

  constructor(
    system: TicketSystemName,
    message: string,
    details: { retryable: boolean; httpStatus?: number; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.system = system;
    this.retryable = details.retryable;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
  }
}

export interface TicketSystem {
  readonly system: TicketSystemName;
  /** Opens the ticket unless one with the same dedupe key exists; throws TicketError. */
  open(request: TicketRequest): Promise<OpenedTicket>;
}
