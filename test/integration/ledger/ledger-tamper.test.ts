import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { recordItem } from '../../../shared/adapters/dynamodb/ledger-items.ts';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import { hashRecord } from '../../../shared/domain/ledger/chain.ts';
import type { LedgerEntry, LedgerRecord } from '../../../shared/domain/ledger/record.ts';
import { verifyLedger } from '../../../shared/use-cases/verify-ledger.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';

/**
 * Each test gets its own table with two intact incidents and a checkpoint, then tampers with the
 * table directly through the DynamoDB client, as someone with table access could.
 */
let table: TestTable;
const tables: TestTable[] = [];
afterAll(async () => {
  for (const t of tables) await t.drop();
});

async function freshLedger() {
  table = await createTestTable('ledger-tamper');
  tables.push(table);
  const store = new DynamoDbLedgerStore({ client: table.client, tableName: table.tableName });
  const victim = 'inc-victim';
  const bystander = 'inc-bystander';
  const entries = (n: number): LedgerEntry[] =>
    Array.from({ length: n }, (_, i) => ({
      kind: 'finding',
      stepKey: `finding:control-${i + 1}`,
      ownerRole: 'iam',
      ownerTeam: 'identity',
      controlId: `control-${i + 1}`,
      status: 'failed',
      data: { reason: `control ${i + 1} failed` },
    }));
  const { appended } = await store.append(victim, entries(5));
  await store.append(bystander, entries(2));
  await store.writeCheckpoint({ settleMs: 0 });
  return { store, victim, bystander, records: appended };
}

const key = (incidentId: string, sk: string) => ({
  pk: { S: `INC#${incidentId}` },
  sk: { S: sk },
});
const recordKey = (incidentId: string, seq: number) =>
  key(incidentId, `REC#${String(seq).padStart(10, '0')}`);

async function putRaw(record: LedgerRecord) {
  await table.client.send(
    new PutItemCommand({ TableName: table.tableName, Item: recordItem(record) }),
  );
}

