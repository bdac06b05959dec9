import { describe, expect, it } from 'vitest';
import type { TicketDestination } from '../../../shared/domain/ownership.ts';
import type { TicketRequest } from '../../../shared/domain/tickets/ticket-request.ts';
import {
  type OpenedTicket,
  TicketError,
  type TicketSystem,
} from '../../../shared/ports/tickets.ts';
import {
  openTicket,
  openTickets,
  type RemediationRequest,
  type TicketSystemResolver,
} from '../../../shared/use-cases/open-tickets.ts';
import { MemoryLedger } from './memory-ledger.ts';
import { containment, detection, INCIDENT_ID, iamFindings, owner } from './ticket-requests.ts';

const clock = { now: () => new Date('2026-03-17T09:45:00Z') };
const jiraDestination: TicketDestination = { system: 'jira', project: 'IAM' };

/** A ticket system that dedupes on the request's key, like the real ones, or fails as told. */
class ScriptedTickets implements TicketSystem, TicketSystemResolver {
  readonly system = 'jira' as const;
  readonly opened = new Map<string, string>();
  readonly requests: TicketRequest[] = [];
  failures: TicketError[] = [];

  resolve(): TicketSystem {
    return this;
  }

  async open(request: TicketRequest): Promise<OpenedTicket> {
    this.requests.push(request);
    const failure = this.failures.shift();
    if (failure) throw failure;
    const existing = this.opened.get(request.dedupeKey);
    if (existing) return { system: 'jira', ticketId: existing, created: false };
    const ticketId = `IAM-${this.opened.size + 1}`;
    this.opened.set(request.dedupeKey, ticketId);
    return {
      system: 'jira',
      ticketId,
      url: `https://h.atlassian.net/browse/${ticketId}`,
      created: true,
    };
  }
}

function remediation(overrides: Partial<RemediationRequest> = {}): RemediationRequest {
  return {
    incidentId: INCIDENT_ID,
    ownerRole: 'iam',
    owner: owner(jiraDestination),
    detection: detection('detection-aitm-admin.json'),
    findings: iamFindings(),
    containment: containment(),
    mode: 'live',
    ...overrides,
  };
}

