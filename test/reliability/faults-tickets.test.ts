import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketSystems } from '../../shared/adapters/tickets/resolver.ts';
import { ticketConnectionsFromEnv } from '../../shared/config/ticket-connections.ts';
import type { Detection } from '../../shared/domain/detection.ts';
import { type OwnershipMap, parseOwnershipMap } from '../../shared/domain/ownership.ts';
import {
  parseRemediationRequest,
  type RemediationRequest,
} from '../../shared/domain/tickets/remediation-request.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { TicketError } from '../../shared/ports/tickets.ts';
import {
  type OpenTicketsDeps,
  openTicket,
  type TicketOutcome,
} from '../../shared/use-cases/open-tickets.ts';
import { verifyLedger } from '../../shared/use-cases/verify-ledger.ts';
import { MAX_RECEIVE_COUNT, type Pipeline, startPipeline, throughQueue } from './pipeline.ts';
import { expectOneRecordPerStep, incidentRecords, readJson } from './support.ts';
import { startJiraDouble, startWebhookDouble, type TicketDouble } from './ticket-doubles.ts';

/**
 * The ticket systems down for the whole run, then back. Containment never waits for them; every
 * ticket fails retryably until it dead-letters, with its state in the ledger; after the redrive
 * each owner has exactly one ticket, even when a create's answer was lost on the way back.
 */

let pipeline: Pipeline;
let jira: TicketDouble;
let webhook: TicketDouble;
let ticketDeps: OpenTicketsDeps;
let ownership: OwnershipMap;

const EXAMPLES = [
  'aitm-phished-admin',
  'infostealer-managed-device',
  'app-admin-without-step-up',
  'partner-session',
  'workload-credential-exposed',
];

beforeAll(async () => {
  pipeline = await startPipeline();
  jira = await startJiraDouble();
  webhook = await startWebhookDouble();
  const owner = (team: string, ticket: object) => ({ team, ticket, escalation: `${team}@x` });
  const parsed = parseOwnershipMap({
    version: 1,
    defaults: {
      iam: owner('Identity Platform', { system: 'jira', project: 'SEC' }),
      endpoint: owner('Endpoint Engineering', {
        system: 'webhook',
        url: `${webhook.url}/hooks/eue`,
      }),
      application: owner('Application Security', { system: 'jira', project: 'APP' }),
    },
    unknownPartner: owner('Third-Party Risk', { system: 'webhook', url: `${webhook.url}/tprm` }),
  });
  if (!parsed.ok) throw parsed.error;
  ownership = parsed.value;
  const connections = ticketConnectionsFromEnv({
    RESPONDER_JIRA_DEFAULT_BASE_URL: jira.url,
    RESPONDER_JIRA_DEFAULT_EMAIL: 'responder@halvorsenfreight.example',
    RESPONDER_JIRA_DEFAULT_API_TOKEN: 'jira-token-for-the-ticket-fault-test',
    RESPONDER_WEBHOOK_DEFAULT_SECRET: 'webhook-secret-for-the-ticket-fault-test',
  });
  ticketDeps = {
    ledger: pipeline.ledger,
    // No state folder: as in AWS, a ticket that cannot be opened fails, it is not written locally.
    tickets: new TicketSystems({
      connections,
      http: { retries: 2, timeoutMs: 2_000, sleep: async () => {} },
    }),
    clock: systemClock,
  };
});

afterAll(async () => {
  await jira?.close();
  await webhook?.close();
  await pipeline?.close();
});

type TicketQueueOutcome =
  | { kind: 'processed'; outcome: TicketOutcome }
  | { kind: 'deadLettered'; receives: number; error: unknown };

/** The ticket queue: a receive that throws is redelivered, then dead-lettered. */
async function throughTicketQueue(request: RemediationRequest): Promise<TicketQueueOutcome> {
  let error: unknown;
  for (let receive = 1; receive <= MAX_RECEIVE_COUNT; receive++) {
    try {
      return { kind: 'processed', outcome: await openTicket(request, ticketDeps) };
    } catch (thrown) {
      error = thrown;
    }
  }
  return { kind: 'deadLettered', receives: MAX_RECEIVE_COUNT, error };
}

