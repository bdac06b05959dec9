import {
  type DynamoDBClient,
  GetItemCommand,
  type GetItemCommandInput,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  type QueryCommandInput,
  ThrottlingException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItemsCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DynamoDbContainmentWindow } from '../../shared/adapters/dynamodb/containment-window.ts';
import { DynamoDbLedgerStore } from '../../shared/adapters/dynamodb/ledger-store.ts';
import { blastRadiusSource } from '../../shared/domain/guardrails.ts';
import { LedgerUnavailableError } from '../../shared/domain/ledger/errors.ts';
import { localDynamoDbClient } from '../../shared/local/embedded-dynamodb.ts';
import { respond } from '../../shared/use-cases/respond.ts';
import { verifyLedger } from '../../shared/use-cases/verify-ledger.ts';
import {
  DEMO_USERS,
  detectionAbout,
  type Pipeline,
  startPipeline,
  throughQueue,
} from './pipeline.ts';
import { expectOneRecordPerStep, incidentRecords } from './support.ts';

/**
 * DynamoDB throttling and conditional failures, injected with aws-sdk-client-mock on the client
 * the ledger (or the containment window) is given; every call not faulted goes on to the run's
 * DynamoDB Local. Nothing is lost: the detection is processed, or the failure is thrown so the
 * queue redelivers it, and the redelivery completes the ledger without a step twice.
 */

type Operation = 'Query' | 'TransactWriteItems' | 'GetItem' | 'PutItem' | 'UpdateItem';

/** A DynamoDB client whose calls fail as scripted, then reach DynamoDB Local. */
interface FaultyClient {
  client: DynamoDBClient;
  /** The next `times` calls of `operation` fail with `error()`. */
  inject(operation: Operation, error: () => Error, times: number): void;
  /** Forgets the script and the counts. */
  clear(): void;
  /** Holds the next `count` transactions until all of them have arrived, then lets them race. */
  gateTransactions(count: number): void;
  /** Faults thrown since the last clear, by operation. */
  thrown: Record<Operation, number>;
  /** Transactions DynamoDB Local itself cancelled on a condition since the last clear. */
  conditionalFailures: number;
  close(): void;
}

function faultyClient(endpoint: string): FaultyClient {
  const real = localDynamoDbClient(endpoint);
  const client = localDynamoDbClient(endpoint);
  const mock = mockClient(client);
  const pending: Array<{ operation: Operation; error: () => Error; times: number }> = [];
  const thrown: Record<Operation, number> = {
    Query: 0,
    TransactWriteItems: 0,
    GetItem: 0,
    PutItem: 0,
    UpdateItem: 0,
  };
  const fault = (operation: Operation) => {
    const rule = pending.find((p) => p.operation === operation && p.times > 0);
    if (!rule) return;
    rule.times -= 1;
    thrown[operation] += 1;
    throw rule.error();
  };
  mock.on(QueryCommand).callsFake(async (input: QueryCommandInput) => {
    fault('Query');
    return real.send(new QueryCommand(input));
  });
  let gate: { waiting: Array<() => void>; count: number } | undefined;
  const counts = { conditionalFailures: 0 };
  mock.on(TransactWriteItemsCommand).callsFake(async (input: TransactWriteItemsCommandInput) => {
    fault('TransactWriteItems');
    if (gate && gate.count > 0) {
      const held = gate;
      held.count -= 1;
      await new Promise<void>((resolve) => {
        held.waiting.push(resolve);
        if (held.count === 0) for (const release of held.waiting) release();
      });
    }
    try {
      return await real.send(new TransactWriteItemsCommand(input));
    } catch (error) {
      if (error instanceof TransactionCanceledException) counts.conditionalFailures += 1;
      throw error;
    }
  });
  mock.on(GetItemCommand).callsFake(async (input: GetItemCommandInput) => {
    fault('GetItem');
    return real.send(new GetItemCommand(input));
  });
  mock.on(PutItemCommand).callsFake(async (input: PutItemCommandInput) => {
    fault('PutItem');
    return real.send(new PutItemCommand(input));
  });
  mock.on(UpdateItemCommand).callsFake(async (input: UpdateItemCommandInput) => {
    fault('UpdateItem');
    return real.send(new UpdateItemCommand(input));
  });
  return {
    client,
    inject: (operation, error, times) => pending.push({ operation, error, times }),
    clear: () => {
      pending.length = 0;
      gate = undefined;
      counts.conditionalFailures = 0;
      for (const operation of Object.keys(thrown) as Operation[]) thrown[operation] = 0;
    },
    gateTransactions: (count) => {
      gate = { waiting: [], count };
    },
    thrown,
    get conditionalFailures() {
      return counts.conditionalFailures;
    },
    close: () => {
      mock.restore();
      client.destroy();
      real.destroy();
    },
  };
}

