import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbContainmentWindow } from '../../shared/adapters/dynamodb/containment-window.ts';
import { STATE_TABLE } from '../../shared/adapters/dynamodb/state-table-definition.ts';
import { InMemoryContainmentWindow } from '../../shared/adapters/memory/containment-window.ts';
import type { WindowCounts } from '../../shared/domain/guardrails.ts';
import type { ContainmentWindow, WindowClaim } from '../../shared/ports/containment-window.ts';
import { createTestTable, type TestTable } from '../support/dynamodb-local.ts';

/**
 * The blast-radius window, the same table of cases on DynamoDB Local and in memory: incidents
 * arriving at the same instant never share a count, so exactly `maxContainments` of a burst run
 * and exactly one crosses the limit; redeliveries answer as the first delivery did; incidents
 * age out; a source past its own limit takes none of the other sources' slots.
 */

let table: TestTable;
const windows: Record<'DynamoDB Local' | 'memory', () => ContainmentWindow> = {
  'DynamoDB Local': () => new DynamoDbContainmentWindow(table.client, table.tableName),
  memory: () => new InMemoryContainmentWindow(),
};

beforeAll(async () => {
  table = await createTestTable('reliability-window', STATE_TABLE);
});

afterAll(async () => {
  await table?.drop();
});

const at = (seconds: number) => new Date(Date.UTC(2026, 2, 17, 14, 0, 0) + seconds * 1000);
let tenants = 0;
/** A fresh tenant per case: both adapters see the same history. */
const freshTenant = (name: string) => `${name}-${++tenants}-${Math.random().toString(36).slice(2)}`;

function claimer(window: ContainmentWindow, tenantId: string, maxPerSource = 1000) {
  return (incidentId: string, seconds: number, windowSeconds = 900, source = 'vendor/one') =>
    window.claim({ tenantId, source, incidentId, at: at(seconds), windowSeconds, maxPerSource });
}
const tenantCount = (claim: WindowClaim) => claim.counts.tenant;

