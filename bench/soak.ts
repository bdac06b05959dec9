import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type CryptoKey, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import type { Detection } from '../shared/domain/detection.ts';
import { incidentIdFor } from '../shared/domain/incident.ts';
import {
  type LocalResponse,
  type LocalRuntime,
  startLocalRuntime,
} from '../shared/local/runtime.ts';
import { type LocalServer, startLocalServer } from '../shared/local/server.ts';
import type { Log } from '../shared/ports/log.ts';
import { normalizeEvent } from '../shared/sources/normalize.ts';
import { rawSha256, sha256Hex } from '../shared/sources/raw.ts';
import { verifyLedger } from '../shared/use-cases/verify-ledger.ts';

/**
 * `npm run soak [-- --seconds N --rate R --workers W --seed S --json --keep]`: a bounded run of
 * mixed traffic through local mode over HTTP (the runtime and `serve`'s server in this process,
 * a temporary state folder, the simulated tenant, DynamoDB Local): new, duplicate, malformed,
 * oversized, ignored, protected, signed and forged, faulty (Graph 503/429/403 injected in the
 * simulated tenant) and bursts past the blast radius. A 5xx is redelivered later, as SQS would.
 * It ends by checking every detection it sent against the ledger, and `ledger verify`; it prints
 * the counts and exits 1 if anything was lost or the ledger is not intact. It sends traffic to
 * 127.0.0.1 only, and stops by itself.
 */

const ROOT = resolve(import.meta.dirname, '..');
const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const BREAK_GLASS = '0b7a9c2e-5d1f-4e3a-9c6b-8f2d1e0a7b51';
const ISSUER = 'https://idp.halvorsenfreight.example/';
const AUDIENCE = 'https://ir-responder.halvorsenfreight.example/ssf/receiver';
const EXTRA_USERS = 200;
const BLAST_RADIUS = { maxContainments: 60, windowSeconds: 10 };
const BURST_SIZE = 80;
const MAX_DELIVERIES = 5;
/** After the traffic stops, redeliveries still due get this long to finish. */
const DRAIN_SECONDS = 60;

interface Options {
  seconds: number;
  rate: number;
  workers: number;
  seed: number;
  burstEverySeconds: number;
  json: boolean;
  keep: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '180' },
      rate: { type: 'string', default: '12' },
      workers: { type: 'string', default: '4' },
      seed: { type: 'string', default: String(Date.now() % 1_000_000) },
      'burst-every': { type: 'string', default: '30' },
      json: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run soak -- [--seconds 180] [--rate 12] [--workers 4] [--seed N] [--burst-every 30] [--json] [--keep]\n',
    );
    process.exit(0);
  }
  const number = (name: string, text: string, min: number, max: number) => {
    const value = Number(text);
    if (!Number.isFinite(value) || value < min || value > max) {
      process.stderr.write(`soak: --${name} must be a number from ${min} to ${max}\n`);
      process.exit(2);
    }
    return value;
  };
  return {
    seconds: number('seconds', values.seconds, 1, 24 * 3600),
    rate: number('rate', values.rate, 0.1, 1000),
    workers: Math.floor(number('workers', values.workers, 1, 64)),
    seed: Math.floor(number('seed', values.seed, 0, 2 ** 31)),
    burstEverySeconds: number('burst-every', values['burst-every'], 1, 24 * 3600),
    json: values.json,
    keep: values.keep,
  };
}

/** Mulberry32: the same seed gives the same traffic. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));

/** Counts of what the responder answered, by logical request (redeliveries counted once). */
const COUNTERS = [
  'in',
  'contained',
  'partiallyContained',
  'notContained',
  'approvalRequired',
  'protectedIdentity',
  'notCovered',
  'nothingToDo',
  'rejected',
  'ignored',
  'duplicates',
  'setAccepted',
  'inProgress',
  'failedRetryable',
  'deadLettered',
  'lost',
] as const;
type Counter = (typeof COUNTERS)[number];

type Expectation =
  | { kind: 'detection'; incidentId: string }
  | { kind: 'rejection'; incidentId?: string }
  | { kind: 'ignored' };

interface Request {
  label: string;
  path: '/v1/detections' | '/v1/ssf/events';
  body: string;
  contentType: string;
  /** What the ledger must show for it at the end. */
  expect: Expectation;
  duplicate: boolean;
  deliveries: number;
}

interface Traffic {
  next(): Promise<Request[]>;
}

