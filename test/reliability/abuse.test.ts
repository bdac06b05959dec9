import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntakeApi } from '../../shared/adapters/http/intake-api.ts';
import type { Detection } from '../../shared/domain/detection.ts';
import { incidentIdFor } from '../../shared/domain/incident.ts';
import {
  type LocalResponse,
  type LocalRuntime,
  startLocalRuntime,
} from '../../shared/local/runtime.ts';
import { type LocalServer, startLocalServer } from '../../shared/local/server.ts';
import type { SimulatedTenant } from '../../shared/local/simulated-tenant/tenant.ts';
import { normalizeEvent } from '../../shared/sources/normalize.ts';
import { rawSha256 } from '../../shared/sources/raw.ts';
import { verifyLedger } from '../../shared/use-cases/verify-ledger.ts';
import { detectionAbout } from './pipeline.ts';
import {
  BREAK_GLASS,
  BREAK_GLASS_UPN,
  concerns,
  DEMO_TENANT,
  filesUnder,
  incidentRecords,
  publishedEvents,
  readJson,
  recordingLog,
  writeDemoPolicy,
  writeSeedWithExtraUsers,
} from './support.ts';
import { startJiraDouble, startWebhookDouble, type TicketDouble } from './ticket-doubles.ts';

/**
 * Abuse, through local mode over HTTP: forged Security Event Tokens are refused; an untrusted
 * publisher triggers nothing; protected identities are never touched; a burst past the blast
 * radius becomes one approval request, not a lock-out; and no configured secret appears in
 * anything the run produced.
 */

const MARIA = '1b688927-349c-4622-845d-03aefbc01f62';
const ISSUER = 'https://idp.halvorsenfreight.example/';
const AUDIENCE = 'https://ir-responder.halvorsenfreight.example/ssf/receiver';
const MAX_CONTAINMENTS = 4;
/** Not a secret: a marker carried by one detection, to prove the secret scan reaches each sink. */
const CANARY = 'canary-3e8f1a6b-reaches-every-sink';
const BURST = 8;

const SECRETS = {
  jiraToken: 'jira-api-token-4f1d8c0b2e6a9d73-reliability',
  webhookSecret: 'whsec-reliability-0a9b8c7d6e5f4a3b',
};

let stateDir: string;
let configDir: string;
let runtime: LocalRuntime;
let server: LocalServer;
let tenant: SimulatedTenant;
let jira: TicketDouble;
let webhook: TicketDouble;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let burstUsers: string[];
const log = recordingLog();
/** Everything the run answered or threw, for the secret scan. */
const outputs: string[] = [];

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'responder-abuse-'));
  configDir = mkdtempSync(join(tmpdir(), 'responder-abuse-config-'));
  const keys = await generateKeyPair('ES256', { extractable: true });
  signingKey = keys.privateKey;
  strangerKey = (await generateKeyPair('ES256', { extractable: true })).privateKey;
  const transmitters = join(configDir, 'transmitters.json');
  writeFileSync(
    transmitters,
    JSON.stringify([
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' }] },
        provider: 'entra',
        tenantId: DEMO_TENANT,
      },
    ]),
  );
  jira = await startJiraDouble({ echoCredentialsIn: 'ECHO' });
  webhook = await startWebhookDouble();
  const owner = (team: string, ticket: object) => ({ team, ticket, escalation: `${team}@x` });
  const ownership = join(configDir, 'ownership.json');
  writeFileSync(
    ownership,
    JSON.stringify({
      version: 1,
      defaults: {
        iam: owner('Identity Platform', { system: 'jira', project: 'SEC' }),
        endpoint: owner('Endpoint Engineering', { system: 'webhook', url: `${webhook.url}/h/eue` }),
        // A vendor that quotes the credentials back in its error.
        application: owner('Application Security', { system: 'jira', project: 'ECHO' }),
      },
      unknownPartner: owner('Third-Party Risk', { system: 'file' }),
    }),
  );
  const seed = writeSeedWithExtraUsers(configDir, BURST);
  burstUsers = seed.ids;
  const env = {
    RESPONDER_SSF_TRANSMITTERS: transmitters,
    RESPONDER_POLICY: writeDemoPolicy(configDir, {
      blastRadius: { maxContainments: MAX_CONTAINMENTS, windowSeconds: 900 },
    }),
    RESPONDER_SIMULATED_SEED: seed.path,
    RESPONDER_OWNERSHIP: ownership,
    RESPONDER_JIRA_DEFAULT_BASE_URL: jira.url,
    RESPONDER_JIRA_DEFAULT_EMAIL: 'responder@halvorsenfreight.example',
    RESPONDER_JIRA_DEFAULT_API_TOKEN: SECRETS.jiraToken,
    RESPONDER_WEBHOOK_DEFAULT_SECRET: SECRETS.webhookSecret,
  };
  runtime = await startLocalRuntime({ stateDir, env, log, unpacedIdentityProtection: true });
  server = await startLocalServer(runtime, { env, log });
  if (!runtime.simulatedTenant) throw new Error('expected the simulated tenant');
  tenant = runtime.simulatedTenant;
});

