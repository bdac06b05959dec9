import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import { InMemoryLedgerStore } from '../../../shared/adapters/memory/ledger-store.ts';
import { InvalidInputError } from '../../../shared/domain/errors.ts';
import type { LedgerEntry } from '../../../shared/domain/ledger/record.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';

let table: TestTable;
let dynamo: DynamoDbLedgerStore;
const memory = new InMemoryLedgerStore();

beforeAll(async () => {
  table = await createTestTable('ledger-validation');
  dynamo = new DynamoDbLedgerStore({ client: table.client, tableName: table.tableName });
});
afterAll(async () => table.drop());

const valid: LedgerEntry = {
  kind: 'finding',
  stepKey: 'finding:iam.token-binding',
  ownerRole: 'iam',
  ownerTeam: 'identity-platform',
  controlId: 'iam.token-binding',
  status: 'failed',
  data: { reason: 'no token binding' },
};

/** Entries production refuses, and the field each refusal must name. */
const invalid: Array<{ name: string; incidentId?: string; entry: unknown; path: string }> = [
  { name: 'an unknown kind', entry: { ...valid, kind: 'finding.maybe' }, path: 'entries[0].kind' },
  { name: 'an empty step key', entry: { ...valid, stepKey: '' }, path: 'entries[0].stepKey' },
  {
    name: 'a step key too long for a sort key',
    entry: { ...valid, stepKey: 's'.repeat(201) },
    path: 'entries[0].stepKey',
  },
  {
    name: 'an unknown owner role',
    entry: { ...valid, ownerRole: 'everyone' },
    path: 'entries[0].ownerRole',
  },
  { name: 'an empty status', entry: { ...valid, status: '' }, path: 'entries[0].status' },
  {
    name: 'a field the ledger does not know',
    entry: { ...valid, secret: 'x' },
    path: 'entries[0]',
  },
  {
    name: 'data that is not JSON (a non-finite number)',
    entry: { ...valid, data: { score: Number.NaN } },
    path: 'entries[0].data.score',
  },
  {
    name: 'data over 300 000 bytes',
    entry: { ...valid, data: { blob: 'x'.repeat(300_001) } },
    path: 'entries[0].data',
  },
  { name: 'an empty incident id', incidentId: '', entry: valid, path: 'incidentId' },
];

describe.each([
  { store: 'in memory', ledger: () => memory, chain: (id: string) => memoryChain(id) },
  { store: 'on DynamoDB Local', ledger: () => dynamo, chain: (id: string) => dynamoChain(id) },
])('the ledger $store', ({ ledger, chain }) => {
  it.each(invalid)('refuses $name, names the field and records nothing', async (c) => {
    const incidentId = c.incidentId ?? `inc-invalid-${c.path}-${c.name.length}`;
    const refusal = await ledger()
      .append(incidentId, [c.entry as LedgerEntry])
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refusal).toBeInstanceOf(InvalidInputError);
    expect((refusal as InvalidInputError).issues.map((i) => i.path)).toContain(c.path);
    expect(await chain(incidentId)).toBe(0);
  });

  it('accepts the same entry once it is valid', async () => {
    const result = await ledger().append('inc-valid', [valid]);
    expect(result.appended).toHaveLength(1);
  });
});

async function memoryChain(incidentId: string): Promise<number> {
  return memory.all().filter((r) => r.incidentId === incidentId).length;
}

async function dynamoChain(incidentId: string): Promise<number> {
  if (incidentId === '') return 0;
  return (await dynamo.incidentChain(incidentId)).records.length;
}