async function trafficGenerator(
  random: () => number,
  tenant: NonNullable<LocalRuntime['simulatedTenant']>,
  users: readonly string[],
  signingKey: CryptoKey,
  strangerKey: CryptoKey,
): Promise<Traffic> {
  const examples = readdirSync(join(ROOT, 'examples'))
    .filter((file) => file.endsWith('.json'))
    .map((file) => readJson(`examples/${file}`) as Detection)
    .filter((d) => d.tenant.provider === 'entra');
  const fixtures = ['native', 'entra', 'guardduty', 'securityhub', 'okta'].flatMap((folder) =>
    readdirSync(join(ROOT, 'test/fixtures', folder))
      .filter((file) => file.endsWith('.json'))
      .map((file) => readJson(`test/fixtures/${folder}/${file}`)),
  );
  const sent: Request[] = [];
  const sentSets: string[] = [];
  let serial = 0;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const detection = (subjectId: string, severity: Detection['severity']): Detection => {
    const example = pick(examples);
    serial += 1;
    return {
      ...example,
      detectionId: `soak-${serial}-${Math.floor(random() * 1e9)}`,
      detectedAt: new Date().toISOString(),
      severity,
      subject: { type: 'user', id: subjectId },
      tenant: { provider: 'entra', tenantId: TENANT },
    };
  };
  const post = (label: string, body: unknown): Request => {
    const text = JSON.stringify(body);
    const normalized = normalizeEvent(JSON.parse(text));
    const expect: Expectation =
      normalized.kind === 'detection'
        ? { kind: 'detection', incidentId: incidentIdFor(normalized.detection) }
        : normalized.kind === 'ignored'
          ? { kind: 'ignored' }
          : { kind: 'rejection' };
    return {
      label,
      path: '/v1/detections',
      body: text,
      contentType: 'application/json',
      expect,
      duplicate: false,
      deliveries: 0,
    };
  };
  const raw = (label: string, body: string): Request => ({
    label,
    path: '/v1/detections',
    body,
    contentType: 'application/json',
    expect: { kind: 'rejection' },
    duplicate: false,
    deliveries: 0,
  });
  const set = async (label: string, claims: JWTPayload, key: CryptoKey, valid: boolean) => {
    const token =
      label === 'set-unsigned'
        ? `${b64({ alg: 'none', typ: 'secevent+jwt' })}.${b64(claims)}.`
        : await new SignJWT(claims)
            .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: 'k1' })
            .sign(key);
    const detectionId = `ssf:${sha256Hex(ISSUER).slice(0, 16)}:${String(claims.jti)}`;
    const request: Request = {
      label,
      path: '/v1/ssf/events',
      body: token,
      contentType: 'application/secevent+jwt',
      expect: valid
        ? {
            kind: 'detection',
            incidentId: incidentIdFor({
              detectionId,
              tenant: { provider: 'entra', tenantId: TENANT },
            }),
          }
        : { kind: 'rejection', incidentId: `rejected-${rawSha256(token).slice(0, 32)}` },
      duplicate: false,
      deliveries: 0,
    };
    if (valid) sentSets.push(token);
    return request;
  };
  const claims = (overrides: JWTPayload = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    serial += 1;
    return {
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now,
      jti: `soak-set-${serial}`,
      sub_id: { format: 'opaque', id: pick(users) },
      events: {
        'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {
          event_timestamp: now,
          initiating_entity: 'policy',
        },
      },
      ...overrides,
    };
  };

  const kinds: Array<[number, () => Promise<Request[]> | Request[]]> = [
    [22, () => [post('valid', detection(pick(users), pick(['high', 'critical'] as const)))]],
    [
      12,
      () => {
        const previous = sent.filter((r) => !r.duplicate && r.expect.kind === 'detection');
        if (previous.length === 0) return [];
        return [{ ...pick(previous), duplicate: true, deliveries: 0 }];
      },
    ],
    [
      8,
      () => {
        // Three copies at once: the at-least-once delivery every source has.
        const request = post('valid', detection(pick(users), 'high'));
        return [request, { ...request, duplicate: true }, { ...request, duplicate: true }];
      },
    ],
    [
      10,
      () => {
        const subject = pick(users);
        const fault = pick([
          { path: `/users/${subject}/revokeSignInSessions`, status: 503 },
          { path: `/users/${subject}/revokeSignInSessions`, status: 429, retryAfter: 1 },
          // Longer than the adapter's attempts: the first delivery fails retryably.
          { path: `/users/${subject}/revokeSignInSessions`, status: 503, times: 5 },
          { method: 'GET', path: /roleAssignments$/, status: 403 },
        ]);
        tenant.faults.inject(fault);
        return [post('faulty', detection(subject, 'high'))];
      },
    ],
    [4, () => [post('protected', detection(BREAK_GLASS, 'critical'))]],
    [5, () => [post('source-fixture', pick(fixtures))]],
    [
      14,
      () => {
        const base = detection(pick(users), 'high') as unknown as Record<string, unknown>;
        return [
          pick([
            () => post('invalid', { ...base, severity: 'urgent' }),
            () => post('invalid', { ...base, subject: { type: 'robot', id: '' } }),
            () => post('invalid', { ...base, detectedAt: 'yesterday' }),
            () => post('invalid', { ...base, detectionId: 'x'.repeat(600) }),
            () => {
              const { tenant: _, ...rest } = base;
              return post('invalid', rest);
            },
            () => post('invalid', { hello: 'world' }),
            () => raw('invalid-json', '{"schemaVersion": "1", '),
          ])(),
        ];
      },
    ],
    [
      4,
      () => [
        pick([
          () => raw('oversized', JSON.stringify({ pad: 'x'.repeat(70_000) })),
          () => raw('deep', `${'['.repeat(5_000)}${']'.repeat(5_000)}`),
        ])(),
      ],
    ],
    [4, async () => [await set('set', claims(), signingKey, true)]],
    [
      5,
      async () => [
        await pick([
          () => set('set-forged-key', claims(), strangerKey, false),
          () =>
            set('set-wrong-issuer', claims({ iss: 'https://evil.example/' }), signingKey, false),
          () =>
            set('set-wrong-audience', claims({ aud: 'https://other.example/' }), signingKey, false),
          () => set('set-unsigned', claims(), signingKey, false),
        ])(),
      ],
    ],
    [
      2,
      () => {
        if (sentSets.length === 0) return [];
        const token = pick(sentSets);
        return [
          {
            label: 'set-replayed',
            path: '/v1/ssf/events',
            body: token,
            contentType: 'application/secevent+jwt',
            expect: { kind: 'rejection', incidentId: `rejected-${rawSha256(token).slice(0, 32)}` },
            duplicate: true,
            deliveries: 0,
          },
        ];
      },
    ],
  ];
  const total = kinds.reduce((sum, [weight]) => sum + weight, 0);
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

  return {
    async next() {
      let roll = random() * total;
      for (const [weight, make] of kinds) {
        roll -= weight;
        if (roll < 0) {
          const requests = await make();
          sent.push(...requests);
          return requests;
        }
      }
      return [];
    },
  };
}