afterAll(async () => {
  await server?.close();
  await runtime?.close();
  await jira?.close();
  await webhook?.close();
  for (const dir of [stateDir, configDir]) if (dir) rmSync(dir, { recursive: true, force: true });
});

async function post(path: string, body: string, contentType = 'application/json') {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  const text = await response.text();
  outputs.push(JSON.stringify([...response.headers]), text);
  return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
}

const postDetection = (detection: unknown) => post('/v1/detections', JSON.stringify(detection));
const graphWrites = () =>
  tenant.requests().filter((r) => r.listener === 'graph' && r.method !== 'GET');

const now = () => Math.floor(Date.now() / 1000);
function setClaims(jti: string, overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    jti,
    sub_id: { format: 'opaque', id: MARIA },
    events: {
      'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {
        event_timestamp: now(),
        initiating_entity: 'policy',
      },
    },
    ...overrides,
  };
}
const sign = (claims: JWTPayload, key: CryptoKey = signingKey) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: 'k1' })
    .sign(key);
const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const postSet = (token: string) => post('/v1/ssf/events', token, 'application/secevent+jwt');

describe('forged Security Event Tokens', () => {
  it.each([
    [
      'signed with another key',
      () => sign(setClaims('forged-key'), strangerKey),
      'authentication_failed',
    ],
    [
      'from an issuer not configured',
      () => sign(setClaims('forged-iss', { iss: 'https://evil.example/' })),
      'invalid_issuer',
    ],
    [
      'for another audience',
      () => sign(setClaims('forged-aud', { aud: 'https://someone-else.example/' })),
      'invalid_audience',
    ],
    [
      'unsigned (alg none)',
      async () =>
        `${part({ alg: 'none', typ: 'secevent+jwt' })}.${part(setClaims('forged-none'))}.`,
      'authentication_failed',
    ],
  ] as const)(
    'refuses a SET %s: 400, nothing contained, the refusal recorded',
    async (_name, make, err) => {
      const before = graphWrites().length;
      const token = await make();
      const response = await postSet(token);
      expect(response.status).toBe(400);
      expect(response.json()).toMatchObject({ err });
      expect(graphWrites().length).toBe(before);
      const rejection = await incidentRecords(
        runtime.ledger,
        `rejected-${rawSha256(token).slice(0, 32)}`,
      );
      expect(rejection.map((r) => r.kind)).toEqual(['detection.rejected']);
      expect(rejection[0]?.data).toMatchObject({ channel: 'POST /v1/ssf/events', err });
    },
  );

  it('accepts the genuine SET once, and refuses it replayed', async () => {
    const token = await sign(setClaims(`genuine-${now()}`));
    expect((await postSet(token)).status).toBe(202);
    const revokes = graphWrites().filter((r) => r.path === `/users/${MARIA}/revokeSignInSessions`);
    expect(revokes).toHaveLength(1);
    const replay = await postSet(token);
    expect(replay.status).toBe(400);
    expect(replay.json()).toMatchObject({ err: 'invalid_request' });
    expect(replay.json().description).toMatch(/already received/);
    expect(graphWrites().filter((r) => r.path === revokes[0]?.path)).toHaveLength(1);
  });
});

