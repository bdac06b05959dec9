import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { batchesOf, entrySize } from '../../../shared/adapters/eventbridge/publisher.ts';
import { InMemoryContainmentWindow } from '../../../shared/adapters/memory/containment-window.ts';
import { InMemoryLedgerStore } from '../../../shared/adapters/memory/ledger-store.ts';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import { defaultContainmentPolicy } from '../../../shared/config/load-policy.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import { type Detection, parseDetection } from '../../../shared/domain/detection.ts';
import { EVENT_SOURCE, type ResponderEvent } from '../../../shared/ports/events.ts';
import { silentLog } from '../../../shared/ports/log.ts';
import { openTicket } from '../../../shared/use-cases/open-tickets.ts';
import { respond } from '../../../shared/use-cases/respond.ts';

const LIMIT = 256 * 1024;

/** The aitm example grown to the respond queue's 256 KB message limit with evidence. */
function maximalDetection(): Detection {
  const base = JSON.parse(readFileSync('examples/aitm-phished-admin.json', 'utf8'));
  const evidence = Array.from({ length: 100 }, (_, i) => ({
    type: 'signIn',
    ref: `https://example.test/evidence/${i}/${'r'.repeat(1200)}`,
    description: 'd'.repeat(1300),
  }));
  const parsed = parseDetection({ ...base, evidence });
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

const entryOf = (event: ResponderEvent) => ({
  EventBusName: 'bus',
  Source: EVENT_SOURCE,
  DetailType: event.detailType,
  Detail: JSON.stringify(event.detail),
});

describe('Remediation Requested events of a maximal detection with many owners', () => {
  it('fit EventBridge by size, and the ticket worker reads the detection from the ledger', async () => {
    const detection = maximalDetection();
    expect(Buffer.byteLength(JSON.stringify(detection))).toBeGreaterThan(250_000);
    const events: ResponderEvent[] = [];
    const ledger = new InMemoryLedgerStore();
    const result = await respond(
      { detection },
      {
        identityProviderFor: () => undefined,
        policy: defaultContainmentPolicy,
        window: new InMemoryContainmentWindow(),
        catalog: CONTROL_CATALOG,
        ownership: defaultOwnershipMap,
        ledger,
        events: { publish: async (published) => void events.push(...published) },
        clock: { now: () => new Date('2026-03-17T14:12:06Z') },
        log: silentLog,
        mode: 'simulated',
      },
    );
    const remediation = events.filter((e) => e.detailType === 'Remediation Requested');
    expect(remediation.length).toBe(result.remediation.length);
    expect(remediation.length).toBeGreaterThanOrEqual(3);

    const entries = events.map(entryOf);
    for (const entry of entries) expect(entrySize(entry)).toBeLessThan(LIMIT / 4);
    const batches = batchesOf(entries);
    expect(batches.flat()).toEqual(entries);
    for (const batch of batches) {
      expect(batch.reduce((sum, entry) => sum + entrySize(entry), 0)).toBeLessThanOrEqual(LIMIT);
    }
    // Carrying the detection, as events did before, one owner's event alone would not fit.
    const withDetection = entryOf({
      detailType: 'Remediation Requested',
      detail: { ...(remediation[0]?.detail ?? {}), detection },
    });
    expect(entrySize(withDetection) * remediation.length).toBeGreaterThan(LIMIT);

    // The ticket worker gets the detection back from the ledger.
    const opened: unknown[] = [];
    await openTicket(remediation[0]?.detail as never, {
      ledger,
      clock: { now: () => new Date('2026-03-17T14:12:06Z') },
      tickets: {
        resolve: () => ({
          system: 'file',
          async open(request: unknown) {
            opened.push(request);
            return { ticketId: 'T-1', created: true };
          },
        }),
      } as never,
    });
    expect(opened).toEqual([expect.objectContaining({ detection })]);
    const evidence = (opened[0] as { findings: { evidence: string[] }[] }).findings.flatMap(
      (f) => f.evidence,
    );
    expect(evidence.length).toBeGreaterThan(0);
  });

  it('batches by size as well as count, and refuses an entry over the limit by name', () => {
    const entry = (bytes: number) => ({
      EventBusName: 'bus',
      Source: EVENT_SOURCE,
      DetailType: 'Remediation Requested',
      Detail: JSON.stringify({ pad: 'x'.repeat(bytes) }),
    });
    expect(
      batchesOf([entry(100_000), entry(100_000), entry(100_000)]).map((b) => b.length),
    ).toEqual([2, 1]);
    expect(batchesOf(Array.from({ length: 25 }, () => entry(10))).map((b) => b.length)).toEqual([
      10, 10, 5,
    ]);
    expect(() => batchesOf([entry(LIMIT)])).toThrow(/Remediation Requested event is \d+ bytes/);
  });
});
