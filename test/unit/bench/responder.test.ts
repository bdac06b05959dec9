import { describe, expect, it } from 'vitest';
import {
  BLAST_RADIUS_NOTE,
  benchPolicy,
  detectionEventText,
  exampleDetection,
  TRUSTED_SOURCE,
} from '../../../bench/lib/fixtures.ts';
import {
  ContainEntryProbe,
  respondInputFrom,
  ShippedLedger,
} from '../../../bench/lib/responder.ts';
import { InMemoryLedgerStore } from '../../../shared/adapters/memory/ledger-store.ts';
import type { ContainmentRequest } from '../../../shared/domain/containment.ts';
import type { LedgerEntry } from '../../../shared/domain/ledger/record.ts';
import type { IdentityProvider } from '../../../shared/ports/identity-provider.ts';

const entry = (stepKey: string, status?: string): LedgerEntry => ({
  kind: 'containment.action',
  stepKey,
  ...(status ? { status } : {}),
  data: { big: 'x'.repeat(1000) },
});

describe('the ledger whose records leave the process', () => {
  it('chains records like the in-memory store and keeps only their skeleton', async () => {
    const shipped = new ShippedLedger();
    const kept = new InMemoryLedgerStore();
    const entries = [entry('containment:revokeSessions:u1:succeeded', 'succeeded'), entry('b')];
    const a = await shipped.append('inc-1', entries);
    const b = await kept.append('inc-1', entries);
    expect(a.records).toBe(2);
    expect(a.appended.map((r) => r.prevHash)).toEqual(['0'.repeat(64), a.appended[0]?.hash]);
    expect(a.appended.map((r) => r.seq)).toEqual(b.appended.map((r) => r.seq));
    const { records } = await shipped.query({ incidentId: 'inc-1' });
    expect(records.map((r) => [r.stepKey, r.status, r.data])).toEqual([
      ['containment:revokeSessions:u1:succeeded', 'succeeded', {}],
      ['b', undefined, {}],
    ]);
    expect(shipped.bytesShipped).toBeGreaterThan(2000);
  });

  it('records a step once, however often it is appended', async () => {
    const ledger = new ShippedLedger();
    await ledger.append('inc-2', [entry('a')]);
    const again = await ledger.append('inc-2', [entry('a'), entry('c')]);
    expect(again).toMatchObject({ duplicates: 1, records: 2 });
    expect((await ledger.query({ incidentId: 'inc-2' })).records[1]?.prevHash).toBe(
      (await ledger.query({ incidentId: 'inc-2' })).records[0]?.hash,
    );
  });
});

describe('the contain-entry probe', () => {
  it('notes when containment starts and passes everything through', async () => {
    const seen: ContainmentRequest[] = [];
    const inner: IdentityProvider = {
      provider: 'entra',
      mode: 'simulated',
      coversTenant: (tenantId) => tenantId === 't1',
      contain: async (request) => {
        seen.push(request);
        return { outcomes: [], timeToContainMs: 12 };
      },
      verify: async () => ({ verified: true, detail: 'ok', checkedAt: 'now' }),
      restore: async () => [],
    };
    const probe = new ContainEntryProbe(inner);
    expect(probe.enteredAt).toBeUndefined();
    expect(probe.coversTenant('t1')).toBe(true);
    const request: ContainmentRequest = {
      incidentId: 'inc',
      tenantId: 't1',
      subject: { type: 'user', id: 'u1' },
      detectedAt: '2026-03-17T14:12:05Z',
      actions: ['revokeSessions'],
    };
    const before = performance.now();
    expect(await probe.contain(request)).toEqual({ outcomes: [], timeToContainMs: 12 });
    expect(probe.enteredAt).toBeGreaterThanOrEqual(before);
    expect(seen).toEqual([request]);
    expect(probe.mode).toBe('simulated');
  });
});

describe('benchmark detections', () => {
  it('arrive as the respond queue receives them and normalize like the handler does', () => {
    const body = detectionEventText(exampleDetection('aitm-phished-admin'), {
      userId: '00000000-0000-4000-8000-000000000001',
      severity: 'high',
      n: 7,
    });
    const input = respondInputFrom(body);
    expect(input.detection).toMatchObject({
      severity: 'high',
      subject: { type: 'user', id: '00000000-0000-4000-8000-000000000001' },
    });
    expect(input.detection.detectionId).toMatch(/^bench-7-/);
    expect(input.rawSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(body).source).toBe(TRUSTED_SOURCE);
  });

  it('are refused with the reason when they would not reach respond', () => {
    const body = JSON.stringify({
      ...JSON.parse(detectionEventText(exampleDetection('aitm-phished-admin'), { n: 1 })),
      source: 'someone.else',
    });
    expect(() => respondInputFrom(body)).toThrow(/not a trusted source/);
  });

  it('use a policy whose blast radius no run reaches, and say so', () => {
    expect(benchPolicy().blastRadius.maxContainments).toBe(1_000_000);
    expect(benchPolicy({ high: { revokeSessions: 'auto' } }).severities.high).toEqual({
      revokeSessions: 'auto',
    });
    expect(BLAST_RADIUS_NOTE).toMatch(/does not stop the run/);
  });
});