describe('an event from an untrusted source', () => {
  const event = () =>
    readJson('test/fixtures/native/eventbridge-session-compromise.json') as Record<string, unknown>;
  const trusted = ['halvorsen.soar'];

  it('is refused by the respond path, naming the source', () => {
    const result = normalizeEvent(
      { ...event(), source: 'evil.publisher' },
      { trustedNativeSources: trusted },
    );
    expect(result.kind).toBe('invalid');
    if (result.kind === 'invalid')
      expect(result.error.issues.map((i) => i.path)).toEqual(['source']);
    // No trusted source configured at all: every native event on the bus is refused.
    expect(normalizeEvent(event(), { trustedNativeSources: [] }).kind).toBe('invalid');
  });

  it('does nothing through an intake configured with the trusted sources', async () => {
    let delivered = 0;
    const intake = createIntakeApi({
      deliver: async (result) => {
        delivered += 1;
        return { result: await runtime.handle(result) };
      },
      ledger: runtime.ledger,
      clock: { now: () => new Date() },
      log,
      normalize: { trustedNativeSources: trusted },
    });
    const before = graphWrites().length;
    const response = await intake({
      method: 'POST',
      path: '/v1/detections',
      query: {},
      headers: {},
      body: JSON.stringify({ ...event(), source: 'evil.publisher' }),
    });
    outputs.push(response.body);
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).issues).toEqual([
      {
        path: 'source',
        message: expect.stringMatching(/'evil.publisher' is not a trusted source/),
      },
    ]);
    expect(delivered).toBe(0);
    expect(graphWrites().length).toBe(before);
  });
});

describe('protected identities', () => {
  it('never sends a request that concerns the break-glass account, by id or by name', async () => {
    tenant.clearRequests();
    const byId = detectionAbout(BREAK_GLASS, 'abuse-breakglass-id', 'critical');
    const byName: Detection = {
      ...detectionAbout('00000000-0000-4000-8000-00000000b6a5', 'abuse-breakglass-upn', 'critical'),
    };
    byName.subject = { ...byName.subject, userPrincipalName: BREAK_GLASS_UPN.toUpperCase() };
    for (const detection of [byId, byName]) {
      const response = await postDetection(detection);
      expect(response.status).toBe(202);
      expect((response.json().result as LocalResponse).status).toBe('protectedIdentity');
    }
    const touching = tenant
      .requests()
      .filter(
        (r) =>
          r.listener === 'graph' &&
          concerns(r.path + r.query, { id: BREAK_GLASS, upn: BREAK_GLASS_UPN }),
      );
    expect(touching).toEqual([]);
    expect(graphWrites()).toEqual([]);
    expect(tenant.directory.findUser(BREAK_GLASS)?.accountEnabled).toBe(true);
    expect(tenant.directory.activeAssignmentsOf(BREAK_GLASS)).toHaveLength(1);
  });
});

