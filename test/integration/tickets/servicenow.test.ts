import { afterEach, describe, expect, it } from 'vitest';
import {
  ServiceNowTicketSystem,
  serviceNowCorrelationId,
} from '../../../shared/adapters/tickets/servicenow/servicenow-ticket-system.ts';
import type { ServiceNowConnection } from '../../../shared/config/ticket-connections.ts';
import { dedupeTag } from '../../../shared/domain/tickets/dedupe.ts';
import { TicketError } from '../../../shared/ports/tickets.ts';
import {
  detection,
  INCIDENT_ID,
  invisibles,
  oversizedDetection,
  owner,
  ticketRequest,
  worstCaseRequest,
} from '../../unit/tickets/ticket-requests.ts';
import {
  type HttpDouble,
  nth,
  type Reply,
  recordingSleep,
  sequence,
  startDouble,
} from './http-double.ts';

const PASSWORD = 'sn-password-never-shown';
const BEARER = 'sn-oauth-access-token-never-shown';
const SYS_ID = '9d385017c611228701d22104cc95c371';

const snOwner = (table?: 'incident' | 'sn_si_incident') =>
  owner({
    system: 'servicenow',
    assignmentGroup: '287ebd7da9fe198100f92cc8d1d2154e',
    ...(table ? { table } : {}),
  });

let double: HttpDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

const none = (): Reply => ({ status: 200, body: { result: [] } });
const inserted = (): Reply => ({
  status: 201,
  body: { result: { sys_id: SYS_ID, number: 'INC0010042', correlation_id: 'x' } },
  headers: { Location: `https://h.service-now.com/api/now/table/incident/${SYS_ID}` },
});

async function serviceNow(
  lookup: () => Reply,
  insert: () => Reply = inserted,
  auth: ServiceNowConnection['auth'] = {
    kind: 'basic',
    username: 'svc.responder',
    password: PASSWORD,
  },
) {
  double = await startDouble((request) => (request.method === 'GET' ? lookup() : insert()));
  const naps = recordingSleep();
  const system = new ServiceNowTicketSystem({
    connection: { name: 'DEFAULT', instanceUrl: double.url, auth },
    http: { sleep: naps.sleep, random: () => 0, timeoutMs: 200, retries: 2 },
  });
  return { system, double, naps };
}

function expectNoSecret(error: unknown) {
  const text = `${String(error)} ${JSON.stringify(error)}`;
  expect(text).not.toContain(PASSWORD);
  expect(text).not.toContain(BEARER);
  expect(text).not.toContain(Buffer.from(`svc.responder:${PASSWORD}`).toString('base64'));
}