/** The bus's `Remediation Requested` events, as the ticket worker parses them off its queue. */
function remediationRequests(): RemediationRequest[] {
  return pipeline.bus.events
    .filter((event) => event.detailType === 'Remediation Requested')
    .map((event) => {
      const parsed = parseRemediationRequest(JSON.parse(JSON.stringify(event.detail)));
      if (!parsed.ok) throw parsed.error;
      return parsed.value;
    });
}

const keyOf = (request: RemediationRequest) => `${request.incidentId}|${request.owner.team}`;

describe('ticket systems down for the whole run, then back', () => {
  const deadLetters: RemediationRequest[] = [];

  it('contains every detection while the ticket systems are down, without calling them', async () => {
    jira.state = 'down';
    webhook.state = 'down';
    for (const name of EXAMPLES) {
      const detection = readJson(`examples/${name}.json`) as Detection;
      const outcome = await throughQueue(detection, pipeline.deps({ ownership }));
      expect(outcome.kind).toBe('processed');
    }
    expect([...jira.statuses, ...webhook.statuses]).toEqual([]);
    const requests = remediationRequests();
    expect(requests.length).toBeGreaterThanOrEqual(EXAMPLES.length);
    const systems = new Set(requests.map((r) => r.owner.ticket.system));
    expect([...systems].sort()).toEqual(['jira', 'webhook']);
  });

  it('fails every ticket retryably until it dead-letters, recording each failure once', async () => {
    for (const request of remediationRequests()) {
      const outcome = await throughTicketQueue(request);
      if (outcome.kind !== 'deadLettered') throw new Error(`${keyOf(request)} was not refused`);
      expect(outcome.error).toBeInstanceOf(TicketError);
      expect((outcome.error as TicketError).retryable).toBe(true);
      deadLetters.push(request);
    }
    expect(jira.created.size + webhook.created.size).toBe(0);
    expect(jira.statuses.every((s) => s === 503)).toBe(true);

    for (const request of deadLetters) {
      const records = await incidentRecords(pipeline.ledger, request.incidentId);
      expectOneRecordPerStep(records);
      const mine = records.filter((r) => r.ownerTeam === request.owner.team);
      expect(mine.filter((r) => r.kind.startsWith('ticket.')).map((r) => r.stepKey)).toEqual([
        `ticket.pending:${request.owner.team}`,
        `ticket.failed:${request.owner.team}:retryable`,
      ]);
      const failed = mine.find((r) => r.kind === 'ticket.failed');
      expect(failed?.data).toMatchObject({ retryable: true, httpStatus: 503 });
    }
  });

  it('opens exactly one ticket per owner when the systems are back and the queue is redriven', async () => {
    // Back, but the first creates' answers are lost: the ticket exists, the responder saw a 503.
    jira.state = 'losesCreateAnswer';
    webhook.state = 'losesCreateAnswer';
    const first = deadLetters.slice(0, 3);
    for (const request of first) {
      const outcome = await throughTicketQueue(request);
      expect(outcome).toMatchObject({ kind: 'processed', outcome: { status: 'existing' } });
    }
    jira.state = 'up';
    webhook.state = 'up';
    const outcomes = await Promise.all(deadLetters.slice(3).map(throughTicketQueue));
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ kind: 'processed', outcome: { status: 'opened' } });
    }

    const expected = deadLetters.map(keyOf).sort();
    const jiraCount = deadLetters.filter((r) => r.owner.ticket.system === 'jira').length;
    expect(jira.created.size).toBe(jiraCount);
    expect(webhook.created.size).toBe(deadLetters.length - jiraCount);
    expect(new Set(expected).size).toBe(expected.length);
  });

  it('changes nothing when the redrive is repeated', async () => {
    const before = { jira: jira.created.size, webhook: webhook.created.size };
    for (const request of deadLetters) {
      const outcome = await throughTicketQueue(request);
      expect(outcome).toMatchObject({ kind: 'processed', outcome: { status: 'existing' } });
    }
    expect({ jira: jira.created.size, webhook: webhook.created.size }).toEqual(before);
  });

  it('records one opened ticket per owner, and the ledger stays intact', async () => {
    for (const request of deadLetters) {
      const records = await incidentRecords(pipeline.ledger, request.incidentId);
      expectOneRecordPerStep(records);
      const opened = records.filter(
        (r) => r.kind === 'ticket.opened' && r.ownerTeam === request.owner.team,
      );
      expect(opened).toHaveLength(1);
    }
    expect((await verifyLedger(pipeline.ledger)).intact).toBe(true);
  });
});
