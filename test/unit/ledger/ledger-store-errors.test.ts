import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  QueryCommand,
  ThrottlingException,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import {
  LedgerConflictError,
  LedgerUnavailableError,
} from '../../../shared/domain/ledger/errors.ts';
import type { LedgerEntry } from '../../../shared/domain/ledger/record.ts';

const ddb = mockClient(DynamoDBClient);
let waits: number[];

function store(options: { maxConflictAttempts?: number } = {}) {
  return new DynamoDbLedgerStore({
    client: new DynamoDBClient({ region: 'us-east-1' }),
    tableName: 'ledger',
    clock: { now: () => new Date('2026-03-17T09:00:00.000Z') },
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...options,
  });
}

const entry = (stepKey: string): LedgerEntry => ({ kind: 'finding', stepKey, data: {} });
const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes.map((Code) => ({ Code })),
  });
const headAt = (seq: number) => ({
  Items: [{ sk: { S: `REC#${String(seq).padStart(10, '0')}` }, hash: { S: `h${seq}` } }],
});

beforeEach(() => {
  ddb.reset();
  waits = [];
});

describe('throttling', () => {
  it('retries a throttled query with backoff and then succeeds', async () => {
    ddb.on(QueryCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves(headAt(4));
    expect(await store().head('inc-1')).toEqual({ seq: 4, hash: 'h4' });
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(3);
    expect(waits).toHaveLength(2);
    expect(waits[1]).toBeGreaterThan(waits[0] as number);
  });

  it('surfaces throttling that does not stop, after a bounded number of attempts', async () => {
    ddb
      .on(QueryCommand)
      .rejects(new ThrottlingException({ message: 'Rate exceeded', $metadata: {} }));
    const failure = store().query({ incidentId: 'inc-1' });
    await expect(failure).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(failure).rejects.toThrow(/ThrottlingException.*gave up after 6 attempts/);
    expect(ddb.commandCalls(QueryCommand)).toHaveLength(6);
  });

  it('retries a transaction cancelled only by throttling, and surfaces it when it persists', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('ThrottlingError', 'None'));
    await expect(store().append('inc-1', [entry('a')])).rejects.toBeInstanceOf(
      LedgerUnavailableError,
    );
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(6);
  });
});

describe('conditional-check failures in the append transaction', () => {
  it('re-reads the head and retries when another writer took the position', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [] }).resolves(headAt(1));
    ddb
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None'))
      .resolves({});
    const result = await store().append('inc-1', [entry('mine')]);
    expect(result.appended).toHaveLength(1);
    expect(result.appended[0]).toMatchObject({ seq: 2, prevHash: 'h1' });
    const [first, second] = ddb.commandCalls(TransactWriteItemsCommand);
    const keyOf = (call: typeof first) => call?.args[0].input.TransactItems?.[0]?.Put?.Item?.sk?.S;
    expect(keyOf(first)).toBe('REC#0000000001');
    expect(keyOf(second)).toBe('REC#0000000002');
    expect(first?.args[0].input.TransactItems?.[0]?.Put?.ConditionExpression).toBe(
      'attribute_not_exists(#pk)',
    );
    expect(waits).toHaveLength(1);
  });

  it('drops a step whose marker already exists, writing the rest', async () => {
    ddb.on(QueryCommand).resolvesOnce({ Items: [] }).resolves(headAt(1));
    ddb
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled('None', 'ConditionalCheckFailed', 'ConditionalCheckFailed', 'None'))
      .resolves({});
    const result = await store().append('inc-1', [entry('old'), entry('new')]);
    expect(result.duplicates).toBe(1);
    expect(result.appended.map((r) => [r.stepKey, r.seq])).toEqual([['new', 2]]);
  });

  it('gives up with a conflict error after its bounded attempts', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('ConditionalCheckFailed', 'None'));
    await expect(store({ maxConflictAttempts: 3 }).append('inc-1', [entry('a')])).rejects.toThrow(
      LedgerConflictError,
    );
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(3);
  });

  it('surfaces a cancellation it cannot act on (a validation error) unchanged', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteItemsCommand).rejects(cancelled('ValidationError', 'None'));
    await expect(store().append('inc-1', [entry('a')])).rejects.toBeInstanceOf(
      TransactionCanceledException,
    );
    expect(ddb.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
  });

  it('never sends an update or a delete', async () => {
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(TransactWriteItemsCommand).resolves({});
    await store().append('inc-1', [entry('a'), entry('b')]);
    const actions = ddb
      .commandCalls(TransactWriteItemsCommand)
      .flatMap((call) => call.args[0].input.TransactItems ?? [])
      .flatMap((item) => Object.keys(item));
    expect(new Set(actions)).toEqual(new Set(['Put']));
  });
});
