import type { TicketSystemName } from '../domain/ownership.ts';
import type { TicketRequest } from '../domain/tickets/ticket-request.ts';

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
