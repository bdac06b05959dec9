import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbContainmentWindow } from '../../shared/adapters/dynamodb/containment-window.ts';
import { STATE_TABLE } from '../../shared/adapters/dynamodb/state-table-definition.ts';
import { createTestTable, type TestTable } from '../support/dynamodb-local.ts';

/**
 * The blast-radius window on DynamoDB Local under concurrency: incidents arriving at the same
 * instant never share a count, so exactly `maxContainments` of a burst run and exactly one
 * crosses the limit; redeliveries answer as the first delivery did; incidents age out.
 */

let table: TestTable;
let window: DynamoDbContainmentWindow;

beforeAll(async () => {
  table = await createTestTable('reliability-window', STATE_TABLE);
  window = new DynamoDbContainmentWindow(table.client, table.tableName);
});

afterAll(async () => {
  await table?.drop();
});

const at = (seconds: number) => new Date(Date.UTC(2026, 2, 17, 14, 0, 0) + seconds * 1000);

describe('blast-radius window under concurrency', () => {
  it('gives a burst arriving at one instant the counts 1..n, each once', async () => {
    const burst = Array.from({ length: 25 }, (_, n) => `inc-burst-${n}`);
    const counts = await Promise.all(
      burst.map((incident) => window.recordAndCount('tenant-burst', incident, at(0), 900)),
    );
    expect([...counts].sort((a, b) => a - b)).toEqual(burst.map((_, n) => n + 1));

    // With a limit of 10: exactly 10 contained, exactly one announces the approval request.
    const max = 10;
    expect(counts.filter((count) => count <= max)).toHaveLength(max);
    expect(counts.filter((count) => count === max + 1)).toHaveLength(1);
  });

  it('answers redeliveries, even concurrent ones, as the first delivery did', async () => {
    const incidents = Array.from({ length: 6 }, (_, n) => `inc-again-${n}`);
    const first = await Promise.all(
      incidents.map((incident) => window.recordAndCount('tenant-again', incident, at(0), 900)),
    );
    const again = await Promise.all(
      incidents.flatMap((incident) =>
        [1, 2].map(() => window.recordAndCount('tenant-again', incident, at(30), 900)),
      ),
    );
    expect(again).toEqual(first.flatMap((count) => [count, count]));
  });

  it('lets incidents age out of the sliding window, and starts over after a quiet window', async () => {
    const tenant = 'tenant-sliding';
    expect(await window.recordAndCount(tenant, 'inc-1', at(0), 60)).toBe(1);
    expect(await window.recordAndCount(tenant, 'inc-2', at(10), 60)).toBe(2);
    expect(await window.recordAndCount(tenant, 'inc-3', at(20), 60)).toBe(3);
    // At 65 s the window is (5 s, 65 s]: inc-1 has left it.
    expect(await window.recordAndCount(tenant, 'inc-4', at(65), 60)).toBe(3);
    // Nothing for more than a window: a new burst counts from one.
    expect(await window.recordAndCount(tenant, 'inc-5', at(300), 60)).toBe(1);
    expect(await window.recordAndCount(tenant, 'inc-6', at(301), 60)).toBe(2);
  });

  it('keeps tenants apart', async () => {
    expect(await window.recordAndCount('tenant-a', 'inc-x', at(0), 900)).toBe(1);
    expect(await window.recordAndCount('tenant-b', 'inc-x', at(0), 900)).toBe(1);
  });
});