const throughput = () =>
  new ProvisionedThroughputExceededException({
    message: 'Rate of requests exceeds',
    $metadata: {},
  });
const throttling = () => new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
/** Another writer took the chain position this transaction's first record wanted. */
const positionTaken = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
  });

let pipeline: Pipeline;
let faulty: FaultyClient;
let ledger: DynamoDbLedgerStore;
let window: DynamoDbContainmentWindow;

beforeAll(async () => {
  pipeline = await startPipeline();
  faulty = faultyClient(inject('dynamodbEndpoint'));
  // Backoff waits are not slept: the test is about what happens, not how long it takes.
  ledger = new DynamoDbLedgerStore({
    client: faulty.client,
    tableName: pipeline.ledgerTable.tableName,
    sleep: async () => {},
  });
  window = new DynamoDbContainmentWindow(faulty.client, pipeline.stateTable.tableName);
});

afterAll(async () => {
  faulty?.close();
  await pipeline?.close();
});

const revokesOf = (id: string) =>
  pipeline.tenant
    .requests()
    .filter((r) => r.method === 'POST' && r.path === `/users/${id}/revokeSignInSessions`).length;

describe('DynamoDB faults', () => {
  it('rides out intermittent throttling of the ledger: processed, one record per step', async () => {
    faulty.clear();
    faulty.inject('Query', throughput, 2);
    faulty.inject('TransactWriteItems', throttling, 2);
    const detection = detectionAbout(DEMO_USERS.maria, 'ddb-throttled-briefly');
    const outcome = await throughQueue(detection, pipeline.deps({ ledger }));
    expect(outcome).toMatchObject({ kind: 'processed', receives: 1 });
    expect(faulty.thrown.Query + faulty.thrown.TransactWriteItems).toBe(4);
    if (outcome.kind !== 'processed') return;
    expect(outcome.result.status).toBe('contained');
    expectOneRecordPerStep(await incidentRecords(pipeline.ledger, outcome.result.incidentId));
  });

  it('throws when the ledger stays throttled, after containing; the redelivery completes it', async () => {
    faulty.clear();
    faulty.inject('TransactWriteItems', throttling, 1000);
    const detection = detectionAbout(DEMO_USERS.jonas, 'ddb-throttled-long');
    await expect(respond({ detection }, pipeline.deps({ ledger }))).rejects.toBeInstanceOf(
      LedgerUnavailableError,
    );
    // Containment did not wait for the ledger: the session was revoked before the append failed.
    expect(revokesOf(DEMO_USERS.jonas)).toBe(1);

    faulty.clear();
    const redelivered = await throughQueue(detection, pipeline.deps({ ledger }));
    expect(redelivered).toMatchObject({ kind: 'processed', receives: 1 });
    if (redelivered.kind !== 'processed') return;
    const records = await incidentRecords(pipeline.ledger, redelivered.result.incidentId);
    expectOneRecordPerStep(records);
    expect(records.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['detection.received', 'containment.action', 'finding']),
    );
    // Without the idempotency record (the failed run left none) the redelivery revokes again:
    // revocation is safe to repeat, and the ledger shows the step once.
    expect(revokesOf(DEMO_USERS.jonas)).toBe(2);
    expect(
      records.filter(
        (r) => r.kind === 'containment.action' && (r.data.action as string) === 'revokeSessions',
      ),
    ).toHaveLength(1);
  });

  it('re-reads the head when a conditional write finds its position taken, and loses nothing', async () => {
    faulty.clear();
    faulty.inject('TransactWriteItems', positionTaken, 2);
    const detection = detectionAbout(DEMO_USERS.ingrid, 'ddb-position-taken');
    const outcome = await throughQueue(detection, pipeline.deps({ ledger }));
    expect(outcome).toMatchObject({ kind: 'processed', receives: 1 });
    expect(faulty.thrown.TransactWriteItems).toBe(2);
    if (outcome.kind !== 'processed') return;
    const records = await incidentRecords(pipeline.ledger, outcome.result.incidentId);
    expectOneRecordPerStep(records);
    expect(records).toHaveLength(outcome.result.ledger.records);
  });

  it('keeps one record per step when three deliveries race on the same chain (real conditional failures)', async () => {
    faulty.clear();
    // The three first appends all read an empty chain, then write position 1 at once.
    faulty.gateTransactions(3);
    const detection = detectionAbout(DEMO_USERS.lars, 'ddb-racing-deliveries');
    const results = await Promise.all(
      [1, 2, 3].map(() => respond({ detection }, pipeline.deps({ ledger }))),
    );
    const incidentId = results[0]?.incidentId ?? '';
    const records = await incidentRecords(pipeline.ledger, incidentId);
    expect(faulty.conditionalFailures).toBeGreaterThanOrEqual(2);
    expectOneRecordPerStep(records);
    expect(results.reduce((sum, r) => sum + r.ledger.appended, 0)).toBe(records.length);
    expect(
      results
        .map((r) => r.ledger.records)
        .sort((a, b) => a - b)
        .at(-1),
    ).toBe(records.length);
  });

  it('throws before containing when the blast-radius window is throttled, and acts on the redelivery', async () => {
    faulty.clear();
    faulty.inject('UpdateItem', throttling, 1000);
    const detection = detectionAbout(DEMO_USERS.erik, 'ddb-window-throttled');
    const deps = pipeline.deps({ window });
    // Fail closed: without the count, the guardrail cannot say the tenant is not being mass-contained.
    await expect(respond({ detection }, deps)).rejects.toBeInstanceOf(ThrottlingException);
    expect(revokesOf(DEMO_USERS.erik)).toBe(0);

    faulty.clear();
    const redelivered = await throughQueue(detection, deps);
    expect(redelivered).toMatchObject({ kind: 'processed', receives: 1 });
    if (redelivered.kind !== 'processed') return;
    expect(redelivered.result.status).toBe('contained');
    expect(revokesOf(DEMO_USERS.erik)).toBe(1);

    // A later redelivery finds its window entry, settled by the first delivery, and counts once.
    const windowCount = async () => {
      const records = await incidentRecords(pipeline.ledger, redelivered.result.incidentId);
      const decision = records.find((r) => r.kind === 'guardrail.decision');
      return (decision?.data.blastRadius as { containmentsInWindow: number } | undefined)
        ?.containmentsInWindow;
    };
    const counted = await windowCount();
    expect(counted).toBeGreaterThan(0);
    const { blastRadius } = pipeline.deps().policy;
    const again = (
      await window.claim({
        tenantId: detection.tenant.tenantId,
        source: blastRadiusSource(detection),
        incidentId: redelivered.result.incidentId,
        at: new Date(),
        windowSeconds: blastRadius.windowSeconds,
        maxPerSource: blastRadius.maxContainmentsPerSource ?? blastRadius.maxContainments,
      })
    ).counts.tenant;
    expect(again).toBe(counted);
  });

  it('leaves the ledger intact', async () => {
    faulty.clear();
    const verification = await verifyLedger(pipeline.ledger);
    expect(verification.broken).toEqual([]);
    expect(verification.intact).toBe(true);
  });
});
