import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { EntraIdentityProvider } from '../shared/adapters/graph/entra-identity-provider.ts';
import { parseDetection } from '../shared/domain/detection.ts';
import { parseContainmentPolicy, planContainment } from '../shared/domain/guardrails.ts';
import { incidentIdFor } from '../shared/domain/incident.ts';
import type { SeedInput } from '../shared/local/simulated-tenant/seed.ts';
import { startSimulatedTenant } from '../shared/local/simulated-tenant/tenant.ts';

/**
 * Time to contain: from a detection event in hand (JSON text) to Graph acknowledging the revoke,
 * through parse, guardrails and the real EntraIdentityProvider against the simulated tenant with
 * a fixed latency per request. Each repetition contains a different privileged user with the
 * critical policy (revoke ‖ list+remove roles ‖ mark compromised, then disable). The tenant runs
 * in its own process, as Graph would, so its CPU does not stall the responder's event loop.
 * Run: `npx node bench/time-to-contain.ts [--reps 60] [--warmup 10] [--latencies 50,200]`.
 * (With `--serve-tenant <seed> <latency>` this file is the tenant's child process.)
 */

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
};
const reps = Number(option('reps', '60'));
const warmup = Number(option('warmup', '10'));
const latencies = option('latencies', '50,200').split(',').map(Number);

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const EXCHANGE_ADMIN = '29232cdf-9323-42fd-ade2-1d097af3e4de';

function seedWith(userCount: number): { seed: SeedInput; userIds: string[] } {
  const demo = JSON.parse(
    readFileSync(join(root, 'shared/local/simulated-tenant/demo-seed.json'), 'utf8'),
  ) as SeedInput;
  const users = Array.from({ length: userCount }, (_, i) => ({
    id: randomUUID(),
    userPrincipalName: `bench.admin${i}@halvorsenfreight.example`,
    displayName: `Bench Admin ${i}`,
    signInSessionsValidFromDateTime: '2025-01-06T08:00:00Z',
  }));
  const roleAssignments = users.flatMap((u, i) => [
    {
      id: `bench-perm-${i}`,
      principalId: u.id,
      roleDefinitionId: GLOBAL_ADMIN,
      type: 'permanent' as const,
    },
    {
      id: `bench-pim-${i}`,
      principalId: u.id,
      roleDefinitionId: EXCHANGE_ADMIN,
      type: 'pimActive' as const,
      activated: true,
      endDateTime: '2035-01-01T00:00:00Z',
    },
  ]);
  return {
    seed: {
      ...demo,
      users: [...(demo.users ?? []), ...users],
      roleAssignments: [...(demo.roleAssignments ?? []), ...roleAssignments],
    },
    userIds: users.map((u) => u.id),
  };
}

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

const round = (n: number) => Math.round(n * 100) / 100;

function eventFor(userId: string, n: number): string {
  return JSON.stringify({
    schemaVersion: '1',
    detectionId: `bench-${n}-${randomUUID()}`,
    detectedAt: new Date().toISOString(),
    severity: 'critical',
    source: { vendor: 'bench', product: 'time-to-contain' },
    tenant: { provider: 'entra', tenantId: TENANT },
    subject: { type: 'user', id: userId },
  });
}

const policyResult = parseContainmentPolicy(
  JSON.parse(readFileSync(join(root, 'shared/config/containment-policy.default.json'), 'utf8')),
);
if (!policyResult.ok) throw policyResult.error;
const policy = policyResult.value;

interface ServedTenant {
  graphBaseUrl: string;
  authorityHost: string;
  tenantId: string;
  credentials: { tenantId: string; clientId: string; clientSecret: string };
  ca: string;
}

/** Child-process mode: serve a simulated tenant, print its endpoints, stop when stdin closes. */
async function serveTenantHere(seedPath: string, latencyMs: number): Promise<void> {
  const tenant = await startSimulatedTenant({
    seed: seedPath,
    latencyMs,
    // Identity Protection's 1 request/s would only slow the repetitions: it is off the revoke path.
    throttling: { identityProtectionPerSecond: false },
  });
  const served: ServedTenant = {
    graphBaseUrl: tenant.graphBaseUrl,
    authorityHost: tenant.authorityHost,
    tenantId: tenant.tenantId,
    credentials: tenant.credentials,
    ca: tenant.ca,
  };
  process.stdout.write(`${JSON.stringify(served)}\n`);
  process.stdin.resume();
  process.stdin.once('end', () => {
    void tenant.close().then(() => process.exit(0));
  });
}