describe('openTicket', () => {
  it('records pending, opens the ticket, records opened with system, id and owner', async () => {
    const ledger = new MemoryLedger();
    const tickets = new ScriptedTickets();
    const outcome = await openTicket(remediation(), { ledger, tickets, clock });

    expect(outcome).toEqual({
      ownerRole: 'iam',
      ownerTeam: 'Identity Platform',
      system: 'jira',
      status: 'opened',
      ticketId: 'IAM-1',
      url: 'https://h.atlassian.net/browse/IAM-1',
    });
    expect(ledger.kinds()).toEqual([
      'ticket.pending ticket.pending:Identity Platform',
      'ticket.opened ticket.opened:Identity Platform',
    ]);
    const [pending, opened] = ledger.records;
    expect(pending).toMatchObject({
      ownerRole: 'iam',
      ownerTeam: 'Identity Platform',
      subjectId: '1b688927-349c-4622-845d-03aefbc01f62',
      status: 'pending',
      data: {
        system: 'jira',
        dedupeKey: `${INCIDENT_ID}:Identity Platform`,
        dueDate: '2026-03-18T09:45:00.000Z',
        failedControls: ['iam.phishing-resistant-mfa', 'iam.token-binding'],
        undeterminedControls: ['iam.conditional-access'],
      },
    });
    expect(opened).toMatchObject({ ticketId: 'IAM-1', status: 'opened', data: { created: true } });
  });

  it('asks the ticket system with the dedupe key, the due date from the SLA and the mode', async () => {
    const tickets = new ScriptedTickets();
    await openTicket(remediation({ mode: 'simulated' }), {
      ledger: new MemoryLedger(),
      tickets,
      clock,
    });
    expect(tickets.requests[0]).toMatchObject({
      dedupeKey: `${INCIDENT_ID}:Identity Platform`,
      dueDate: '2026-03-18T09:45:00.000Z',
      mode: 'simulated',
    });
  });

  it('records nothing twice and opens no second ticket on redelivery', async () => {
    const ledger = new MemoryLedger();
    const tickets = new ScriptedTickets();
    await openTicket(remediation(), { ledger, tickets, clock });
    const again = await openTicket(remediation(), { ledger, tickets, clock });

    expect(again).toMatchObject({ status: 'existing', ticketId: 'IAM-1' });
    expect(tickets.opened.size).toBe(1);
    expect(ledger.records).toHaveLength(2);
  });

  it('records a retryable failure with its reason and rethrows it for the queue', async () => {
    const ledger = new MemoryLedger();
    const tickets = new ScriptedTickets();
    tickets.failures = [
      new TicketError('jira', 'Jira is unavailable (HTTP 503)', {
        retryable: true,
        httpStatus: 503,
      }),
    ];

    const error = await openTicket(remediation(), { ledger, tickets, clock }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ retryable: true });
    expect(ledger.records.at(-1)).toMatchObject({
      kind: 'ticket.failed',
      status: 'failed',
      data: {
        system: 'jira',
        reason: 'Jira is unavailable (HTTP 503)',
        retryable: true,
        httpStatus: 503,
      },
    });

    // The redrive opens it exactly once and records it.
    const outcome = await openTicket(remediation(), { ledger, tickets, clock });
    expect(outcome).toMatchObject({ status: 'opened', ticketId: 'IAM-1' });
    expect(ledger.kinds()).toEqual([
      'ticket.pending ticket.pending:Identity Platform',
      'ticket.failed ticket.failed:Identity Platform:retryable',
      'ticket.opened ticket.opened:Identity Platform',
    ]);
  });

  it('records a final failure and returns it without throwing', async () => {
    const ledger = new MemoryLedger();
    const tickets = new ScriptedTickets();
    tickets.failures = [
      new TicketError('jira', 'Jira rejected the credentials (HTTP 401)', {
        retryable: false,
        httpStatus: 401,
      }),
    ];

    const outcome = await openTicket(remediation(), { ledger, tickets, clock });
    expect(outcome).toEqual({
      ownerRole: 'iam',
      ownerTeam: 'Identity Platform',
      system: 'jira',
      status: 'failed',
      reason: 'Jira rejected the credentials (HTTP 401)',
      retryable: false,
    });
    expect(ledger.records.at(-1)?.stepKey).toBe('ticket.failed:Identity Platform:final');
  });

  it('records an unexpected fault by its type only and retries it', async () => {
    const ledger = new MemoryLedger();
    const broken: TicketSystemResolver = {
      resolve: () => ({
        system: 'jira',
        open: async () => {
          throw new TypeError('token=abc123 leaked in a bug');
        },
      }),
    };
    const error = await openTicket(remediation(), { ledger, tickets: broken, clock }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      retryable: true,
      message: 'unexpected TypeError while opening the ticket',
    });
    expect(JSON.stringify(ledger.records)).not.toContain('abc123');
  });

  it('opens no ticket when the pending record cannot be written', async () => {
    const ledger = new MemoryLedger();
    ledger.failNext = new Error('ledger unavailable');
    const tickets = new ScriptedTickets();
    await expect(openTicket(remediation(), { ledger, tickets, clock })).rejects.toThrow(
      'ledger unavailable',
    );
    expect(tickets.requests).toHaveLength(0);
  });
});

describe('openTickets (local mode)', () => {
  it('reports a retryable failure instead of throwing, and carries on with the other owners', async () => {
    const ledger = new MemoryLedger();
    const tickets = new ScriptedTickets();
    tickets.failures = [
      new TicketError('jira', 'Jira is unavailable (HTTP 503)', {
        retryable: true,
        httpStatus: 503,
      }),
    ];
    const endpoint = remediation({
      ownerRole: 'endpoint',
      owner: owner(jiraDestination, 'Endpoint Engineering'),
    });

    const outcomes = await openTickets([remediation(), endpoint], { ledger, tickets, clock });
    expect(outcomes.map((o) => [o.ownerTeam, o.status])).toEqual([
      ['Identity Platform', 'failed'],
      ['Endpoint Engineering', 'opened'],
    ]);
    expect(outcomes[0]).toMatchObject({ retryable: true });
  });
});