describe.each(Object.keys(windows) as (keyof typeof windows)[])(
  'blast-radius window (%s)',
  (name) => {
    const window = () => windows[name]();

    it('gives a burst arriving at one instant the counts 1..n, each once', async () => {
      const claim = claimer(window(), freshTenant('burst'));
      const burst = Array.from({ length: 25 }, (_, n) => `inc-burst-${n}`);
      const counts = (await Promise.all(burst.map((incident) => claim(incident, 0)))).map(
        tenantCount,
      );
      expect([...counts].sort((a, b) => a - b)).toEqual(burst.map((_, n) => n + 1));

      // With a limit of 10: exactly 10 contained, exactly one announces the approval request.
      const max = 10;
      expect(counts.filter((count) => count <= max)).toHaveLength(max);
      expect(counts.filter((count) => count === max + 1)).toHaveLength(1);
    });

    it('answers redeliveries, even concurrent ones, as the settled first delivery did', async () => {
      const claim = claimer(window(), freshTenant('again'));
      const incidents = Array.from({ length: 6 }, (_, n) => `inc-again-${n}`);
      const first = await Promise.all(incidents.map((incident) => claim(incident, 0)));
      await Promise.all(first.map((claimed) => claimed.settle()));
      const again = await Promise.all(
        incidents.flatMap((incident) => [1, 2].map(() => claim(incident, 30))),
      );
      expect(again.map(tenantCount)).toEqual(
        first.flatMap((c) => [c.counts.tenant, c.counts.tenant]),
      );
    });

    it('answers a redelivery before its first delivery settled by time order, never below it', async () => {
      const claim = claimer(window(), freshTenant('unsettled'));
      const first = await Promise.all(['a', 'b', 'c'].map((incident) => claim(incident, 0)));
      const again = await claim('a', 40);
      // Same instant: the three tie, so the redelivery counts all of them (errs towards approval).
      expect(again.counts.tenant).toBe(3);
      expect(again.counts.tenant).toBeGreaterThanOrEqual(first[0]?.counts.tenant ?? 0);
    });

    it('lets incidents age out of the sliding window, and starts over after a quiet window', async () => {
      const claim = claimer(window(), freshTenant('sliding'));
      const count = async (incident: string, seconds: number) =>
        tenantCount(await claim(incident, seconds, 60));
      expect(await count('inc-1', 0)).toBe(1);
      expect(await count('inc-2', 10)).toBe(2);
      expect(await count('inc-3', 20)).toBe(3);
      // At 65 s the window is (5 s, 65 s]: inc-1 has left it.
      expect(await count('inc-4', 65)).toBe(3);
      // Nothing for more than a window: a new burst counts from one.
      expect(await count('inc-5', 300)).toBe(1);
      expect(await count('inc-6', 301)).toBe(2);
    });

    it('forgets entries older than twice the window when a later claim settles', async () => {
      const w = window();
      const claim = claimer(w, freshTenant('pruned'));
      await (await claim('old', 0, 60)).settle();
      await (await claim('new', 200, 60)).settle();
      // `old` was forgotten: delivered again, it is a new entry, counted at its new time.
      const again = await claim('old', 201, 60);
      expect(again.counts.tenant).toBe(2);
    });

    it('keeps tenants apart', async () => {
      const window1 = window();
      expect(tenantCount(await claimer(window1, freshTenant('a'))('inc-x', 0))).toBe(1);
      expect(tenantCount(await claimer(window1, freshTenant('b'))('inc-x', 0))).toBe(1);
    });

    // Issue 11, finding 5: one noisy or hostile source must not starve the others.
    it.each([
      { junk: 30, perSource: 3, tenantLimit: 10, concurrent: false },
      { junk: 30, perSource: 3, tenantLimit: 10, concurrent: true },
      { junk: 200, perSource: 5, tenantLimit: 10, concurrent: true },
    ])(
      'still contains another source after $junk junk detections from one source (per source $perSource, tenant $tenantLimit, concurrent: $concurrent)',
      async ({ junk, perSource, tenantLimit, concurrent }) => {
        const claim = claimer(window(), freshTenant('hostile'), perSource);
        const junkIds = Array.from({ length: junk }, (_, n) => `junk-${n}`);
        const hostile = (id: string) => claim(id, 0, 900, 'attacker/noise');
        const junkClaims = concurrent
          ? await Promise.all(junkIds.map(hostile))
          : await sequentially(junkIds, hostile);
        await Promise.all(junkClaims.map((c) => c.settle()));
        // Exactly the hostile source's own limit of its detections would run; the rest are held.
        expect(junkClaims.filter((c) => runs(c.counts, perSource, tenantLimit))).toHaveLength(
          perSource,
        );

        const real = await claim('real-detection', 1, 900, 'microsoft/entra id protection');
        expect(real.counts).toMatchObject({ source: 1, tenant: perSource + 1 });
        expect(runs(real.counts, perSource, tenantLimit)).toBe(true);
      },
    );

    it.each([
      { sources: 6, each: 3, perSource: 3, tenantLimit: 10 },
      { sources: 20, each: 1, perSource: 5, tenantLimit: 10 },
    ])(
      'stops at the tenant limit in total across $sources sources each within its own limit',
      async ({ sources, each, perSource, tenantLimit }) => {
        const claim = claimer(window(), freshTenant('many'), perSource);
        const claims = await Promise.all(
          Array.from({ length: sources * each }, (_, n) =>
            claim(`inc-${n}`, 0, 900, `vendor/source-${n % sources}`),
          ),
        );
        expect(claims.every((c) => c.counts.source <= perSource)).toBe(true);
        expect(claims.filter((c) => runs(c.counts, perSource, tenantLimit))).toHaveLength(
          tenantLimit,
        );
      },
    );
  },
);

describe('blast-radius window on DynamoDB: the item limit', () => {
  it('holds for approval, saying why, once the tenant item is full; settling makes room', async () => {
    const window = new DynamoDbContainmentWindow(table.client, table.tableName);
    const claim = claimer(window, freshTenant('full'), 1_000_000);
    // Long incident ids fill the 400 KB item in a few hundred entries (real ones hold ~6,000).
    let stored = 0;
    let full: WindowClaim | undefined;
    for (let n = 0; !full && n < 1000; n++) {
      const claimed = await claim(`inc-${n}-${'x'.repeat(4000)}`, 0, 60, `vendor/source-${n}`);
      if (claimed.counts.full === undefined) stored++;
      else full = claimed;
    }
    expect(full?.counts.full).toMatch(/blast-radius window of tenant .* is full/);
    expect(stored).toBeGreaterThan(90);
    // Still full a while later; its settle removes what no window needs any more (older than
    // one window), so the next detection is counted again.
    const stillFull = await claim(`inc-late-${'y'.repeat(4000)}`, 200, 60);
    expect(stillFull.counts.full).toBeDefined();
    await stillFull.settle();
    const later = await claim(`inc-later-${'z'.repeat(4000)}`, 201, 60);
    expect(later.counts.full).toBeUndefined();
    expect(later.counts.tenant).toBe(1);
  });
});

async function sequentially<T>(ids: string[], each: (id: string) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const id of ids) out.push(await each(id));
  return out;
}

/** What planContainment decides from the counts: run unless either limit is exceeded. */
function runs(counts: WindowCounts, perSource: number, tenantLimit: number): boolean {
  return counts.full === undefined && counts.source <= perSource && counts.tenant <= tenantLimit;
}