/** Starts the simulated tenant in a child process; closing its stdin stops it. */
async function serveTenant(seed: SeedInput, latencyMs: number) {
  const folder = mkdtempSync(join(tmpdir(), 'ttc-bench-'));
  const seedPath = join(folder, 'seed.json');
  writeFileSync(seedPath, JSON.stringify(seed));
  const child = spawn(
    process.execPath,
    [import.meta.filename, '--serve-tenant', seedPath, String(latencyMs)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  const [first] = await Promise.race([
    (async () => {
      for await (const line of lines) return [line];
      return [undefined];
    })(),
    new Promise<[undefined]>((resolve) => child.once('exit', () => resolve([undefined]))),
  ]);
  if (first === undefined) throw new Error('the simulated tenant process did not start');
  const served = JSON.parse(first) as ServedTenant;
  const stop = () =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.stdin.end();
      rmSync(folder, { recursive: true, force: true });
    });
  return { served, stop };
}

/** One bare HTTPS round trip to the same Graph listener (keep-alive): the yardstick. */
function bareRoundTrip(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(url, { method: 'POST', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - started));
    });
    req.on('error', reject);
    req.end();
  });
}

async function measure(latencyMs: number) {
  const { seed, userIds } = seedWith(warmup + reps + 1);
  const { served, stop } = await serveTenant(seed, latencyMs);
  const provider = new EntraIdentityProvider({
    mode: 'simulated',
    trustedCa: served.ca,
    limits: { identityProtectionIntervalMs: 0 },
    config: {
      graphBaseUrl: served.graphBaseUrl,
      authorityHost: served.authorityHost,
      tenants: [served.credentials],
    },
  });
  const bareAgent = new Agent({ keepAlive: true, ca: served.ca });
  const bareUrl = `${served.graphBaseUrl}/v1.0/users/${userIds[0]}/revokeSignInSessions`;
  try {
    await provider.warmUp();
    const bare: number[] = [];
    const samples: number[] = [];
    const adapterSamples: number[] = [];
    let first: number | undefined;
    for (let i = 0; i < warmup + reps + 1; i++) {
      const event = eventFor(userIds[i] ?? '', i);
      const inHand = performance.now();
      const parsed = parseDetection(JSON.parse(event));
      if (!parsed.ok) throw parsed.error;
      const detection = parsed.value;
      const plan = planContainment(detection, policy, 1);
      const entered = performance.now();
      const result = await provider.contain({
        incidentId: incidentIdFor(detection),
        tenantId: detection.tenant.tenantId,
        subject: detection.subject,
        detectedAt: detection.detectedAt,
        actions: plan.run,
      });
      if (result.timeToContainMs === undefined) {
        throw new Error(`revoke not acknowledged: ${JSON.stringify(result.outcomes)}`);
      }
      const total = entered - inHand + result.timeToContainMs;
      // interleaved, so both see the same machine load
      const roundTrip = await bareRoundTrip(bareAgent, bareUrl);
      if (i === 0) first = total;
      else if (i > warmup) {
        samples.push(total);
        adapterSamples.push(result.timeToContainMs);
        bare.push(roundTrip);
      }
    }
    bare.sort((a, b) => a - b);
    samples.sort((a, b) => a - b);
    adapterSamples.sort((a, b) => a - b);
    const p50 = percentile(samples, 50);
    const p99 = percentile(samples, 99);
    return {
      latencyMs,
      reps: samples.length,
      warmup,
      firstContainAfterWarmUpMs: round(first ?? Number.NaN),
      timeToContainMs: {
        p50: round(p50),
        p99: round(p99),
        min: round(samples[0] ?? Number.NaN),
        max: round(samples.at(-1) ?? Number.NaN),
      },
      adapterOnlyMs: {
        p50: round(percentile(adapterSamples, 50)),
        p99: round(percentile(adapterSamples, 99)),
      },
      bareRoundTripMs: { p50: round(percentile(bare, 50)), p99: round(percentile(bare, 99)) },
      ratioToLatency: { p50: round(p50 / latencyMs), p99: round(p99 / latencyMs) },
      ratioToBareRoundTrip: {
        p50: round(p50 / percentile(bare, 50)),
        p99: round(p99 / percentile(bare, 99)),
      },
      targets: { p50: 1.1, p99: 1.3 },
      met: p50 / latencyMs <= 1.1 && p99 / latencyMs <= 1.3,
    };
  } finally {
    provider.close();
    bareAgent.destroy();
    await stop();
  }
}

const serveIndex = args.indexOf('--serve-tenant');
if (serveIndex >= 0) {
  await serveTenantHere(args[serveIndex + 1] ?? '', Number(args[serveIndex + 2] ?? '0'));
} else {
  const results = [];
  for (const latency of latencies) results.push(await measure(latency));
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'time-to-contain',
        mode: 'simulated',
        measured:
          'detection JSON in hand -> parse -> guardrails -> contain() -> revoke acknowledged (200)',
        actions:
          'critical policy: revokeSessions, isolatePrivilege, markCompromised, disableAccount',
        node: process.version,
        loadAverage1m: round(loadavg()[0] ?? Number.NaN),
        results,
      },
      null,
      2,
    )}\n`,
  );
}
