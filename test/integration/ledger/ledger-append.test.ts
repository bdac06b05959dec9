import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import type { LedgerEntry } from '../../../shared/domain/ledger/record.ts';
import { verifyIncidentChain } from '../../../shared/domain/ledger/verify.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';

let table: TestTable;
let store: DynamoDbLedgerStore;

beforeAll(async () => {
  table = await createTestTable('ledger-append');
  store = new DynamoDbLedgerStore({ client: table.client, tableName: table.tableName });
});
afterAll(async () => table.drop());

const finding = (controlId: string, status = 'failed'): LedgerEntry => ({
  kind: 'finding',
  stepKey: `finding:${controlId}`,
  subjectId: 'user-1',
  ownerRole: 'iam',
  ownerTeam: 'identity-platform',
  controlId,
  status,
  data: { reason: `control ${controlId} ${status}`, evidence: ['signals.mfaSatisfied'] },
});

async function intact(incidentId: string) {
  const { records, markers } = await store.incidentChain(incidentId);
  return { records, found: verifyIncidentChain(incidentId, records, markers) };
}

describe('appending to the ledger on DynamoDB Local', () => {
  it('chains records in order from the first position, each linking to the previous hash', async () => {
    const result = await store.append('inc-order', [
      { kind: 'detection.received', stepKey: 'detection', data: { detectionId: 'd-1' } },
      finding('iam.token-binding'),
      finding('iam.mfa-strength', 'held'),
    ]);
    expect(result.appended.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(result.appended[1]?.prevHash).toBe(result.appended[0]?.hash);
    expect(result.records).toBe(3);
    expect(result.head).toBe(result.appended[2]?.hash);
    const { records, found } = await intact('inc-order');
    expect(found).toBeUndefined();
    expect(records.map((r) => r.record?.stepKey)).toEqual([
      'detection',
      'finding:iam.token-binding',
      'finding:iam.mfa-strength',
    ]);
  });

  it('records the same step once when it is delivered twice', async () => {
    const entries = [finding('iam.session-lifetime'), finding('endpoint.device-compliance')];
    const first = await store.append('inc-redelivery', entries);
    const second = await store.append('inc-redelivery', entries);
    expect(first.appended).toHaveLength(2);
    expect(second.appended).toHaveLength(0);
    expect(second.duplicates).toBe(2);
    expect(second.records).toBe(2);
    expect(second.head).toBe(first.head);
    expect((await intact('inc-redelivery')).records).toHaveLength(2);
  });

  it('writes only the new steps of a partly redelivered batch, and a step repeated within one call once', async () => {
    await store.append('inc-partial', [finding('a')]);
    const result = await store.append('inc-partial', [finding('a'), finding('b'), finding('b')]);
    expect(result.appended.map((r) => r.stepKey)).toEqual(['finding:b']);
    expect(result.duplicates).toBe(2);
    expect(result.records).toBe(2);
    expect((await intact('inc-partial')).found).toBeUndefined();
  });

  it('loses and duplicates nothing when 20 writers append to one incident at once', async () => {
    const writers = Array.from({ length: 20 }, (_, i) =>
      store.append('inc-concurrent', [finding(`control-${i}`)]),
    );
    // Redeliveries racing the originals must not duplicate anything either.
    const redeliveries = Array.from({ length: 5 }, (_, i) =>
      store.append('inc-concurrent', [finding(`control-${i}`)]),
    );
    const results = await Promise.all([...writers, ...redeliveries]);
    const written = results.reduce((n, r) => n + r.appended.length, 0);
    const duplicates = results.reduce((n, r) => n + r.duplicates, 0);
    expect(written).toBe(20);
    expect(duplicates).toBe(5);
    const { records, found } = await intact('inc-concurrent');
    expect(found).toBeUndefined();
    expect(records.map((r) => r.keySeq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const steps = records.map((r) => r.record?.stepKey).sort();
    expect(new Set(steps).size).toBe(20);
  });

  it('splits a large batch over several transactions and keeps one chain', async () => {
    const entries = Array.from({ length: 60 }, (_, i) => finding(`bulk-${i}`));
    const result = await store.append('inc-bulk', entries);
    expect(result.appended).toHaveLength(60);
    const { records, found } = await intact('inc-bulk');
    expect(found).toBeUndefined();
    expect(records).toHaveLength(60);
  });

  it('rejects bad entries naming the field, and writes nothing', async () => {
    await expect(
      store.append('inc-bad', [
        { kind: 'finding', stepKey: '', ownerRole: 'auditor' as never, data: {} },
      ]),
    ).rejects.toThrow(
      /entries\[0\]\.stepKey.*entries\[0\]\.ownerRole|entries\[0\]\.ownerRole.*entries\[0\]\.stepKey/s,
    );
    await expect(
      store.append('inc-bad', [{ kind: 'finding', stepKey: 'x', data: { when: new Date(0) } }]),
    ).rejects.toThrow(/entries\[0\]\.data\.when/);
    expect((await intact('inc-bad')).records).toHaveLength(0);
  });
});