describe('ServiceNow adapter', () => {
  it('looks up correlation_id, then inserts the incident with the documented fields', async () => {
    const { system, double } = await serviceNow(none);
    const opened = await system.open(ticketRequest({ owner: snOwner() }));

    expect(opened).toEqual({
      system: 'servicenow',
      ticketId: 'INC0010042',
      url: `${double.url}/incident.do?sys_id=${SYS_ID}`,
      created: true,
    });
    const lookup = nth(double.requests, 0);
    expect(lookup.method).toBe('GET');
    expect(lookup.path).toBe('/api/now/table/incident');
    expect(lookup.query.get('sysparm_query')).toBe(
      `correlation_id=${INCIDENT_ID}:Identity Platform`,
    );
    expect(lookup.query.get('sysparm_limit')).toBe('1');
    const basic = Buffer.from(`svc.responder:${PASSWORD}`).toString('base64');
    for (const request of double.requests) {
      expect(request.headers.authorization).toBe(`Basic ${basic}`);
      expect(request.headers.accept).toBe('application/json');
    }
    const insert = nth(double.requests, 1);
    expect(insert.method).toBe('POST');
    expect(insert.path).toBe('/api/now/table/incident');
    expect(insert.headers['content-type']).toBe('application/json');
    const record = insert.json() as Record<string, string>;
    expect(record).toMatchObject({
      short_description:
        'Session compromise of Maria Keller: failed iam.phishing-resistant-mfa, iam.token-binding',
      assignment_group: '287ebd7da9fe198100f92cc8d1d2154e',
      impact: '1',
      urgency: '1',
      correlation_id: `${INCIDENT_ID}:Identity Platform`,
      correlation_display: 'revocation-responder',
    });
    expect(record.description).toContain('FAILED CONTROLS: ACTION REQUIRED BY IDENTITY PLATFORM');
    expect(record.work_notes).toContain(`responder ledger query --incident ${INCIDENT_ID}`);
  });

  it('looks up an assignment group given by name and uses its sys_id', async () => {
    double = await startDouble((request) => {
      if (request.path === '/api/now/table/sys_user_group') {
        return { status: 200, body: { result: [{ sys_id: 'a715cd759f2002002920bde8132e7018' }] } };
      }
      return request.method === 'GET' ? none() : inserted();
    });
    const system = new ServiceNowTicketSystem({
      connection: {
        name: 'DEFAULT',
        instanceUrl: double.url,
        auth: { kind: 'bearer', token: BEARER },
      },
    });
    const named = owner({ system: 'servicenow', assignmentGroup: 'Identity Platform' });
    await system.open(ticketRequest({ owner: named }));
    await system.open(
      ticketRequest({
        owner: named,
        incidentId: 'inc-other',
        dedupeKey: 'inc-other:Identity Platform',
      }),
    );

    const lookups = double.requests.filter((r) => r.path === '/api/now/table/sys_user_group');
    expect(lookups).toHaveLength(1);
    expect(nth(lookups, 0).query.get('sysparm_query')).toBe('name=Identity Platform');
    const insert = double.requests.filter((r) => r.method === 'POST');
    expect(nth(insert, 0).json()).toMatchObject({
      assignment_group: 'a715cd759f2002002920bde8132e7018',
    });
  });

  it('refuses, without retrying, an assignment group ServiceNow does not know', async () => {
    double = await startDouble((request) =>
      request.path === '/api/now/table/sys_user_group'
        ? { status: 200, body: { result: [] } }
        : none(),
    );
    const system = new ServiceNowTicketSystem({
      connection: {
        name: 'DEFAULT',
        instanceUrl: double.url,
        auth: { kind: 'bearer', token: BEARER },
      },
    });
    const error = await system
      .open(ticketRequest({ owner: owner({ system: 'servicenow', assignmentGroup: 'Nobody' }) }))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      retryable: false,
      message: 'ServiceNow has no assignment group named Nobody: fix the ownership map',
    });
    expect(double.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it('writes to the security incident table when the map says so', async () => {
    const { system, double } = await serviceNow(none);
    const opened = await system.open(ticketRequest({ owner: snOwner('sn_si_incident') }));
    expect(double.requests.map((r) => r.path)).toEqual([
      '/api/now/table/sn_si_incident',
      '/api/now/table/sn_si_incident',
    ]);
    expect(opened.url).toContain('/sn_si_incident.do?sys_id=');
  });

  it('uses bearer auth when the connection has a token', async () => {
    const { system, double } = await serviceNow(none, inserted, { kind: 'bearer', token: BEARER });
    await system.open(ticketRequest({ owner: snOwner() }));
    expect(nth(double.requests, 0).headers.authorization).toBe(`Bearer ${BEARER}`);
  });

  it('finds the record by correlation_id and inserts no second one', async () => {
    const { system, double } = await serviceNow(() => ({
      status: 200,
      body: { result: [{ sys_id: SYS_ID, number: 'INC0010042' }] },
    }));
    const opened = await system.open(ticketRequest({ owner: snOwner() }));
    expect(opened).toMatchObject({ ticketId: 'INC0010042', created: false });
    expect(double.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
  });

  it.each([
    ['low', '3', '3'],
    ['medium', '2', '2'],
    ['high', '2', '1'],
  ] as const)('sets impact and urgency for %s severity', async (severity, impact, urgency) => {
    const { system, double } = await serviceNow(none);
    const base = detection('detection-aitm-admin.json');
    await system.open(ticketRequest({ owner: snOwner(), detection: { ...base, severity } }));
    expect(nth(double.requests, 1).json()).toMatchObject({ impact, urgency });
  });

  it.each([401, 403])(
    'does not retry a %i, and the error carries no credential',
    async (status) => {
      const { system, double, naps } = await serviceNow(() => ({
        status,
        body: {
          error: {
            message: 'User Not Authenticated',
            detail: 'Required to provide Auth information',
          },
          status: 'failure',
        },
      }));
      const error = await system.open(ticketRequest({ owner: snOwner() })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TicketError);
      expect(error).toMatchObject({ system: 'servicenow', retryable: false, httpStatus: status });
      expect((error as Error).message).toContain('User Not Authenticated');
      expect(double.requests).toHaveLength(1);
      expect(naps.delays).toEqual([]);
      expectNoSecret(error);
    },
  );

  it('retries 429 with Retry-After and 5xx, then succeeds', async () => {
    const { system, double, naps } = await serviceNow(
      sequence({ status: 429, headers: { 'Retry-After': '1' } }, { status: 500 }, none()),
    );
    const opened = await system.open(ticketRequest({ owner: snOwner() }));
    expect(opened.created).toBe(true);
    expect(naps.delays).toEqual([1000, 0]);
    expect(double.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET', 'POST']);
  });

  it('gives up on a ServiceNow that keeps failing with a retryable error', async () => {
    const { system, double } = await serviceNow(() => ({ status: 503 }));
    const error = await system.open(ticketRequest({ owner: snOwner() })).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, httpStatus: 503 });
    expect(double.requests).toHaveLength(3);
  });

  it('times out and retries a silent instance', async () => {
    const { system } = await serviceNow(sequence({ status: 0, hang: true }, none()));
    expect((await system.open(ticketRequest({ owner: snOwner() }))).created).toBe(true);
  });

  it('HTML-escapes hostile detection text in every field it writes', async () => {
    const { system, double } = await serviceNow(none);
    await system.open(
      ticketRequest({ owner: snOwner(), detection: detection('detection-hostile.json') }),
    );
    const record = nth(double.requests, 1).json() as Record<string, string>;
    for (const field of ['short_description', 'description', 'work_notes']) {
      const text = record[field] ?? '';
      expect(text).not.toMatch(/<script|<img|<!here|\[code\]|https?:\/\/evil|@here/i);
      expect(invisibles(text)).toEqual([]);
    }
    expect(record.description).toContain('&lt;script&gt;');
  });

  it('keeps oversized content within the field limits, saying it was cut', async () => {
    const { system, double } = await serviceNow(none);
    await system.open(ticketRequest({ owner: snOwner(), detection: oversizedDetection() }));
    const record = nth(double.requests, 1).json() as Record<string, string>;
    expect(Array.from(record.short_description ?? '').length).toBeLessThanOrEqual(160);
    expect(Array.from(record.description ?? '').length).toBeLessThanOrEqual(4000);
    expect(record.description).toContain('[truncated: ');
  });

  it('shortens the biggest possible ticket to the description limit by whole sections', async () => {
    const { system, double } = await serviceNow(none);
    await system.open({ ...worstCaseRequest(), owner: snOwner() });
    const { description = '' } = nth(double.requests, 1).json() as Record<string, string>;
    expect(Array.from(description).length).toBeLessThanOrEqual(4000);
    expect(description).toContain("cut to fit ServiceNow's size limit");
    expect(description).toContain('LINK BACK');
  });

  it('as a last resort cuts the text itself, pointing to the ledger', async () => {
    double = await startDouble((request) => (request.method === 'GET' ? none() : inserted()));
    const system = new ServiceNowTicketSystem({
      connection: {
        name: 'DEFAULT',
        instanceUrl: double.url,
        auth: { kind: 'bearer', token: BEARER },
      },
      descriptionLimit: 1000,
    });
    await system.open(ticketRequest({ owner: snOwner() }));
    const { description = '' } = nth(double.requests, 1).json() as Record<string, string>;
    expect(Array.from(description).length).toBe(1000);
    expect(description).toMatch(
      /\[truncated to fit the description field: run responder ledger query --incident inc-\w+ for the rest\]$/,
    );
  });

  it('hashes a dedupe key that would not fit correlation_id or would break the query', () => {
    expect(serviceNowCorrelationId('inc-1:Identity')).toBe('inc-1:Identity');
    expect(serviceNowCorrelationId('inc-1:a^ORactive=true')).toBe(
      dedupeTag('inc-1:a^ORactive=true'),
    );
    const long = `inc-1:${'t'.repeat(100)}`;
    expect(serviceNowCorrelationId(long)).toBe(dedupeTag(long));
  });
});
