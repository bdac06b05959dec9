import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { ConfigError } from '../../domain/errors.ts';
import { SimulatedIamAccount } from './account.ts';
import { type AwsIamSeed, type AwsIamSeedInput, parseAwsIamSeed } from './seed.ts';
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

export interface SimulatedAwsIam {
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
  readonly faults: {
    inject(rule: IamFaultRule): void;
    clear(): void;
    pending(): number;
  };
  setLatency(ms: number): void;
  /** Every request received, in arrival order. */
  requests(): IamRequestRecord[];
  clearRequests(): void;
  close(): Promise<void>;
}

/** Simulated values: the simulator checks that requests are signed, never with what. */
const SIMULATED_CREDENTIALS = {
  accessKeyId: 'SIMULATEDLOCALIAMKEY',
  secretAccessKey: 'simulated-local-iam-not-a-secret',
};

async function loadSeed(seed: AwsIamSeedInput | string): Promise<AwsIamSeed> {
  let input: unknown = seed;
  if (typeof seed === 'string') {
    try {
      input = JSON.parse(await readFile(seed, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read simulated AWS IAM seed ${seed}: ${String(error)}`, {
        cause: error,
      });
    }
  }
  const parsed = parseAwsIamSeed(input);
  if (!parsed.ok) throw new ConfigError(parsed.error.message, { cause: parsed.error });
  return parsed.value;
}

/** Starts an in-memory AWS IAM account behind the IAM Query API on a local HTTP listener. */
export async function startSimulatedAwsIam(
  options: StartSimulatedAwsIamOptions,
): Promise<SimulatedAwsIam> {
  const { statePath } = options;
  const seed = await loadSeed(
    statePath !== undefined && existsSync(statePath) ? statePath : options.seed,
  );
  const account = new SimulatedIamAccount(seed);
  const server = new SimulatedIamServer({
    account,
    latencyMs: options.latencyMs ?? 0,
    now: options.now ?? (() => new Date()),
    ...(statePath === undefined
      ? {}
      : {
          onChange: () => {
            const text = `${JSON.stringify(account.toSeed(), null, 2)}\n`;
            writeFileSync(statePath, text, { mode: 0o600 });
          },
        }),
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
    faults: {
      inject: (rule) => server.injectFault(rule),
      clear: () => server.clearFaults(),
      pending: () => server.pendingFaults(),
    },
    setLatency: (ms) => server.setLatency(ms),
    requests: () => server.requests(),
    clearRequests: () => server.clearRequests(),
    async close() {
      for (const client of clients.splice(0)) client.destroy();
      await server.close();
    },
  };
}
