import { afterEach, describe, expect, it } from 'vitest';
import { JiraTicketSystem } from '../../../shared/adapters/tickets/jira/jira-ticket-system.ts';
import type { JiraConnection } from '../../../shared/config/ticket-connections.ts';
import { dedupeTag } from '../../../shared/domain/tickets/dedupe.ts';
import { TicketError } from '../../../shared/ports/tickets.ts';
import {
  detection,
  INCIDENT_ID,
  oversizedDetection,
  owner,
  ticketRequest,
  worstCaseRequest,
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

const TOKEN = 'ATATT3xFfGF0-secret-jira-api-token';
const EMAIL = 'responder@halvorsenfreight.example';
const BASIC = Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64');

const jiraOwner = owner({
  system: 'jira',
  project: 'IAM',
  issueType: 'Security Task',
  assigneeAccountId: '5b10ac8d82e05b22cc7d4ef5',
  component: 'Identity',
  labels: ['session theft'],
});

let double: HttpDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

/** A Jira double: search answers from `search`, create from `create`. */
async function jira(search: () => Reply, create: () => Reply = () => created()) {
  double = await startDouble((request) =>
    request.path === '/rest/api/3/search/jql' ? search() : create(),
  );
  const naps = recordingSleep();
  const connection: JiraConnection = {
    name: 'DEFAULT',
    baseUrl: `${double.url}/`,
    email: EMAIL,
    apiToken: TOKEN,
  };
  const system = new JiraTicketSystem({
    connection,
    http: { sleep: naps.sleep, random: () => 0.5, timeoutMs: 200, retries: 2 },
  });
  return { system, double, naps };
}

const noIssues = (): Reply => ({ status: 200, body: { issues: [], isLast: true } });
const created = (): Reply => ({
  status: 201,
  body: {
    id: '10042',
    key: 'IAM-42',
    self: 'https://halvorsen.atlassian.net/rest/api/3/issue/10042',
  },
});

function creates(requests: RecordedRequest[]) {
  return requests.filter((r) => r.path === '/rest/api/3/issue');
}

function expectNoSecret(error: unknown) {
  const text = `${String(error)} ${JSON.stringify(error)} ${String((error as Error).cause ?? '')}`;
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(BASIC);
}

describe('Jira Cloud adapter', () => {
  it('searches by the dedupe label with the enhanced JQL search, then creates the issue', async () => {
    const { system, double } = await jira(noIssues);
    const opened = await system.open(ticketRequest({ owner: jiraOwner }));

    expect(opened).toEqual({
      system: 'jira',
      ticketId: 'IAM-42',
      url: `${double.url}/browse/IAM-42`,
      created: true,
    });
    const [search, create] = double.requests;
    expect(search?.method).toBe('POST');
    expect(search?.path).toBe('/rest/api/3/search/jql');
    expect(search?.json()).toEqual({
      jql: `project = "IAM" AND labels = "${dedupeTag(`${INCIDENT_ID}:Identity Platform`)}"`,
      fields: ['summary'],
      maxResults: 1,
    });
    for (const request of double.requests) {
      expect(request.headers.authorization).toBe(`Basic ${BASIC}`);
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers.accept).toBe('application/json');
    }
    expect(create?.method).toBe('POST');
    const { fields } = nth(double.requests, 1).json() as { fields: Record<string, unknown> };
    expect(fields).toMatchObject({
      project: { key: 'IAM' },
      issuetype: { name: 'Security Task' },
      summary:
        'Session compromise of Maria Keller: failed iam.phishing-resistant-mfa, iam.token-binding',
      priority: { name: 'Highest' },
      labels: [
        'revocation-responder',
        dedupeTag(`${INCIDENT_ID}:Identity Platform`),
        'session-theft',
      ],
      assignee: { accountId: '5b10ac8d82e05b22cc7d4ef5' },
      components: [{ name: 'Identity' }],
      duedate: '2026-03-18',
      description: { type: 'doc', version: 1 },
    });
  });

  it('maps severity to Jira priority names', async () => {
    const { system, double } = await jira(noIssues);
    const base = detection('detection-aitm-admin.json');
    await system.open(
      ticketRequest({ owner: jiraOwner, detection: { ...base, severity: 'medium' } }),
    );
    const { fields } = nth(creates(double.requests), 0).json() as { fields: { priority: unknown } };
    expect(fields.priority).toEqual({ name: 'Medium' });
  });

  it('finds the existing issue and creates no second one', async () => {
    const { system, double } = await jira(() => ({
      status: 200,
      body: { issues: [{ id: '10042', key: 'IAM-42' }], isLast: true },
    }));
    const opened = await system.open(ticketRequest({ owner: jiraOwner }));
    expect(opened).toMatchObject({ ticketId: 'IAM-42', created: false });
    expect(creates(double.requests)).toHaveLength(0);
  });

  it.each([401, 403])('does not retry a %i and says why without the token', async (status) => {
    const { system, double, naps } = await jira(() => ({
      status,
      body: {
        errorMessages: ['You do not have permission to create issues in this project.'],
        errors: {},
      },
    }));
    const error = await system.open(ticketRequest({ owner: jiraOwner })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TicketError);
    expect(error).toMatchObject({ system: 'jira', retryable: false, httpStatus: status });
    expect((error as Error).message).toMatch(
      status === 401 ? /rejected the credentials/ : /lacks permission/,
    );
    expect(double.requests).toHaveLength(1);
    expect(naps.delays).toEqual([]);
    expectNoSecret(error);
  });

  it('scrubs the token even when Jira echoes it back', async () => {
    const { system } = await jira(() => ({
      status: 400,
      body: { errorMessages: [`bad token ${TOKEN}`] },
    }));
    const error = await system.open(ticketRequest({ owner: jiraOwner })).catch((e: unknown) => e);
    expect((error as Error).message).toContain('bad token [redacted]');
    expectNoSecret(error);
  });

  it('honours Retry-After on 429, then succeeds', async () => {
    const { system, double, naps } = await jira(
      sequence(
        { status: 429, headers: { 'Retry-After': '2' }, body: { errorMessages: ['Rate limited'] } },
        noIssues(),
      ),
    );
    const opened = await system.open(ticketRequest({ owner: jiraOwner }));
    expect(opened.created).toBe(true);
    expect(naps.delays).toEqual([2000]);
    expect(double.requests.map((r) => r.path)).toEqual([
      '/rest/api/3/search/jql',
      '/rest/api/3/search/jql',
      '/rest/api/3/issue',
    ]);
  });

  it('retries a 5xx on create by searching again, so a lost answer never makes a duplicate', async () => {
    let searches = 0;
    const { system, double } = await jira(
      () => {
        searches++;
        return searches === 1
          ? noIssues()
          : { status: 200, body: { issues: [{ id: '10042', key: 'IAM-42' }] } };
      },
      () => ({ status: 502 }),
    );
    const opened = await system.open(ticketRequest({ owner: jiraOwner }));
    expect(opened).toMatchObject({ ticketId: 'IAM-42', created: false });
    expect(creates(double.requests)).toHaveLength(1);
  });

  it('gives up after the bounded retries with a retryable error for the queue', async () => {
    const { system, double, naps } = await jira(() => ({ status: 503 }));
    const error = await system.open(ticketRequest({ owner: jiraOwner })).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, httpStatus: 503 });
    expect((error as Error).message).toMatch(/gave up after 3 attempts; the queue retries later/);
    expect(double.requests).toHaveLength(3);
    // Full jitter at random()=0.5 under a 500 ms base doubling each time.
    expect(naps.delays).toEqual([250, 500]);
  });

  it('leaves a Retry-After beyond the cap to the queue', async () => {
    const { system, double } = await jira(() => ({
      status: 429,
      headers: { 'Retry-After': '3600' },
    }));
    const error = await system.open(ticketRequest({ owner: jiraOwner })).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, httpStatus: 429 });
    expect((error as Error).message).toContain('asked to wait 3600 s');
    expect(double.requests).toHaveLength(1);
  });

  it('stops retrying when another attempt would overrun its time budget', async () => {
    double = await startDouble(() => ({ status: 503 }));
    let clock = 0;
    const naps = recordingSleep();
    const system = new JiraTicketSystem({
      connection: { name: 'DEFAULT', baseUrl: double.url, email: EMAIL, apiToken: TOKEN },
      http: {
        sleep: async (ms) => {
          clock += ms;
          await naps.sleep(ms);
        },
        random: () => 1,
        now: () => clock,
        timeoutMs: 1000,
        deadlineMs: 3000,
        retries: 10,
      },
    });
    const error = await system.open(ticketRequest({ owner: jiraOwner })).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true, httpStatus: 503 });
    expect((error as Error).message).toContain('out of time after 3 attempt(s)');
    expect(naps.delays).toEqual([500, 1000]);
  });

  it('times out a silent server and retries', async () => {
    const { system, double } = await jira(sequence({ status: 0, hang: true }, noIssues()));
    const opened = await system.open(ticketRequest({ owner: jiraOwner }));
    expect(opened.created).toBe(true);
    expect(double.requests.filter((r) => r.path === '/rest/api/3/search/jql')).toHaveLength(2);
  });

  it('reports a server that never answers as retryable, naming the timeout', async () => {
    const { system } = await jira(() => ({ status: 0, hang: true }));
    const error = await system.open(ticketRequest({ owner: jiraOwner })).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain('did not answer within 200 ms');
  });

  it('reports an unreachable Jira as retryable', async () => {
    const { system, double } = await jira(noIssues);
    await double.close();
    const error = await system.open(ticketRequest({ owner: jiraOwner })).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toMatch(/could not be reached .*ECONNREFUSED/);
    expectNoSecret(error);
  });

  it('sends hostile detection text as plain, defanged ADF text', async () => {
    const { system, double } = await jira(noIssues);
    await system.open(
      ticketRequest({ owner: jiraOwner, detection: detection('detection-hostile.json') }),
    );
    const body = creates(double.requests)[0]?.body ?? '';
    expect(body).not.toMatch(/"type":"(mention|inlineCard)"|"type":"link"/);
    expect(body).not.toMatch(/https:\/\/evil|@here|\[~accountid/);
    const { fields } = JSON.parse(body) as { fields: { summary: string } };
    expect(fields.summary).toContain("<script>alert('x')</script>");
    expect(fields.summary).toContain('[at]here');
  });

  it('truncates oversized content with a note and keeps the summary within 255 characters', async () => {
    const { system, double } = await jira(noIssues);
    await system.open(ticketRequest({ owner: jiraOwner, detection: oversizedDetection() }));
    const { fields } = nth(creates(double.requests), 0).json() as { fields: { summary: string } };
    expect(Array.from(fields.summary).length).toBeLessThanOrEqual(255);
    expect(creates(double.requests)[0]?.body).toContain('[truncated: ');
    expect(creates(double.requests)[0]?.body.length).toBeLessThan(32_767);
  });

  it('cuts the biggest possible ticket to fit Jira’s description limit, saying so', async () => {
    const { system, double } = await jira(noIssues);
    await system.open({ ...worstCaseRequest(), owner: jiraOwner });
    const { fields } = nth(creates(double.requests), 0).json() as {
      fields: { description: unknown };
    };
    const description = JSON.stringify(fields.description);
    expect(description.length).toBeLessThanOrEqual(32_000);
    expect(description).toContain("cut to fit Jira's size limit");
  });

  it('refuses a destination of another system without calling Jira', async () => {
    const { system, double } = await jira(noIssues);
    const error = await system.open(ticketRequest()).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryable: false });
    expect(double.requests).toHaveLength(0);
  });
});
