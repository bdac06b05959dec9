import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbContainmentWindow } from '../../shared/adapters/dynamodb/containment-window.ts';
import { idempotentOn } from '../../shared/adapters/dynamodb/idempotency.ts';
import { DynamoDbLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.ts';
import { LEDGER_TABLE } from '../../shared/adapters/dynamodb/ledger-table-definition.ts';
import { STATE_TABLE } from '../../shared/adapters/dynamodb/state-table-definition.ts';
import { parseBoundedJson } from '../../shared/adapters/http/bounded-json.ts';
import { InMemoryContainmentWindow } from '../../shared/adapters/memory/containment-window.ts';
import { InMemoryLedgerStore } from '../../shared/adapters/memory/ledger-store.ts';
import { defaultOwnershipMap } from '../../shared/config/load-ownership.ts';
import type {
  ActionOutcome,
  ContainmentRequest,
  ContainmentResult,
  RestoreRequest,
  VerificationResult,
} from '../../shared/domain/containment.ts';
import { CONTROL_CATALOG } from '../../shared/domain/controls/catalog.ts';
import type { Subject } from '../../shared/domain/detection.ts';
import type { ContainmentPolicy } from '../../shared/domain/guardrails.ts';
import {
  type EmbeddedDynamoDb,
  startEmbeddedDynamoDb,
} from '../../shared/local/embedded-dynamodb.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import type { ContainmentWindow } from '../../shared/ports/containment-window.ts';
import type { EventPublisher, ResponderEvent } from '../../shared/ports/events.ts';
import type { IdentityProvider } from '../../shared/ports/identity-provider.ts';
import type { LedgerReader, LedgerWriter } from '../../shared/ports/ledger.ts';
import { silentLog } from '../../shared/ports/log.ts';
import { normalizeEvent } from '../../shared/sources/normalize.ts';
import { type StartedGuards, startGuards } from '../../shared/use-cases/blast-radius.ts';
import { type RespondInput, type RespondResult, respond } from '../../shared/use-cases/respond.ts';
import { TRUSTED_SOURCE } from './fixtures.ts';

/**
 * The respond Lambda's path, composed the way shared/aws/runtime.ts composes it, on local parts:
 * the SQS body bounded-parsed and normalized, then Powertools idempotency on the state table,
 * the blast-radius window on the state table and the hash-chained ledger, all on DynamoDB
 * Local. Only the event bus is replaced (by a counter): it is written after containment.
 */

const BENCH_LEDGER_TABLE = 'bench-ledger';
const BENCH_STATE_TABLE = 'bench-state';
const MAX_MESSAGE_BYTES = 256 * 1024;

/** DynamoDB Local in memory with the ledger and state tables. */
export function startBenchDynamoDb(): Promise<EmbeddedDynamoDb> {
  return startEmbeddedDynamoDb({
    tables: [
      { tableName: BENCH_LEDGER_TABLE, definition: LEDGER_TABLE },
      { tableName: BENCH_STATE_TABLE, definition: STATE_TABLE },
    ],
  });
}

/** Counts what the responder would put on the bus. */
class CountingPublisher implements EventPublisher {
  published = 0;
  async publish(events: readonly ResponderEvent[]): Promise<void> {
    this.published += events.length;
  }
}

/**
 * A ledger whose records leave the process, as they do to DynamoDB: each append builds and
 * hash-chains the records with the real chain code, then keeps only what a query needs to
 * account for a detection (kind, step, status, position, hash), not the payloads. So a long
 * run in memory holds what a Lambda would, not 1,000 incidents' worth of records.
 */
export class ShippedLedger extends InMemoryLedgerStore {
  bytesShipped = 0;

  constructor() {
    super(systemClock, (record) => {
      this.bytesShipped += JSON.stringify(record).length;
      const { incidentId, kind, stepKey, status, seq, hash, prevHash, recordedAt } = record;
      return {
        incidentId,
        kind,
        stepKey,
        seq,
        hash,
        prevHash,
        recordedAt,
        data: {},
        ...(status === undefined ? {} : { status }),
      };
    });
  }
}

/**
 * Wraps an identity provider to note when `contain` is entered: the adapter measures from there
 * to the revoke being acknowledged, this adds what came before (no production timing hook).
 */
export class ContainEntryProbe implements IdentityProvider {
  readonly provider: IdentityProvider['provider'];
  readonly mode: IdentityProvider['mode'];
  readonly #inner: IdentityProvider;
  enteredAt: number | undefined;

  constructor(inner: IdentityProvider) {
    this.#inner = inner;
    this.provider = inner.provider;
    this.mode = inner.mode;
  }

  coversTenant(tenantId: string): boolean {
    return this.#inner.coversTenant(tenantId);
  }

  contain(request: ContainmentRequest): Promise<ContainmentResult> {
    this.enteredAt = performance.now();
    return this.#inner.contain(request);
  }

  verify(request: {
    tenantId: string;
    subject: Subject;
    detectedAt: string;
  }): Promise<VerificationResult> {
    return this.#inner.verify(request);
  }

  restore(request: RestoreRequest): Promise<ActionOutcome[]> {
    return this.#inner.restore(request);
  }
}

/** The SQS record body to a respond input, exactly as functions/respond/handler.ts does it. */
export function respondInputFrom(body: string): RespondInput {
  const parsed = parseBoundedJson(body, { maxBytes: MAX_MESSAGE_BYTES });
  if (!parsed.ok) throw new Error(`benchmark event refused: ${parsed.error}`);
  const normalized = normalizeEvent(parsed.value, { trustedNativeSources: [TRUSTED_SOURCE] });
  if (normalized.kind !== 'detection') {
    throw new Error(
      `benchmark event not a detection: ${normalized.kind === 'invalid' ? normalized.error.message : normalized.reason}`,
    );
  }
  return {
    detection: normalized.detection,
    sourceEventId: normalized.sourceEventId,
    rawSha256: normalized.rawSha256,
  };
}

export interface BenchResponder {
  respondOnce(input: RespondInput): Promise<{ result: RespondResult; replayed: boolean }>;
  ledger: LedgerWriter & LedgerReader;
  window: ContainmentWindow;
  events: CountingPublisher;
}

/**
 * respond() acting through `provider` on Entra detections. `client`: behind idempotency, with
 * the window and the ledger on DynamoDB (the Lambda's composition). Without it: window and
 * ledger in memory and no idempotency record, the floor when state costs nothing.
 */
export function benchResponder(options: {
  client?: DynamoDBClient;
  provider: IdentityProvider;
  policy: ContainmentPolicy;
  /** In memory: share another responder's ledger and window (one table in AWS). */
  shareStateWith?: BenchResponder;
  /** In memory: keep records whole (`keep`, the default) or only their skeleton (`ship`). */
  ledger?: 'keep' | 'ship';
}): BenchResponder {
  const { client, shareStateWith } = options;
  const ledger =
    shareStateWith?.ledger ??
    (client
      ? new DynamoDbLedgerStore({ client, tableName: BENCH_LEDGER_TABLE })
      : options.ledger === 'ship'
        ? new ShippedLedger()
        : new InMemoryLedgerStore());
  const events = new CountingPublisher();
  const deps = {
    identityProviderFor: (detection: { tenant: { provider: string } }) =>
      detection.tenant.provider === 'entra' ? options.provider : undefined,
    policy: options.policy,
    window:
      shareStateWith?.window ??
      (client
        ? new DynamoDbContainmentWindow(client, BENCH_STATE_TABLE)
        : new InMemoryContainmentWindow()),
    catalog: CONTROL_CATALOG,
    ownership: defaultOwnershipMap,
    ledger,
    events,
    clock: systemClock,
    log: silentLog,
    mode: options.provider.mode,
  };
  if (!client) {
    return {
      respondOnce: async (input) => ({ result: await respond(input, deps), replayed: false }),
      ledger,
      window: deps.window,
      events,
    };
  }
  const once = idempotentOn({
    client,
    tableName: BENCH_STATE_TABLE,
    scope: 'respond',
    keyOf: (guards: StartedGuards<RespondInput>) => guards.incidentId,
    work: (guards: StartedGuards<RespondInput>) => respond(guards.input, deps, guards),
  });
  return {
    respondOnce: (input) => once(startGuards(input, deps)),
    ledger,
    window: deps.window,
    events,
  };
}