function burst(users: readonly string[], round: number): Request[] {
  return users.slice(0, BURST_SIZE).map((id, n) => {
    const detection = {
      ...(readJson('examples/aitm-phished-admin.json') as Detection),
      detectionId: `soak-burst-${round}-${n}`,
      detectedAt: new Date().toISOString(),
      severity: 'critical' as const,
      subject: { type: 'user' as const, id },
    };
    return {
      label: 'burst',
      path: '/v1/detections' as const,
      body: JSON.stringify(detection),
      contentType: 'application/json',
      expect: { kind: 'detection' as const, incidentId: incidentIdFor(detection) },
      duplicate: false,
      deliveries: 0,
    };
  });
}

/** Warnings and errors counted (and the errors' kinds kept), not printed as they come. */
function countingLog(): Log & { warnings: number; errors: Map<string, number> } {
  const errors = new Map<string, number>();
  const log = {
    warnings: 0,
    errors,
    debug() {},
    info() {},
    warn() {
      log.warnings += 1;
    },
    error(message: string, attributes?: Record<string, unknown>) {
      // The error's class: enough to tell kinds apart.
      const kind = `${message}: ${String(attributes?.error ?? '').split(':')[0]}`;
      errors.set(kind, (errors.get(kind) ?? 0) + 1);
    },
  };
  return log;
}

