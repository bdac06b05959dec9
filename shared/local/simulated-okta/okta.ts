import { resolve } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import type { OktaConfig } from '../../adapters/okta/config.ts';
import { OktaIdentityProvider } from '../../adapters/okta/provider.ts';
import { simulatedTenantCertificate } from '../simulated-tenant/tls.ts';
import { loadSimulatorSeed, persistChanges } from '../simulator-seed.ts';
import type { SimulatorControls } from '../simulator-server.ts';
import { SimulatedOktaOrg } from './org.ts';
import { type OktaSeedInput, parseOktaSeed } from './seed.ts';
import { type OktaFaultRule, type OktaRequestRecord, SimulatedOktaServer } from './server.ts';

export const OKTA_DEMO_SEED_PATH = resolve(import.meta.dirname, 'demo-seed.json');

export interface StartSimulatedOktaOptions {
  /** A seed object, or the path of a seed JSON file. */
  seed: OktaSeedInput | string;
  /** Local mode: the org's state file, loaded instead of the seed when it exists. */
  statePath?: string;
  latencyMs?: number;
}

export interface SimulatedOkta extends SimulatorControls<OktaFaultRule, OktaRequestRecord> {
  /** https://127.0.0.1:<port>, trusted through `ca`. */
  readonly orgUrl: string;
  readonly ca: string;
  /** The org as detections carry it (the seed's org name). */
  readonly tenantId: string;
  /** Service-app credentials for the first app: a key pair made at start, never stored. */
  readonly config: OktaConfig;
  readonly state: SimulatedOktaOrg;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** Starts an in-memory Okta org behind its token endpoint and Management API on local HTTPS. */
export async function startSimulatedOkta(
  options: StartSimulatedOktaOptions,
): Promise<SimulatedOkta> {
  const seed = await loadSimulatorSeed(options, parseOktaSeed, 'simulated Okta org');
  const org = new SimulatedOktaOrg(seed);
  const tls = await simulatedTenantCertificate();
  const keys = await Promise.all(
    seed.apps.map(() => generateKeyPair('RS256', { modulusLength: 2048, extractable: true })),
  );
  const server = new SimulatedOktaServer({
    org,
    tls,
    apps: seed.apps.map((app, i) => ({
      ...app,
      publicKey: (keys[i] as (typeof keys)[number]).publicKey,
    })),
    ...(seed.apiToken ? { apiToken: seed.apiToken } : {}),
    perMinute: seed.rateLimit.perMinute,
    latencyMs: options.latencyMs ?? 0,
    ...persistChanges(options.statePath, () => org.toSeed()),
  });
  await server.listen();
  const first = keys[0] as (typeof keys)[number];
  const config: OktaConfig = {
    orgs: [
      {
        tenantId: org.name,
        orgUrl: server.orgUrl,
        clientId: seed.apps[0]?.clientId ?? '',
        privateKey: await exportPKCS8(first.privateKey),
        keyId: 'simulated-key-1',
      },
    ],
  };
  return {
    orgUrl: server.orgUrl,
    ca: tls.cert,
    tenantId: org.name,
    config,
    state: org,
    ...server.controls(),
    setLatency: (ms) => server.setLatency(ms),
    close: () => server.close(),
  };
}

/** The production OktaIdentityProvider pointed at a simulated org (`mode: 'simulated'`). */
export function createSimulatedOktaProvider(okta: SimulatedOkta): OktaIdentityProvider {
  return new OktaIdentityProvider({ config: okta.config, mode: 'simulated', trustedCa: okta.ca });
}