describe('ledger verify detects tampering on DynamoDB Local', () => {
  it('reports an untouched ledger as intact', async () => {
    const { store } = await freshLedger();
    const result = await verifyLedger(store);
    expect(result).toMatchObject({
      intact: true,
      incidents: 2,
      records: 7,
      checkpoints: 1,
      unattestedRecords: 0,
      broken: [],
    });
    expect(result.firstBroken).toBeUndefined();
  });

  it('names a record whose field was changed', async () => {
    const { store, victim } = await freshLedger();
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: recordKey(victim, 3),
        UpdateExpression: 'SET ownerTeam = :t',
        ExpressionAttributeValues: { ':t': { S: 'someone-else' } },
      }),
    );
    const result = await verifyLedger(store);
    expect(result.intact).toBe(false);
    expect(result.firstBroken).toMatchObject({
      incidentId: victim,
      seq: 3,
      stepKey: 'finding:control-3',
      problem: 'changed',
    });
    expect(result.broken).toHaveLength(1);
  });

  it('names a record that was rewritten with a recomputed hash', async () => {
    const { store, victim, records } = await freshLedger();
    const original = records[1] as LedgerRecord;
    const forged = { ...original, status: 'held' };
    await putRaw({ ...forged, hash: hashRecord(forged) });
    const result = await verifyLedger(store);
    expect(result.firstBroken).toMatchObject({ incidentId: victim, seq: 3, problem: 'changed' });
    expect(result.firstBroken?.detail).toMatch(/does not link to record 2/);
  });

  it('names a removed record in the middle of a chain', async () => {
    const { store, victim } = await freshLedger();
    await table.client.send(
      new DeleteItemCommand({ TableName: table.tableName, Key: recordKey(victim, 2) }),
    );
    const result = await verifyLedger(store);
    expect(result.firstBroken).toMatchObject({ incidentId: victim, seq: 2, problem: 'removed' });
  });

  it('names the last record when it was removed together with its step marker (the checkpoint saw it)', async () => {
    const { store, victim } = await freshLedger();
    await table.client.send(
      new DeleteItemCommand({ TableName: table.tableName, Key: recordKey(victim, 5) }),
    );
    await table.client.send(
      new DeleteItemCommand({
        TableName: table.tableName,
        Key: key(victim, 'STEP#finding:control-5'),
      }),
    );
    const result = await verifyLedger(store);
    expect(result.firstBroken).toMatchObject({ incidentId: victim, seq: 5, problem: 'removed' });
  });

  it('notices a whole incident removed, index entry and step markers included', async () => {
    const { store, bystander } = await freshLedger();
    const { records, markers } = await store.incidentChain(bystander);
    for (const r of records) {
      await table.client.send(
        new DeleteItemCommand({ TableName: table.tableName, Key: key(bystander, r.key) }),
      );
    }
    for (const m of markers) {
      await table.client.send(
        new DeleteItemCommand({
          TableName: table.tableName,
          Key: key(bystander, `STEP#${m.stepKey}`),
        }),
      );
    }
    const result = await verifyLedger(store);
    expect(result.intact).toBe(false);
    expect(result.firstBroken).toMatchObject({ incidentId: bystander, problem: 'removed' });
  });

  it('names an inserted record when the records after it were renumbered', async () => {
    const { store, victim, records } = await freshLedger();
    const [, second, third, fourth, fifth] = records as LedgerRecord[];
    // Shift records 3..5 to positions 4..6 (keys only), then slip a forged record in at 3,
    // correctly linked to record 2 and with a valid hash of its own.
    for (const r of [fifth, fourth, third] as LedgerRecord[]) {
      const item = recordItem(r);
      item.sk = { S: `REC#${String(r.seq + 1).padStart(10, '0')}` };
      await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: item }));
    }
    const forged = {
      ...(third as LedgerRecord),
      stepKey: 'finding:forged',
      controlId: 'forged',
      prevHash: (second as LedgerRecord).hash,
    };
    await putRaw({ ...forged, hash: hashRecord(forged) });
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: {
          ...key(victim, 'STEP#finding:forged'),
          stepKey: { S: 'finding:forged' },
          seq: { N: '3' },
        },
      }),
    );
    const result = await verifyLedger(store);
    expect(result.firstBroken).toMatchObject({
      incidentId: victim,
      seq: 3,
      stepKey: 'finding:forged',
      problem: 'inserted',
    });
  });

  it('names reordered records', async () => {
    const { store, victim, records } = await freshLedger();
    const third = records[2] as LedgerRecord;
    const fourth = records[3] as LedgerRecord;
    // Swap the positions of records 3 and 4.
    const a = recordItem(fourth);
    a.sk = { S: `REC#${String(3).padStart(10, '0')}` };
    const b = recordItem(third);
    b.sk = { S: `REC#${String(4).padStart(10, '0')}` };
    await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: a }));
    await table.client.send(new PutItemCommand({ TableName: table.tableName, Item: b }));
    const result = await verifyLedger(store);
    expect(result.firstBroken).toMatchObject({ incidentId: victim, seq: 3, problem: 'reordered' });
  });

  it('names a record moved out of the time index it belongs to', async () => {
    const { store, victim } = await freshLedger();
    await table.client.send(
      new UpdateItemCommand({
        TableName: table.tableName,
        Key: recordKey(victim, 4),
        UpdateExpression: 'SET #at = :at',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':at': { S: '1999-01-01T00:00:00.000Z#hidden' } },
      }),
    );
    const result = await verifyLedger(store);
    expect(result.firstBroken).toMatchObject({ incidentId: victim, seq: 4, problem: 'changed' });
    expect(result.firstBroken?.detail).toMatch(/index attributes/);
  });

  it('names a checkpoint that was altered', async () => {
    const { store } = await freshLedger();
    const checkpoints = await store.checkpoints();
    const last = checkpoints[checkpoints.length - 1];
    const item = await table.client.send(
      new GetItemCommand({
        TableName: table.tableName,
        Key: { pk: { S: 'CHECKPOINT' }, sk: { S: last?.key ?? '' } },
      }),
    );
    expect(item.Item).toBeDefined();
    await table.client.send(
      new PutItemCommand({
        TableName: table.tableName,
        Item: { ...item.Item, cutoff: { S: '2000-01-01T00:00:00.000Z' } },
      }),
    );
    const result = await verifyLedger(store);
    expect(result.firstBroken).toMatchObject({
      chain: 'checkpoints',
      seq: last?.keySeq,
      problem: 'changed',
    });
  });
});
