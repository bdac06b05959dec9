import { join } from 'node:path';
import { DynamoDbContainmentWindow } from '../../shared/adapters/dynamodb/containment-window.ts';
import { DynamoDbLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.ts';
import { STATE_TABLE } from '../../shared/adapters/dynamodb/state-table-definition.ts';
import type { EntraIdentityProvider } from '../../shared/adapters/graph/entra-identity-provider.ts';
import { GraphRateLimiter } from '../../shared/adapters/graph/rate-limiter.ts';
import { defaultOwnershipMap } from '../../shared/config/load-ownership.ts';
import { CONTROL_CATALOG } from '../../shared/domain/controls/catalog.ts';
import type { Detection } from '../../shared/domain/detection.ts';
import { type ContainmentPolicy, parseContainmentPolicy } from '../../shared/domain/guardrails.ts';
import { createSimulatedEntraProvider } from '../../shared/local/simulated-tenant/provider.ts';
import {
  type SimulatedTenant,
  startSimulatedTenant,
} from '../../shared/local/simulated-tenant/tenant.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import type { ContainmentWindow } from '../../shared/ports/containment-window.ts';
import type { EventPublisher, ResponderEvent } from '../../shared/ports/events.ts';
import type { LedgerWriter } from '../../shared/ports/ledger.ts';
import { silentLog } from '../../shared/ports/log.ts';
import { type RespondDeps, type RespondResult, respond } from '../../shared/use-cases/respond.ts';
import { createTestTable, type TestTable } from '../support/dynamodb-local.ts';
import { ROOT, readJson } from './support.ts';

/**
 * The respond use case wired as the respond Lambda wires it, with local parts: the simulated
 * tenant over HTTPS (the production Graph adapter, short timeouts, retry waits recorded instead
 * of slept), the ledger and the containment window on the run's DynamoDB Local.
 */

export const DEMO_USERS = {
  maria: '1b688927-349c-4622-845d-03aefbc01f62',
  jonas: '2a7b9c41-58d3-4e6f-9b12-c3d4e5f60718',
  ingrid: '3b5d7f91-2c4e-4a6b-9d8f-0e1a2b3c4d5e',
  lars: '4c6e8a02-3d5f-4b7c-8e9a-1f2b3c4d5e6f',
  larsAdmin: '7d2a5e9c-1f48-4b63-8e07-c4a9f3d6b281',
  ingridAdmin: '4c8e1f6a-2b9d-4375-a0e6-b7d3c9f18a52',
  erik: 'b3f6a9d2-7e41-4c85-9d0b-1a8e6c4f2d97',
} as const;

/** The demo policy with a blast radius no test in these files reaches. */
export function roomyDemoPolicy(): ContainmentPolicy {
  const parsed = parseContainmentPolicy({
    ...(readJson('shared/local/simulated-tenant/demo-policy.json') as object),
    blastRadius: { maxContainments: 1000, windowSeconds: 900 },
  });
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

/** A detection of the AiTM example, about another user, with its own id. */
export function detectionAbout(
  subjectId: string,
  detectionId: string,
  severity: Detection['severity'] = 'high',
): Detection {
  const example = readJson('examples/aitm-phished-admin.json') as Detection;
  return {
    ...example,
    detectionId,
    severity,
    detectedAt: new Date().toISOString(),
    subject: { type: 'user', id: subjectId },
  };
}

export class RecordingBus implements EventPublisher {
  readonly events: ResponderEvent[] = [];
  async publish(events: readonly ResponderEvent[]): Promise<void> {
    this.events.push(...events);
  }
}

export interface Pipeline {
  tenant: SimulatedTenant;
  provider: EntraIdentityProvider;
  ledger: DynamoDbLedgerStore;
  ledgerTable: TestTable;
  stateTable: TestTable;
  bus: RecordingBus;
  /** Retry waits the Graph adapter asked for (not slept). */
  waits: number[];
  /** Moves the Graph adapter's clock (its pacing and Retry-After pauses) forward. */
  advance(ms: number): void;
  deps(overrides?: Partial<RespondDeps>): RespondDeps;
  close(): Promise<void>;
}

export async function startPipeline(
  options: { requestTimeoutMs?: number; ledger?: LedgerWriter; window?: ContainmentWindow } = {},
): Promise<Pipeline> {
  const tenant = await startSimulatedTenant({
    seed: join(ROOT, 'shared/local/simulated-tenant/demo-seed.json'),
    // Identity Protection's 1/s pacing is the benchmark's business, not these tests'.
    throttling: { identityProtectionPerSecond: false },
  });
  const waits: number[] = [];
  // The adapter's view of time, moved forward when the queue would wait (visibility timeout).
  let skewMs = 0;
  const now = () => Date.now() + skewMs;
  const provider = createSimulatedEntraProvider(tenant, {
    requestTimeoutMs: options.requestTimeoutMs ?? 400,
    retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10_000 },
    rateLimiter: new GraphRateLimiter({ identityProtectionIntervalMs: 0 }, now),
    clock: { now: () => new Date(now()) },
    sleep: async (ms) => {
      waits.push(ms);
    },
  });
  await provider.warmUp();
  const ledgerTable = await createTestTable('reliability-ledger');
  const stateTable = await createTestTable('reliability-state', STATE_TABLE);
  const ledger = new DynamoDbLedgerStore({
    client: ledgerTable.client,
    tableName: ledgerTable.tableName,
  });
  const bus = new RecordingBus();
  const policy = roomyDemoPolicy();
  return {
    tenant,
    provider,
    ledger,
    ledgerTable,
    stateTable,
    bus,
    waits,
    advance: (ms) => {
      skewMs += ms;
    },
    deps: (overrides = {}) => ({
      identityProviderFor: (detection) =>
        detection.tenant.provider === 'entra' ? provider : undefined,
      policy,
      window:
        options.window ?? new DynamoDbContainmentWindow(stateTable.client, stateTable.tableName),
      catalog: CONTROL_CATALOG,
      ownership: defaultOwnershipMap,
      ledger: options.ledger ?? ledger,
      events: bus,
      clock: systemClock,
      log: silentLog,
      mode: 'simulated',
      ...overrides,
    }),
    close: async () => {
      provider.close();
      await tenant.close();
      await ledgerTable.drop();
      await stateTable.drop();
    },
  };
}

export type QueueOutcome =
  | { kind: 'processed'; receives: number; result: RespondResult }
  | { kind: 'deadLettered'; receives: number; error: unknown };

/** The respond queue's settings in infra/: 5 receives, then the dead-letter queue; 180 s apart. */
export const MAX_RECEIVE_COUNT = 5;
export const VISIBILITY_TIMEOUT_MS = 180_000;

/**
 * What SQS does with the respond function: a receive that throws is redelivered after the
 * visibility timeout (`beforeRedelivery` lets that time pass), up to `maxReceiveCount` receives;
 * then the message goes to the dead-letter queue.
 */
export async function throughQueue(
  detection: Detection,
  deps: RespondDeps,
  options: { maxReceiveCount?: number; beforeRedelivery?: () => void } = {},
): Promise<QueueOutcome> {
  const maxReceiveCount = options.maxReceiveCount ?? MAX_RECEIVE_COUNT;
  let error: unknown;
  for (let receive = 1; receive <= maxReceiveCount; receive++) {
    if (receive > 1) options.beforeRedelivery?.();
    try {
      return { kind: 'processed', receives: receive, result: await respond({ detection }, deps) };
    } catch (thrown) {
      error = thrown;
    }
  }
  return { kind: 'deadLettered', receives: maxReceiveCount, error };
}
