import { describe, expect, it } from 'vitest';
import { InMemoryContainmentWindow } from '../../../shared/adapters/memory/containment-window.ts';

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const at = (seconds: number) => new Date(Date.UTC(2026, 0, 15, 10, 0, 0) + seconds * 1000);

/** The tenant count one source's detection is given (no per-source limit in play). */
const count = (
  window: InMemoryContainmentWindow,
  tenantId: string,
  incidentId: string,
  when: Date,
  windowSeconds: number,
) =>
  window
    .claim({
      tenantId,
      source: 'vendor/product',
      incidentId,
      at: when,
      windowSeconds,
      maxPerSource: 1000,
    })
    .then((claim) => claim.counts.tenant);

describe('InMemoryContainmentWindow', () => {
  it('counts distinct incidents of a tenant within the window, this one included', async () => {
    const window = new InMemoryContainmentWindow();
    expect(await count(window, TENANT, 'inc-1', at(0), 600)).toBe(1);
    expect(await count(window, TENANT, 'inc-2', at(10), 600)).toBe(2);
    expect(await count(window, TENANT, 'inc-3', at(20), 600)).toBe(3);
  });

  it('does not count a redelivered incident twice, and answers it as it did the first time', async () => {
    const window = new InMemoryContainmentWindow();
    await count(window, TENANT, 'inc-1', at(0), 600);
    expect(await count(window, TENANT, 'inc-2', at(5), 600)).toBe(2);
    await count(window, TENANT, 'inc-3', at(6), 600);
    // inc-2 again, later: still counted once, at its first time (inc-3 came after it).
    expect(await count(window, TENANT, 'inc-2', at(30), 600)).toBe(2);
    expect(await count(window, TENANT, 'inc-4', at(31), 600)).toBe(4);
  });

  it('lets containments age out of a sliding window', async () => {
    const window = new InMemoryContainmentWindow();
    await count(window, TENANT, 'inc-1', at(0), 60);
    await count(window, TENANT, 'inc-2', at(30), 60);
    expect(await count(window, TENANT, 'inc-3', at(61), 60)).toBe(2);
    expect(await count(window, TENANT, 'inc-4', at(200), 60)).toBe(1);
  });

  it('keeps tenants apart', async () => {
    const window = new InMemoryContainmentWindow();
    await count(window, TENANT, 'inc-1', at(0), 600);
    expect(await count(window, 'other-tenant', 'inc-1', at(1), 600)).toBe(1);
  });
});
