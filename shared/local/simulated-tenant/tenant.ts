import { ConfigError } from '../../domain/errors.ts';
import { loadSimulatorSeed, persistChanges } from '../simulator-seed.ts';
import type { SimulatorControls } from '../simulator-server.ts';
import { SimulatedDirectory } from './directory.ts';
import { SimulatedPrivilegedAccess } from './privileged-access.ts';
import { parseSeed, type SeedInput } from './seed.ts';
import { type FaultRule, type RequestRecord, SimulatedEntraServer } from './server.ts';
import { simulatedTenantCertificate } from './tls.ts';
import type { ThrottlingSettings } from './write-quota.ts';

export interface StartSimulatedTenantOptions {
  /** A seed object, or the path of a seed JSON file. */
  seed: SeedInput | string;
  /** Fixed latency added to every answer, login and Graph alike. */
  latencyMs?: number;
  /** Defaults to Graph's documented limits: 3,000 writes per 150 s; Identity Protection 1/s. */
  throttling?: Partial<ThrottlingSettings>;
  tokenLifetimeSeconds?: number;
  revokeStatus?: 200 | 204;
  /** Items per page of a Graph collection without `$top`; Graph's default, 100, unless set. */
  pageSize?: number;
  now?: () => Date;
  /**
   * Local mode: a JSON file holding the tenant's state. Loaded instead of the seed when it exists,
   * rewritten after every change, so what containment did survives between CLI runs.
   */
  statePath?: string;
}

export interface SimulatedTenant extends SimulatorControls<FaultRule, RequestRecord> {
  /** https://127.0.0.1:<port>: pass as GRAPH_BASE_URL. */
  readonly graphBaseUrl: string;
  /** https://127.0.0.1:<port>: pass as ENTRA_AUTHORITY_HOST. */
  readonly authorityHost: string;
  readonly tenantId: string;
  /** The seed's first application with a secret: simulated, never a real credential. */
  readonly credentials: { tenantId: string; clientId: string; clientSecret: string };
  /** PEM of the self-signed certificate the endpoints present; clients trust it explicitly. */
  readonly ca: string;
  /** The directory's state: users, service principals, role assignments, risk (read and change). */
  readonly directory: SimulatedDirectory;
  /** Eligible roles, groups, PIM for Groups and application objects (read and change). */
  readonly access: SimulatedPrivilegedAccess;
  readonly throttling: {
    setLatency(ms: number): void;
    set(settings: Partial<ThrottlingSettings>): void;
    writesInWindow(clientId: string): number;
  };
  /** Forgets issued access tokens, so clients must sign in again. */
  revokeIssuedTokens(): void;
  close(): Promise<void>;
}

const DOCUMENTED_THROTTLING: ThrottlingSettings = {
  writeQuota: { writes: 3000, windowSeconds: 150 },
  identityProtectionPerSecond: 1,
};

/** Starts an in-memory Entra tenant on two local HTTPS listeners (login authority and Graph). */
export async function startSimulatedTenant(
  options: StartSimulatedTenantOptions,
): Promise<SimulatedTenant> {
  const seed = await loadSimulatorSeed(options, parseSeed, 'simulated tenant');
  const now = options.now ?? (() => new Date());
  const app = seed.applications.find((a) => a.clientSecrets.length > 0);
  const secret = app?.clientSecrets[0];
  if (!app || secret === undefined) {
    throw new ConfigError(
      'simulated tenant seed: applications[] needs one app with a clientSecret',
    );
  }
  const tls = await simulatedTenantCertificate();
  const directory = new SimulatedDirectory(seed, now);
  const access = new SimulatedPrivilegedAccess(seed, directory, now);
  const server = new SimulatedEntraServer({
    directory,
    access,
    pageSize: options.pageSize ?? 100,
    tls,
    latencyMs: options.latencyMs ?? 0,
    throttling: { ...DOCUMENTED_THROTTLING, ...options.throttling },
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3599,
    revokeStatus: options.revokeStatus ?? 200,
    now,
    ...persistChanges(options.statePath, () => ({ ...directory.toSeed(), ...access.toSeed() })),
  });
  await server.listen();
  return {
    graphBaseUrl: server.graphBaseUrl,
    authorityHost: server.authorityHost,
    tenantId: seed.tenant.id,
    credentials: { tenantId: seed.tenant.id, clientId: app.clientId, clientSecret: secret },
    ca: tls.cert,
    directory,
    access,
    ...server.controls(),
    throttling: {
      setLatency: (ms) => server.setLatency(ms),
      set: (settings) => server.setThrottling(settings),
      writesInWindow: (clientId) => server.writesInWindow(clientId),
    },
    revokeIssuedTokens: () => server.revokeIssuedTokens(),
    close: () => server.close(),
  };
}