describe('mixed traffic with ticket credentials configured', () => {
  it('contains, opens tickets, and refuses bad input', async () => {
    const ticketsBefore = { jira: jira.created.size, webhook: webhook.created.size };
    const example = readJson('examples/aitm-phished-admin.json') as Detection;
    const aitm = await postDetection({
      ...example,
      subject: { ...example.subject, displayName: `Maria Keller ${CANARY}` },
    });
    expect(aitm.status).toBe(202);
    const result = aitm.json().result as LocalResponse;
    expect(result.tickets.map((t) => [t.ownerTeam, t.status]).sort()).toEqual([
      ['Application Security', 'failed'],
      ['Endpoint Engineering', 'opened'],
      ['Identity Platform', 'opened'],
    ]);
    // The vendor quoted the credentials: the outcome says what failed, and nothing more.
    const echoed = result.tickets.find((t) => t.ownerTeam === 'Application Security');
    expect(echoed?.status === 'failed' && echoed.reason).toMatch(/HTTP 400.*\[redacted\]/);
    expect(jira.created.size).toBe(ticketsBefore.jira + 1);
    expect(webhook.created.size).toBe(ticketsBefore.webhook + 1);

    tenant.faults.inject({ method: 'GET', path: /roleAssignments$/, status: 403 });
    const infostealer = await postDetection(readJson('examples/infostealer-managed-device.json'));
    expect((infostealer.json().result as LocalResponse).status).toBe('partiallyContained');
    const okta = await postDetection(readJson('examples/shared-admin-legacy-sso.json'));
    expect((okta.json().result as LocalResponse).status).toBe('notCovered');
    expect(
      (await postDetection({ schemaVersion: '1', detectionId: 'x', severity: 'urgent' })).status,
    ).toBe(400);
    expect((await post('/v1/detections', '{"unterminated": ')).status).toBe(400);
    expect((await postSet('not.a.jws')).status).toBe(400);
  });
});

describe('a burst past the blast-radius limit', () => {
  it('becomes one approval request, not a lock-out', async () => {
    tenant.clearRequests();
    const detections = burstUsers.map((id, n) =>
      detectionAbout(id, `abuse-burst-${n}`, 'critical'),
    );
    const responses = await Promise.all(detections.map(postDetection));
    expect(responses.map((r) => r.status)).toEqual(detections.map(() => 202));
    const results = responses.map((r) => r.json().result as LocalResponse);

    // The window gave the burst consecutive counts; those within the limit were contained.
    const counts = await Promise.all(
      detections.map(async (detection) => {
        const records = await incidentRecords(runtime.ledger, incidentIdFor(detection));
        const decision = records.find((r) => r.kind === 'guardrail.decision');
        const blastRadius = decision?.data.blastRadius as
          | { containmentsInWindow: number }
          | undefined;
        return blastRadius?.containmentsInWindow ?? 0;
      }),
    );
    const sorted = [...counts].sort((a, b) => a - b);
    const prior = (sorted[0] ?? 0) - 1;
    expect(sorted).toEqual(detections.map((_, n) => prior + n + 1));
    expect(prior).toBeLessThan(MAX_CONTAINMENTS);
    const allowed = MAX_CONTAINMENTS - prior;
    expect(results.filter((r) => r.status === 'contained')).toHaveLength(allowed);
    expect(results.filter((r) => r.status === 'awaitingApproval')).toHaveLength(BURST - allowed);

    // One approval request for the whole burst, from the detection that crossed the limit.
    const approvals = publishedEvents(stateDir).filter(
      (e) =>
        e['detail-type'] === 'Approval Required' &&
        (e.detail.causes as string[]).includes('blastRadius'),
    );
    expect(approvals).toHaveLength(1);
    const crossing = detections[counts.indexOf(MAX_CONTAINMENTS + 1)];
    expect(approvals[0]?.detail.detectionId).toBe(crossing?.detectionId);

    // The held users are untouched: still enabled, no request about them.
    const held = detections.filter((_, n) => (counts[n] ?? 0) > MAX_CONTAINMENTS);
    for (const detection of held) {
      expect(tenant.directory.findUser(detection.subject.id)?.accountEnabled).toBe(true);
      expect(
        tenant.requests().filter((r) => concerns(r.path, { id: detection.subject.id })),
      ).toEqual([]);
    }
  });
});

