import { afterEach, describe, expect, it } from 'vitest';
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../../../shared/adapters/tickets/webhook/signature.ts';
import { WebhookTicketSystem } from '../../../shared/adapters/tickets/webhook/webhook-ticket-system.ts';
import { dedupeTag } from '../../../shared/domain/tickets/dedupe.ts';
import { TicketError } from '../../../shared/ports/tickets.ts';
import {
  detection,
  INCIDENT_ID,
  owner,
  ticketRequest,
} from '../../unit/tickets/ticket-requests.ts';
import {
  type HttpDouble,
  nth,
  type RecordedRequest,
  type Reply,
  recordingSleep,
  sequence,
  startDouble,
} from './http-double.ts';

const SECRET = 'whsec-0123456789abcdef-never-shown';
const HOOK_PATH = '/services/T000/B000/XXXXsecretpath';

let double: HttpDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

async function webhook(answer: () => Reply) {
  double = await startDouble(answer);
  const naps = recordingSleep();
  let clock = Date.parse('2026-03-17T09:45:00Z');
  const system = new WebhookTicketSystem({
    connection: { name: 'CHAT', secret: SECRET },
    http: { sleep: naps.sleep, random: () => 0, timeoutMs: 200, retries: 2 },
    // Each signature reads the clock; advance it so retries show a fresh timestamp.
    now: () => {
      clock += 10_000;
      return new Date(clock);
    },
  });
  const hook = owner(
    { system: 'webhook', url: `${double.url}${HOOK_PATH}` },
    'Endpoint Engineering',
  );
  return { system, double, naps, hook };
}

function verify(request: RecordedRequest, now: Date) {
  return verifyWebhookSignature({
    secret: SECRET,
    timestamp: request.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined,
    signature: request.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined,
    body: request.body,
    now,
  });
}

describe('webhook adapter', () => {
  it('posts the JSON ticket signed over timestamp and body, with an idempotency key', async () => {
    const { system, double, hook } = await webhook(() => ({
      status: 201,
      body: { id: 'CHAT-7', url: 'https://chat.example/t/7' },
    }));
    const opened = await system.open(ticketRequest({ owner: hook, ownerRole: 'endpoint' }));

    expect(opened).toEqual({
      system: 'webhook',
      ticketId: 'CHAT-7',
      url: 'https://chat.example/t/7',
      created: true,
    });
    const request = nth(double.requests, 0);
    expect(request.method).toBe('POST');
    expect(request.path).toBe(HOOK_PATH);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers[IDEMPOTENCY_HEADER.toLowerCase()]).toBe(
      dedupeTag(`${INCIDENT_ID}:Endpoint Engineering`),
    );
    expect(request.headers[SIGNATURE_HEADER.toLowerCase()]).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(verify(request, new Date('2026-03-17T09:45:30Z'))).toEqual({ ok: true });
    expect(request.json()).toMatchObject({
      schemaVersion: '1',
      kind: 'remediation-ticket',
      incidentId: INCIDENT_ID,
      dedupeKey: `${INCIDENT_ID}:Endpoint Engineering`,
      ownerRole: 'endpoint',
      ownerTeam: 'Endpoint Engineering',
      severity: 'critical',
      dueDate: '2026-03-18T09:42:11.000Z',
      mode: 'live',
    });
  });

  it('signs so that a receiver rejects a replay five minutes later', async () => {
    const { system, double, hook } = await webhook(() => ({ status: 202 }));
    await system.open(ticketRequest({ owner: hook }));
    expect(verify(nth(double.requests, 0), new Date('2026-03-17T09:55:10Z'))).toMatchObject({
      ok: false,
    });
  });

  it('treats 409 from the receiver as the ticket already open', async () => {
    const { system, naps, hook } = await webhook(() => ({ status: 409 }));
    const opened = await system.open(ticketRequest({ owner: hook }));
    expect(opened).toMatchObject({ created: false });
    expect(naps.delays).toEqual([]);
  });

  it('reports the receiver’s own "created": false', async () => {
    const { system, hook } = await webhook(() => ({
      status: 200,
      body: { ticketId: 'T-1', created: false },
    }));
    expect(await system.open(ticketRequest({ owner: hook }))).toMatchObject({
      ticketId: 'T-1',
      created: false,
    });
  });

  it('retries a 5xx with the same idempotency key and a freshly signed timestamp', async () => {
    const { system, double, hook } = await webhook(sequence({ status: 500 }, { status: 204 }));
    await system.open(ticketRequest({ owner: hook }));
    const [first, second] = double.requests;
    expect(first && second).toBeTruthy();
    expect(first?.headers['idempotency-key']).toBe(second?.headers['idempotency-key']);
    expect(first?.headers['x-responder-timestamp']).not.toBe(
      second?.headers['x-responder-timestamp'],
    );
    expect(first?.body).toBe(second?.body);
  });

  it('retries 429 honouring Retry-After', async () => {
    const { system, naps, hook } = await webhook(
      sequence({ status: 429, headers: { 'Retry-After': '3' } }, { status: 200 }),
    );
    await system.open(ticketRequest({ owner: hook }));
    expect(naps.delays).toEqual([3000]);
  });

  it('does not retry 401, and names only the host, never the secret path or key', async () => {
    const { system, double, hook } = await webhook(() => ({ status: 401 }));
    const error = await system.open(ticketRequest({ owner: hook })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TicketError);
    expect(error).toMatchObject({ retryable: false, httpStatus: 401 });
    expect((error as Error).message).toContain(`webhook at ${new URL(double.url).host}`);
    expect(JSON.stringify(error) + String(error)).not.toMatch(/XXXXsecretpath|whsec-/);
    expect(double.requests).toHaveLength(1);
  });

  it('gives up on a receiver that keeps timing out, with a retryable error', async () => {
    const { system, double, hook } = await webhook(() => ({ status: 0, hang: true }));
    const error = await system.open(ticketRequest({ owner: hook })).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true });
    expect(double.requests).toHaveLength(3);
  });

  it('escapes hostile detection text for chat and defangs it in the structured document', async () => {
    const { system, double, hook } = await webhook(() => ({ status: 200 }));
    await system.open(
      ticketRequest({ owner: hook, detection: detection('detection-hostile.json') }),
    );
    const body = nth(double.requests, 0).json() as {
      title: string;
      text: string;
      document: unknown;
    };
    expect(`${body.title}\n${body.text}`).not.toMatch(
      /<!here>|<@U123>|<script|@here|https:\/\/evil/,
    );
    expect(JSON.stringify(body.document)).not.toMatch(/@here|https:\/\/evil/);
  });
});
