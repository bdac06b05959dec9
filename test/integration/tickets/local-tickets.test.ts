import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TicketSystems } from '../../../shared/adapters/tickets/resolver.ts';
import {
  findConnection,
  NO_TICKET_CONNECTIONS,
  ticketConnectionsFromEnv,
} from '../../../shared/config/ticket-connections.ts';
import type { Finding } from '../../../shared/domain/accountability.ts';
import type { ResolvedOwners } from '../../../shared/domain/ownership.ts';
import { ticketScopes } from '../../../shared/domain/tickets/owners.ts';
import { openTickets, type RemediationRequest } from '../../../shared/use-cases/open-tickets.ts';
import { MemoryLedger } from '../../unit/tickets/memory-ledger.ts';
import {
  containment,
  detection,
  INCIDENT_ID,
  iamFindings,
} from '../../unit/tickets/ticket-requests.ts';
import { type HttpDouble, startDouble } from './http-double.ts';

const clock = { now: () => new Date('2026-03-17T09:45:00Z') };

let stateDir: string;
let double: HttpDouble | undefined;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'rr-local-'));
});
afterEach(async () => {
  await double?.close();
  double = undefined;
  await rm(stateDir, { recursive: true, force: true });
});

const owners: ResolvedOwners = {
  iam: {
    team: 'Identity Platform',
    ticket: { system: 'jira', project: 'IAM' },
    escalation: 'iam-oncall',
  },
  endpoint: {
    team: 'Endpoint Engineering',
    ticket: { system: 'servicenow', assignmentGroup: 'Endpoint Engineering' },
    escalation: 'eue-oncall',
  },
  application: { team: 'App Platform', ticket: { system: 'file' }, escalation: 'app-oncall' },
};

const endpointFinding: Finding = {
  controlId: 'endpoint.device-posture',
  ownerRole: 'endpoint',
  ownerTeam: 'Endpoint Engineering',
  status: 'failed',
  question: 'endpoint',
  reason: 'The session was used from an unmanaged device.',
  evidence: ['deviceManaged=false'],
  frameworks: ['NIST CSF 2.0 DE.CM-09'],
};

function remediationRequests(): RemediationRequest[] {
  const findings = [...iamFindings(), endpointFinding];
  return ticketScopes(findings, owners).map((scope) => ({
    incidentId: INCIDENT_ID,
    ownerRole: scope.ownerRole,
    owner: scope.owner,
    detection: detection('detection-aitm-admin.json'),
    findings: scope.findings,
    containment: containment(),
    mode: 'simulated',
  }));
}

describe('local mode tickets', () => {
  it('opens one file ticket per accountable owner, and none the second time', async () => {
    const ledger = new MemoryLedger();
    const tickets = new TicketSystems({ connections: NO_TICKET_CONNECTIONS, stateDir });

    const first = await openTickets(remediationRequests(), { ledger, tickets, clock });
    expect(first.map((o) => [o.ownerTeam, o.system, o.status])).toEqual([
      ['Identity Platform', 'file', 'opened'],
      ['Endpoint Engineering', 'file', 'opened'],
    ]);
    const files = await readdir(join(stateDir, 'tickets', INCIDENT_ID));
    expect(files).toHaveLength(2);
    const iamTicket = await readFile(
      join(stateDir, 'tickets', INCIDENT_ID, files.find((f) => f.startsWith('identity')) ?? ''),
      'utf8',
    );
    expect(iamTicket).toContain(
      'Stands in for Jira project IAM (not configured: written locally).',
    );
    expect(iamTicket).toContain('SIMULATED');

    const records = ledger.records.length;
    const second = await openTickets(remediationRequests(), { ledger, tickets, clock });
    expect(second.map((o) => o.status)).toEqual(['existing', 'existing']);
    expect(await readdir(join(stateDir, 'tickets', INCIDENT_ID))).toHaveLength(2);
    expect(ledger.records).toHaveLength(records);
  });

  it('uses the real adapter for a destination whose credentials are configured', async () => {
    double = await startDouble((request) =>
      request.path === '/rest/api/3/search/jql'
        ? { status: 200, body: { issues: [] } }
        : { status: 201, body: { id: '1', key: 'IAM-1' } },
    );
    const connections = ticketConnectionsFromEnv({
      RESPONDER_JIRA_DEFAULT_BASE_URL: double.url,
      RESPONDER_JIRA_DEFAULT_EMAIL: 'responder@halvorsenfreight.example',
      RESPONDER_JIRA_DEFAULT_API_TOKEN: 'token',
    });
    expect(findConnection(connections, 'jira')).toBeDefined();
    const tickets = new TicketSystems({ connections, stateDir });

    const outcomes = await openTickets(remediationRequests(), {
      ledger: new MemoryLedger(),
      tickets,
      clock,
    });
    expect(outcomes.map((o) => [o.ownerTeam, o.system, o.status])).toEqual([
      ['Identity Platform', 'jira', 'opened'],
      ['Endpoint Engineering', 'file', 'opened'],
    ]);
    expect(double.requests.map((r) => r.path)).toEqual([
      '/rest/api/3/search/jql',
      '/rest/api/3/issue',
    ]);
  });

  it('without a state folder (AWS), fails an unconfigured destination clearly and records why', async () => {
    const ledger = new MemoryLedger();
    const tickets = new TicketSystems({ connections: NO_TICKET_CONNECTIONS });
    const outcomes = await openTickets(remediationRequests(), { ledger, tickets, clock });
    expect(outcomes[0]).toMatchObject({
      system: 'jira',
      status: 'failed',
      retryable: false,
      reason: "no Jira connection 'default' is configured: no ticket was opened",
    });
    expect(ledger.records.filter((r) => r.kind === 'ticket.failed')).toHaveLength(2);
  });
});