describe('a ticket system down in local mode', () => {
  it('is retried by the next delivery of the detection, which opens the ticket once', async () => {
    webhook.state = 'down';
    const detection = {
      ...(readJson('examples/infostealer-managed-device.json') as Detection),
      detectionId: 'abuse-webhook-down',
    };
    const first = (await postDetection(detection)).json().result as LocalResponse;
    const endpoint = (result: LocalResponse) =>
      result.tickets.find((t) => t.ownerTeam === 'Endpoint Engineering');
    expect(endpoint(first)).toMatchObject({ status: 'failed', retryable: true });
    const created = webhook.created.size;

    webhook.state = 'up';
    const second = (await postDetection(detection)).json().result as LocalResponse;
    expect(second.replayed).toBe(true);
    expect(endpoint(second)).toMatchObject({ status: 'opened' });
    const third = (await postDetection(detection)).json().result as LocalResponse;
    expect(endpoint(third)?.status).toMatch(/^(opened|existing)$/);
    expect(webhook.created.size).toBe(created + 1);

    const records = await incidentRecords(runtime.ledger, incidentIdFor(detection));
    const mine = records.filter(
      (r) => r.ownerTeam === 'Endpoint Engineering' && r.kind.startsWith('ticket.'),
    );
    expect(mine.map((r) => r.kind)).toEqual(['ticket.pending', 'ticket.failed', 'ticket.opened']);
  });
});

describe('secrets', () => {
  it('never appear in logs, tickets, events, the ledger, answers or errors', async () => {
    const secrets = [
      SECRETS.jiraToken,
      SECRETS.webhookSecret,
      Buffer.from(`responder@halvorsenfreight.example:${SECRETS.jiraToken}`).toString('base64'),
      tenant.credentials.clientSecret,
    ];
    const verification = await verifyLedger(runtime.ledger);
    expect(verification.intact).toBe(true);
    const records: string[] = [];
    for await (const incidentId of runtime.ledger.incidentIds()) {
      records.push(JSON.stringify(await incidentRecords(runtime.ledger, incidentId)));
    }
    records.push(JSON.stringify(await runtime.ledger.checkpoints()));
    expect(records.length).toBeGreaterThan(BURST);

    // Every file the run wrote, the database included; not the simulated tenant's own directory,
    // which holds its app's secret as Entra itself does.
    const files = filesUnder(stateDir).filter((file) => file !== 'simulated-tenant.json');
    expect(files).toEqual(expect.arrayContaining(['events.ndjson']));
    expect(files.some((file) => file.startsWith('dynamodb'))).toBe(true);
    const sent = [...jira.created.values(), ...webhook.created.values()].map((t) => t.request.body);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(log.lines.length).toBeGreaterThan(0);

    const corpus: Array<[string, string]> = [
      ...files.map((file): [string, string] => [
        file,
        readFileSync(join(stateDir, file)).toString('latin1'),
      ]),
      ...records.map((text, n): [string, string] => [`ledger ${n}`, text]),
      ...log.lines.map((line, n): [string, string] => [`log ${n}`, line]),
      ...outputs.map((text, n): [string, string] => [`answer ${n}`, text]),
      ...sent.map((text, n): [string, string] => [`ticket sent ${n}`, text]),
    ];
    const reached = (prefix: string) =>
      corpus.some(([where, text]) => where.startsWith(prefix) && text.includes(CANARY));
    // (Answers and logs do not repeat detections; they are scanned all the same.)
    for (const sink of ['ledger', 'ticket sent', 'events.ndjson', 'dynamodb']) {
      expect(reached(sink), `the scan reaches ${sink}`).toBe(true);
    }
    for (const secret of secrets) {
      const found = corpus.filter(([, text]) => text.includes(secret)).map(([where]) => where);
      expect(found, `a secret (${secret.length} characters) appears in`).toEqual([]);
    }
    // The scan can see: the echoing vendor's answer did reach the ledger, redacted.
    expect(records.join('\n')).toContain('[redacted]');
  });
});
