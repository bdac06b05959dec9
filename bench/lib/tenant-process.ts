import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { SeedInput } from '../../shared/local/simulated-tenant/seed.ts';
import { startSimulatedTenant } from '../../shared/local/simulated-tenant/tenant.ts';
import type { ThrottlingSettings } from '../../shared/local/simulated-tenant/write-quota.ts';

/**
 * The simulated tenant in its own process, as Graph would be: its CPU (TLS, JSON, the directory)
 * never stalls the responder's event loop or counts as the responder's. The parent talks to it
 * over stdin/stdout, one JSON line each way: `stats` answers what the tenant saw, closing stdin
 * stops it. Run as a script, this file is that child.
 */

export interface TenantProcessOptions {
  latencyMs: number;
  throttling?: Partial<ThrottlingSettings>;
}

export interface ServedTenant {
  graphBaseUrl: string;
  authorityHost: string;
  tenantId: string;
  credentials: { tenantId: string; clientId: string; clientSecret: string };
  ca: string;
}

/** What the tenant answered on its Graph listener (login requests are not counted). */
interface TenantStats {
  graphRequests: number;
  /** Arrival times (epoch ms) of the writes (POST/PATCH/DELETE) it accepted with a 2xx. */
  acceptedWritesAt: number[];
  /** 429 answers, writes and reads alike. */
  throttled429: number;
  statusCounts: Record<string, number>;
  /** Distinct users whose sessions it revoked. */
  usersRevoked: number;
}

export interface TenantProcess {
  served: ServedTenant;
  stats(): Promise<TenantStats>;
  stop(): Promise<void>;
}

/** Starts the simulated tenant in a child process and waits until it listens. */
export async function startTenantProcess(
  seed: SeedInput,
  options: TenantProcessOptions,
): Promise<TenantProcess> {
  const folder = mkdtempSync(join(tmpdir(), 'bench-tenant-'));
  const seedPath = join(folder, 'seed.json');
  writeFileSync(seedPath, JSON.stringify(seed));
  const child = spawn(
    process.execPath,
    [import.meta.filename, '--serve', seedPath, JSON.stringify(options)],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<undefined>((resolve) => child.once('exit', () => resolve(undefined)));
  const nextLine = async (): Promise<string> => {
    const line = await Promise.race([
      lines.next().then((r) => (r.done ? undefined : r.value)),
      exited,
    ]);
    if (line === undefined) throw new Error('the simulated tenant process exited unexpectedly');
    return line;
  };
  try {
    const served = JSON.parse(await nextLine()) as ServedTenant;
    return {
      served,
      async stats() {
        if (child.exitCode !== null || child.stdin.writableEnded) {
          throw new Error('the simulated tenant process has exited');
        }
        child.stdin.write('stats\n');
        return JSON.parse(await nextLine()) as TenantStats;
      },
      async stop() {
        if (child.exitCode === null) {
          child.stdin.end();
          await exited;
        }
        rmSync(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    child.kill();
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE']);

/** Child-process side: serve the tenant, answer `stats`, stop when stdin closes. */
async function serve(seedPath: string, options: TenantProcessOptions): Promise<void> {
  const tenant = await startSimulatedTenant({
    seed: seedPath,
    latencyMs: options.latencyMs,
    throttling: { identityProtectionPerSecond: false, ...options.throttling },
  });
  const served: ServedTenant = {
    graphBaseUrl: tenant.graphBaseUrl,
    authorityHost: tenant.authorityHost,
    tenantId: tenant.tenantId,
    credentials: tenant.credentials,
    ca: tenant.ca,
  };
  process.stdout.write(`${JSON.stringify(served)}\n`);
  const input = createInterface({ input: process.stdin });
  input.on('line', (command) => {
    if (command.trim() !== 'stats') return;
    const graph = tenant.requests().filter((r) => r.listener === 'graph');
    const statusCounts: Record<string, number> = {};
    const revoked = new Set<string>();
    const acceptedWritesAt: number[] = [];
    for (const r of graph) {
      statusCounts[r.status] = (statusCounts[r.status] ?? 0) + 1;
      const ok = r.status >= 200 && r.status < 300;
      if (ok && WRITE_METHODS.has(r.method)) acceptedWritesAt.push(Date.parse(r.at));
      const revoke = /^\/users\/([^/]+)\/revokeSignInSessions$/.exec(r.path);
      if (ok && revoke?.[1]) revoked.add(revoke[1].toLowerCase());
    }
    const stats: TenantStats = {
      graphRequests: graph.length,
      acceptedWritesAt,
      throttled429: statusCounts['429'] ?? 0,
      statusCounts,
      usersRevoked: revoked.size,
    };
    process.stdout.write(`${JSON.stringify(stats)}\n`);
  });
  input.once('close', () => {
    void tenant.close().then(() => process.exit(0));
  });
}

if (import.meta.main) {
  const [flag, seedPath, options] = process.argv.slice(2);
  if (flag !== '--serve' || seedPath === undefined || options === undefined) {
    process.stderr.write('usage: node bench/lib/tenant-process.ts --serve <seed.json> <options>\n');
    process.exit(2);
  }
  await serve(seedPath, JSON.parse(options) as TenantProcessOptions);
}