async function main(): Promise<void> {
  const opts = options();
  const random = prng(opts.seed);
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(`${line}\n`);
    else process.stderr.write(`soak: ${line}\n`);
  };
  const work = mkdtempSync(join(tmpdir(), 'responder-soak-'));
  const stateDir = join(work, 'state');
  const configDir = join(work, 'config');
  mkdirSync(configDir, { recursive: true });

  const keys = await generateKeyPair('ES256', { extractable: true });
  const stranger = await generateKeyPair('ES256', { extractable: true });
  writeFileSync(
    join(configDir, 'transmitters.json'),
    JSON.stringify([
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwks: { keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256' }] },
        provider: 'entra',
        tenantId: TENANT,
      },
    ]),
  );
  const seed = readJson('shared/local/simulated-tenant/demo-seed.json') as {
    users: Array<Record<string, unknown>>;
  };
  const extra = Array.from(
    { length: EXTRA_USERS },
    (_, n) => `5c0a4000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  );
  seed.users.push(
    ...extra.map((id, n) => ({
      id,
      userPrincipalName: `soak-user-${n}@halvorsenfreight.example`,
      displayName: `Soak User ${n}`,
      signInSessionsValidFromDateTime: '2025-01-06T08:00:00Z',
    })),
  );
  writeFileSync(join(configDir, 'seed.json'), JSON.stringify(seed));
  writeFileSync(
    join(configDir, 'policy.json'),
    JSON.stringify({
      ...(readJson('shared/local/simulated-tenant/demo-policy.json') as object),
      blastRadius: BLAST_RADIUS,
    }),
  );
  // Only what is set here: Graph credentials from the caller's environment would make it live.
  const env = {
    RESPONDER_SSF_TRANSMITTERS: join(configDir, 'transmitters.json'),
    RESPONDER_SIMULATED_SEED: join(configDir, 'seed.json'),
    RESPONDER_POLICY: join(configDir, 'policy.json'),
  };
  const log = countingLog();
  say(`starting local mode in ${work} (seed ${opts.seed})`);
  const runtime = await startLocalRuntime({ stateDir, env, log });
  let server: LocalServer | undefined;
  const counts = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  const byLabel = new Map<string, number>();
  const deadLetters: Request[] = [];
  const logical: Request[] = [];
  let transportErrors = 0;
  let exitCode = 0;
  try {
    if (runtime.mode !== 'simulated' || !runtime.simulatedTenant) {
      throw new Error('the soak runs against the simulated tenant only');
    }
    const tenant = runtime.simulatedTenant;
    // Bursts use users the steady traffic leaves alone, so a burst is all new containments.
    const burstUsers = extra.slice(0, BURST_SIZE);
    const users = [
      ...extra.slice(BURST_SIZE),
      ...(seed.users.map((u) => u.id) as string[]).filter((id) => id !== BREAK_GLASS),
    ].filter((id) => !burstUsers.includes(id));
    server = await startLocalServer(runtime, { env, log });
    const url = new URL(server.url);
    if (url.hostname !== '127.0.0.1') throw new Error(`refusing to send traffic to ${url.host}`);
    say(`serving on ${server.url}; traffic for ${opts.seconds} s at ~${opts.rate} requests/s`);
    const traffic = await trafficGenerator(
      random,
      tenant,
      users,
      keys.privateKey,
      stranger.privateKey,
    );

    const started = Date.now();
    const deadline = started + opts.seconds * 1000;
    const drainUntil = deadline + DRAIN_SECONDS * 1000;
    const redeliveries: Array<{ request: Request; due: number }> = [];
    let nextBurst = started + opts.burstEverySeconds * 1000;
    let bursts = 0;

    const deliver = async (request: Request): Promise<void> => {
      request.deliveries += 1;
      if (request.deliveries === 1) {
        counts.in += 1;
        byLabel.set(request.label, (byLabel.get(request.label) ?? 0) + 1);
        if (!request.duplicate) logical.push(request);
      }
      let status: number;
      let text: string;
      try {
        const response = await fetch(`${server?.url}${request.path}`, {
          method: 'POST',
          headers: { 'content-type': request.contentType },
          body: request.body,
        });
        status = response.status;
        text = await response.text();
      } catch {
        transportErrors += 1;
        status = 599;
        text = '';
      }
      if (status >= 500 || status === 409) {
        // 409: a copy still in progress; 503: failed transiently; 5xx: failed. What SQS does:
        // hand it back, redeliver after a pause, dead-letter after the last try.
        if (request.deliveries === 1)
          counts[status === 409 ? 'inProgress' : 'failedRetryable'] += 1;
        if (request.deliveries >= MAX_DELIVERIES) {
          counts.deadLettered += 1;
          deadLetters.push(request);
        } else {
          redeliveries.push({ request, due: Date.now() + 500 + 500 * request.deliveries });
        }
        return;
      }
      if (status === 400) {
        counts.rejected += 1;
        const body = JSON.parse(text || '{}') as { rejectionRecord?: string };
        if (request.expect.kind === 'rejection' && body.rejectionRecord) {
          request.expect = { kind: 'rejection', incidentId: body.rejectionRecord };
        }
        return;
      }
      if (text === '') {
        counts.setAccepted += 1;
        return;
      }
      const body = JSON.parse(text) as { status?: string; result?: LocalResponse };
      if (body.status === 'ignored') {
        counts.ignored += 1;
        return;
      }
      const result = body.result;
      if (!result) return;
      if (result.replayed) {
        counts.duplicates += 1;
        return;
      }
      const key = result.status === 'awaitingApproval' ? 'approvalRequired' : result.status;
      if ((COUNTERS as readonly string[]).includes(key)) counts[key as Counter] += 1;
    };

    const worker = async () => {
      const interval = (opts.workers / opts.rate) * 1000;
      for (;;) {
        const now = Date.now();
        const due = redeliveries.findIndex((r) => r.due <= now);
        if (due >= 0) {
          const [item] = redeliveries.splice(due, 1);
          if (item) await deliver(item.request);
          continue;
        }
        if (now >= deadline) {
          if (redeliveries.length === 0 || now >= drainUntil) return;
          await sleep(100);
          continue;
        }
        if (now >= nextBurst) {
          nextBurst = now + opts.burstEverySeconds * 1000;
          bursts += 1;
          await Promise.all(burst(burstUsers, bursts).map(deliver));
          continue;
        }
        const begun = Date.now();
        await Promise.all((await traffic.next()).map(deliver));
        await sleep(Math.max(0, interval * (0.5 + random()) - (Date.now() - begun)));
      }
    };
    await Promise.all(Array.from({ length: opts.workers }, worker));
    for (const { request } of redeliveries.splice(0)) {
      counts.deadLettered += 1;
      deadLetters.push(request);
    }
    tenant.faults.clear();

    // Nothing lost: every detection sent has its incident in the ledger (dead-lettered ones
    // included: their partial state), every refusal its rejection record.
    say('checking every request against the ledger');
    const lostLabels: string[] = [];
    for (const request of logical) {
      if (request.expect.kind === 'ignored') continue;
      const incidentId = request.expect.incidentId;
      // A refusal the responder never answered with a record is as lost as a detection.
      if (incidentId === undefined) {
        lostLabels.push(request.label);
        continue;
      }
      const page = await runtime.ledger.query({ incidentId, limit: 1 });
      const first = page.records[0];
      const found =
        request.expect.kind === 'detection'
          ? first?.kind === 'detection.received'
          : first?.kind === 'detection.rejected';
      if (!found) lostLabels.push(request.label);
    }
    counts.lost = lostLabels.length;
    await runtime.ledger.writeCheckpoint({ settleMs: 0 });
    const verification = await verifyLedger(runtime.ledger);
    const approvalEvents = readFileSync(join(stateDir, 'events.ndjson'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { 'detail-type': string; detail: { causes?: string[] } })
      // Approvals the severity policy asks for come per detection; these are the bursts' own.
      .filter(
        (e) =>
          e['detail-type'] === 'Approval Required' && e.detail.causes?.join() === 'blastRadius',
      ).length;

    const summary = {
      seconds: Math.round((Date.now() - started) / 1000),
      seed: opts.seed,
      target: server.url,
      mode: runtime.mode,
      counts,
      byKind: Object.fromEntries([...byLabel].sort()),
      bursts,
      blastRadiusApprovalEvents: approvalEvents,
      transportErrors,
      logWarnings: log.warnings,
      logErrors: Object.fromEntries(log.errors),
      lostKinds: [...new Set(lostLabels)],
      ledger: {
        intact: verification.intact,
        incidents: verification.incidents,
        records: verification.records,
        firstBroken: verification.firstBroken,
      },
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      say('');
      say(`soak summary (${summary.seconds} s, seed ${opts.seed}, ${runtime.mode} tenant)`);
      for (const counter of COUNTERS) say(`  ${kebab(counter).padEnd(20)} ${counts[counter]}`);
      say(`  ${'bursts'.padEnd(20)} ${bursts} (${approvalEvents} blast-radius approval events)`);
      say(
        `  ${'ledger verify'.padEnd(20)} ${verification.intact ? 'intact' : 'BROKEN'} (${verification.incidents} incidents, ${verification.records} records)`,
      );
      for (const [kind, times] of log.errors) say(`  logged ${times}x: ${kind}`);
    }
    if (counts.lost > 0 || !verification.intact) exitCode = 1;
  } catch (error) {
    process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n`);
    exitCode = 1;
  } finally {
    await server?.close();
    await runtime.close();
    if (!opts.keep) rmSync(work, { recursive: true, force: true });
    else say(`state kept in ${work}`);
  }
  process.exit(exitCode);
}

/** `failedRetryable` → `failed-retryable`, as the summary prints it. */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

await main();
