import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CryptoKey, exportJWK, generateKeyPair } from 'jose';
import { type LocalRuntime, startLocalRuntime } from '../shared/local/runtime.ts';
import { type LocalServer, startLocalServer } from '../shared/local/server.ts';
import type { Log } from '../shared/ports/log.ts';
import { verifyLedger } from '../shared/use-cases/verify-ledger.ts';
import { COUNTERS, Deliveries } from './lib/soak-delivery.ts';
import {
  AUDIENCE,
  BREAK_GLASS,
  BURST_SIZE,
  burst,
  ISSUER,
  prng,
  readJson,
  type SoakRequest,
  TENANT,
  type Traffic,
  trafficGenerator,
} from './lib/soak-traffic.ts';

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

const EXTRA_USERS = 200;
const BLAST_RADIUS = { maxContainments: 60, windowSeconds: 10 };
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

type Tenant = NonNullable<LocalRuntime['simulatedTenant']>;

interface SoakConfig {
  /** Only what is set here: Graph credentials from the caller's environment would make it live. */
  env: Record<string, string>;
  /** The key the configured SSF transmitter signs with, and one it does not know. */
  signingKey: CryptoKey;
  strangerKey: CryptoKey;
  /** Users the steady traffic picks from, and the ones bursts use (all new containments). */
  users: string[];
  burstUsers: string[];
}

/** Writes the transmitter, the demo seed with extra users and the policy into `configDir`. */
async function writeConfig(configDir: string): Promise<SoakConfig> {
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
  // Bursts use users the steady traffic leaves alone, so a burst is all new containments.
  const burstUsers = extra.slice(0, BURST_SIZE);
  const users = [
    ...extra.slice(BURST_SIZE),
    ...(seed.users.map((u) => u.id) as string[]).filter((id) => id !== BREAK_GLASS),
  ].filter((id) => !burstUsers.includes(id));
  return {
    env: {
      RESPONDER_SSF_TRANSMITTERS: join(configDir, 'transmitters.json'),
      RESPONDER_SIMULATED_SEED: join(configDir, 'seed.json'),
      RESPONDER_POLICY: join(configDir, 'policy.json'),
    },
    signingKey: keys.privateKey,
    strangerKey: stranger.privateKey,
    users,
    burstUsers,
  };
}

/**
 * `workers` loops until the deadline: a due redelivery first, then a burst when one is due, else
 * the next traffic at about `rate` requests/s overall; after the deadline, redeliveries still
 * waiting get until the drain ends. Returns how many bursts it sent.
 */
