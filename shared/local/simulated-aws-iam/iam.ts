import { resolve } from 'node:path';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { loadSimulatorSeed, persistChanges } from '../simulator-seed.ts';
import type { SimulatorControls } from '../simulator-server.ts';
import { SimulatedIamAccount } from './account.ts';
import { type AwsIamSeedInput, parseAwsIamSeed } from './seed.ts';
import { type IamFaultRule, type IamRequestRecord, SimulatedIamServer } from './server.ts';

export const AWS_IAM_DEMO_SEED_PATH = resolve(import.meta.dirname, 'demo-seed.json');

export interface StartSimulatedAwsIamOptions {
  /** A seed object, or the path of a seed JSON file. */
  seed: AwsIamSeedInput | string;
  /**
   * Local mode: a JSON file holding the account's state. Loaded instead of the seed when it
   * exists, rewritten after every change, so what containment did survives between CLI runs.
   */
  statePath?: string;
  /** Fixed latency added to every answer. */
  latencyMs?: number;
  now?: () => Date;
}

export interface SimulatedAwsIam extends SimulatorControls<IamFaultRule, IamRequestRecord> {
  /** http://127.0.0.1:<port>: the IAM endpoint `client()` is configured with. */
  readonly endpoint: string;
  readonly accountId: string;
  /**
   * A real IAMClient for this endpoint: region us-east-1 (where IAM signs), static simulated
   * credentials. Closed with the simulator.
   */
  client(overrides?: Partial<IAMClientConfig>): IAMClient;
  /** The account's roles, inline policies, users and access keys (read; tests may change them). */
  readonly state: SimulatedIamAccount;
  setLatency(ms: number): void;
  close(): Promise<void>;
}

/** Simulated values: the simulator checks that requests are signed, never with what. */
const SIMULATED_CREDENTIALS = {
  accessKeyId: 'SIMULATEDLOCALIAMKEY',
  secretAccessKey: 'simulated-local-iam-not-a-secret',
};

/** Starts an in-memory AWS IAM account behind the IAM Query API on a local HTTP listener. */
export async function startSimulatedAwsIam(
  options: StartSimulatedAwsIamOptions,
): Promise<SimulatedAwsIam> {
  const seed = await loadSimulatorSeed(options, parseAwsIamSeed, 'simulated AWS IAM');
  const account = new SimulatedIamAccount(seed);
  const server = new SimulatedIamServer({
    account,
    latencyMs: options.latencyMs ?? 0,
    now: options.now ?? (() => new Date()),
    ...persistChanges(options.statePath, () => account.toSeed()),
  });
  await server.listen();
  const clients: IAMClient[] = [];
  return {
    endpoint: server.endpoint,
    accountId: account.accountId,
    client(overrides = {}) {
      const client = new IAMClient({
        region: 'us-east-1',
        endpoint: server.endpoint,
        credentials: SIMULATED_CREDENTIALS,
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    state: account,
    ...server.controls(),
    setLatency: (ms) => server.setLatency(ms),
    async close() {
      for (const client of clients.splice(0)) client.destroy();
      await server.close();
    },
  };
}