async function sendTraffic(
  opts: Options,
  random: () => number,
  traffic: Traffic,
  deliveries: Deliveries,
  burstUsers: readonly string[],
  started: number,
): Promise<number> {
  const deadline = started + opts.seconds * 1000;
  const drainUntil = deadline + DRAIN_SECONDS * 1000;
  const deliver = (request: SoakRequest) => deliveries.deliver(request);
  let nextBurst = started + opts.burstEverySeconds * 1000;
  let bursts = 0;
  const worker = async () => {
    const interval = (opts.workers / opts.rate) * 1000;
    for (;;) {
      const now = Date.now();
      const due = deliveries.takeDue(now);
      if (due) {
        await deliver(due);
        continue;
      }
      if (now >= deadline) {
        if (deliveries.waiting === 0 || now >= drainUntil) return;
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
  deliveries.deadLetterWaiting();
  return bursts;
}

/**
 * Nothing lost: every detection sent has its incident in the ledger (dead-lettered ones
 * included: their partial state), every refusal its rejection record. The labels of the lost.
 */
async function lostRequests(ledger: LocalRuntime['ledger'], logical: readonly SoakRequest[]) {
  const lostLabels: string[] = [];
  for (const request of logical) {
    if (request.expect.kind === 'ignored') continue;
    const incidentId = request.expect.incidentId;
    // A refusal the responder never answered with a record is as lost as a detection.
    if (incidentId === undefined) {
      lostLabels.push(request.label);
      continue;
    }
    const page = await ledger.query({ incidentId, limit: 1 });
    const first = page.records[0];
    const found =
      request.expect.kind === 'detection'
        ? first?.kind === 'detection.received'
        : first?.kind === 'detection.rejected';
    if (!found) lostLabels.push(request.label);
  }
  return lostLabels;
}

/** Approval events the blast radius raised (the severity policy's come per detection). */
function blastRadiusApprovals(stateDir: string): number {
  return readFileSync(join(stateDir, 'events.ndjson'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { 'detail-type': string; detail: { causes?: string[] } })
    .filter(
      (e) => e['detail-type'] === 'Approval Required' && e.detail.causes?.join() === 'blastRadius',
    ).length;
}

interface SoakRun {
  opts: Options;
  say: (line: string) => void;
  runtime: LocalRuntime;
  tenant: Tenant;
  server: LocalServer;
  config: SoakConfig;
  log: ReturnType<typeof countingLog>;
  stateDir: string;
}

/** The traffic, then the ledger check and `ledger verify`: what the summary reports. */
async function soak({ opts, say, runtime, tenant, server, config, log, stateDir }: SoakRun) {
  const random = prng(opts.seed);
  say(`serving on ${server.url}; traffic for ${opts.seconds} s at ~${opts.rate} requests/s`);
  const traffic = await trafficGenerator(
    random,
    tenant,
    config.users,
    config.signingKey,
    config.strangerKey,
  );
  const deliveries = new Deliveries(server.url);
  const started = Date.now();
  const bursts = await sendTraffic(opts, random, traffic, deliveries, config.burstUsers, started);
  tenant.faults.clear();

  say('checking every request against the ledger');
  const { counts } = deliveries;
  const lostLabels = await lostRequests(runtime.ledger, deliveries.logical);
  counts.lost = lostLabels.length;
  await runtime.ledger.writeCheckpoint({ settleMs: 0 });
  const verification = await verifyLedger(runtime.ledger);
  return {
    seconds: Math.round((Date.now() - started) / 1000),
    seed: opts.seed,
    target: server.url,
    mode: runtime.mode,
    counts,
    byKind: Object.fromEntries([...deliveries.byLabel].sort()),
    bursts,
    blastRadiusApprovalEvents: blastRadiusApprovals(stateDir),
    transportErrors: deliveries.transportErrors,
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
}

/** The summary as one JSON line, or as a table for a person. */
function printSummary(
  summary: Awaited<ReturnType<typeof soak>>,
  opts: Options,
  say: (line: string) => void,
): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const { counts, ledger } = summary;
  say('');
  say(`soak summary (${summary.seconds} s, seed ${opts.seed}, ${summary.mode} tenant)`);
  for (const counter of COUNTERS) say(`  ${kebab(counter).padEnd(20)} ${counts[counter]}`);
  say(
    `  ${'bursts'.padEnd(20)} ${summary.bursts} (${summary.blastRadiusApprovalEvents} blast-radius approval events)`,
  );
  say(
    `  ${'ledger verify'.padEnd(20)} ${ledger.intact ? 'intact' : 'BROKEN'} (${ledger.incidents} incidents, ${ledger.records} records)`,
  );
  for (const [kind, times] of Object.entries(summary.logErrors)) {
    say(`  logged ${times}x: ${kind}`);
  }
}

async function main(): Promise<void> {
  const opts = options();
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(`${line}\n`);
    else process.stderr.write(`soak: ${line}\n`);
  };
  const work = mkdtempSync(join(tmpdir(), 'responder-soak-'));
  const stateDir = join(work, 'state');
  const config = await writeConfig(join(work, 'config'));
  const { env } = config;
  const log = countingLog();
  say(`starting local mode in ${work} (seed ${opts.seed})`);
  const runtime = await startLocalRuntime({ stateDir, env, log });
  let server: LocalServer | undefined;
  let exitCode = 0;
  try {
    if (runtime.mode !== 'simulated' || !runtime.simulatedTenant) {
      throw new Error('the soak runs against the simulated tenant only');
    }
    const tenant = runtime.simulatedTenant;
    server = await startLocalServer(runtime, { env, log });
    const url = new URL(server.url);
    if (url.hostname !== '127.0.0.1') throw new Error(`refusing to send traffic to ${url.host}`);
    const summary = await soak({ opts, say, runtime, tenant, server, config, log, stateDir });
    printSummary(summary, opts, say);
    if (summary.counts.lost > 0 || !summary.ledger.intact) exitCode = 1;
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
