import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainEntries, GENESIS_HASH, hashRecord } from '../../../shared/domain/ledger/chain.ts';
import { buildCheckpoint } from '../../../shared/domain/ledger/checkpoint.ts';
import type { LedgerEntry, LedgerRecord } from '../../../shared/domain/ledger/record.ts';
import {
  type StoredCheckpoint,
  type StoredRecord,
  verifyCheckpointChain,
  verifyIncidentChain,
} from '../../../shared/domain/ledger/verify.ts';

const INCIDENT = 'inc-1';
const entries = (n: number): LedgerEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: 'finding',
    stepKey: `step-${i + 1}`,
    controlId: `control-${i + 1}`,
    status: 'failed',
    data: { i },
  }));

function chain(n: number): LedgerRecord[] {
  return chainEntries({
    incidentId: INCIDENT,
    head: undefined,
    entries: entries(n),
    recordedAt: '2026-03-17T09:00:00.000Z',
  });
}
const stored = (records: readonly LedgerRecord[]): StoredRecord[] =>
  records.map((record) => ({ key: `REC#${record.seq}`, keySeq: record.seq, record }));
const markers = (records: readonly LedgerRecord[]) =>
  records.map((r) => ({ stepKey: r.stepKey, seq: r.seq }));
const at = (position: number, record: LedgerRecord): StoredRecord => ({
  key: `REC#${position}`,
  keySeq: position,
  record,
});

describe('the chain rule', () => {
  it('starts at the genesis hash and links each record to its predecessor', () => {
    const records = chain(3);
    expect(records[0]?.prevHash).toBe(GENESIS_HASH);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(records[2]?.prevHash).toBe(records[1]?.hash);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
  });

  it('hashes the content, the position and the link', () => {
    const [record] = chain(1) as [LedgerRecord];
    const base = hashRecord(record);
    expect(hashRecord({ ...record, seq: 2 })).not.toBe(base);
    expect(hashRecord({ ...record, prevHash: 'f'.repeat(64) })).not.toBe(base);
    expect(hashRecord({ ...record, data: { i: 1 } })).not.toBe(base);
    expect(hashRecord({ ...record, ownerTeam: 'someone' })).not.toBe(base);
    // ...but not the key order of `data`
    expect(hashRecord({ ...record, data: JSON.parse('{"i":0}') })).toBe(base);
  });

  it('continues an existing chain from its head', () => {
    const first = chain(2);
    const last = first[1] as LedgerRecord;
    const [next] = chainEntries({
      incidentId: INCIDENT,
      head: { seq: last.seq, hash: last.hash },
      entries: entries(1),
      recordedAt: 'x',
    });
    expect(next).toMatchObject({ seq: 3, prevHash: last.hash });
  });
});

describe('verifying an incident chain', () => {
  it('accepts an intact chain', () => {
    const records = chain(5);
    expect(verifyIncidentChain(INCIDENT, stored(records), markers(records))).toBeUndefined();
  });

  it('names a changed record', () => {
    const records = chain(5);
    const items = stored(records);
    items[2] = at(3, { ...(records[2] as LedgerRecord), status: 'held' });
    expect(verifyIncidentChain(INCIDENT, items, markers(records))).toMatchObject({
      seq: 3,
      stepKey: 'step-3',
      problem: 'changed',
    });
  });

  it('names a removed record', () => {
    const records = chain(5);
    const items = stored(records).filter((i) => i.keySeq !== 2);
    expect(verifyIncidentChain(INCIDENT, items, markers(records))).toMatchObject({
      seq: 2,
      problem: 'removed',
    });
  });

  it('names a removed record when the rest were renumbered to close the gap', () => {
    const records = chain(4);
    const items = [records[0], records[2], records[3]].map((r, i) => at(i + 1, r as LedgerRecord));
    expect(verifyIncidentChain(INCIDENT, items, [])).toMatchObject({ seq: 2, problem: 'removed' });
  });

  it('names an inserted record', () => {
    const records = chain(4);
    const forgedContent = {
      ...(records[1] as LedgerRecord),
      stepKey: 'forged',
      seq: 3,
      prevHash: (records[1] as LedgerRecord).hash,
    };
    const forged = { ...forgedContent, hash: hashRecord(forgedContent) };
    const items = [
      at(1, records[0] as LedgerRecord),
      at(2, records[1] as LedgerRecord),
      at(3, forged),
      at(4, records[2] as LedgerRecord),
      at(5, records[3] as LedgerRecord),
    ];
    expect(verifyIncidentChain(INCIDENT, items, markers(records))).toMatchObject({
      seq: 3,
      stepKey: 'forged',
      problem: 'inserted',
    });
  });

  it('names reordered records', () => {
    const records = chain(4);
    const items = [
      at(1, records[0] as LedgerRecord),
      at(2, records[2] as LedgerRecord),
      at(3, records[1] as LedgerRecord),
      at(4, records[3] as LedgerRecord),
    ];
    expect(verifyIncidentChain(INCIDENT, items, markers(records))).toMatchObject({
      seq: 2,
      problem: 'reordered',
    });
  });

  it('names a record stored under another incident', () => {
    const records = chain(2);
    expect(verifyIncidentChain('inc-2', stored(records), markers(records))).toMatchObject({
      seq: 1,
      problem: 'changed',
    });
  });

  it('names an unreadable item and an item at no valid position', () => {
    const records = chain(3);
    const unreadable = stored(records);
    unreadable[1] = { key: 'REC#2', keySeq: 2, problem: 'attributes missing: hash' };
    expect(verifyIncidentChain(INCIDENT, unreadable, [])).toMatchObject({
      seq: 2,
      problem: 'unreadable',
    });
    const junk = [...stored(records), { key: 'REC#x', keySeq: undefined }];
    expect(verifyIncidentChain(INCIDENT, junk, markers(records))).toMatchObject({
      problem: 'inserted',
    });
  });

  it('names the removed tail through its step marker, or through a checkpoint', () => {
    const records = chain(4);
    const truncated = stored(records.slice(0, 3));
    expect(verifyIncidentChain(INCIDENT, truncated, markers(records))).toMatchObject({
      seq: 4,
      stepKey: 'step-4',
      problem: 'removed',
    });
    const head = { incidentId: INCIDENT, seq: 4, hash: (records[3] as LedgerRecord).hash };
    expect(
      verifyIncidentChain(INCIDENT, truncated, markers(records.slice(0, 3)), [head]),
    ).toMatchObject({
      seq: 4,
      problem: 'removed',
    });
  });

  it('names a chain rewritten from scratch, which only a checkpoint can see', () => {
    const records = chain(3);
    const rewritten = chainEntries({
      incidentId: INCIDENT,
      head: undefined,
      entries: entries(3).map((e) => ({ ...e, status: 'held' })),
      recordedAt: '2026-03-17T09:00:00.000Z',
    });
    const head = { incidentId: INCIDENT, seq: 3, hash: (records[2] as LedgerRecord).hash };
    expect(verifyIncidentChain(INCIDENT, stored(rewritten), markers(rewritten))).toBeUndefined();
    expect(
      verifyIncidentChain(INCIDENT, stored(rewritten), markers(rewritten), [head]),
    ).toMatchObject({
      seq: 3,
      problem: 'changed',
    });
  });

  it('names a record written without the writer (no step marker)', () => {
    const records = chain(3);
    expect(
      verifyIncidentChain(INCIDENT, stored(records), markers(records.slice(0, 2))),
    ).toMatchObject({
      seq: 3,
      problem: 'inserted',
    });
  });

  it('detects any single removal, swap or field change in any chain', () => {
    const tamper = fc.oneof(
      fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('change' as const), at: fc.nat(), value: fc.string() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), tamper, (n, t) => {
        const records = chain(n);
        const i = t.at % n;
        let items = stored(records);
        if (t.kind === 'remove') items = items.filter((_, j) => j !== i);
        if (t.kind === 'swap') {
          const j = (i + 1) % n;
          const a = items[i] as StoredRecord;
          const b = items[j] as StoredRecord;
          items[i] = { ...b, key: a.key, keySeq: a.keySeq };
          items[j] = { ...a, key: b.key, keySeq: b.keySeq };
        }
        if (t.kind === 'change') {
          const record = records[i] as LedgerRecord;
          const value = t.value === record.status ? `${t.value}!` : t.value;
          items[i] = { ...(items[i] as StoredRecord), record: { ...record, status: value } };
        }
        const attested = [
          { incidentId: INCIDENT, seq: n, hash: (records[n - 1] as LedgerRecord).hash },
        ];
        expect(verifyIncidentChain(INCIDENT, items, markers(records), attested)).toBeDefined();
      }),
    );
  });
});

describe('verifying the checkpoint chain', () => {
  const checkpoints = () => {
    const first = buildCheckpoint({
      previous: undefined,
      heads: [
        { incidentId: 'b', seq: 2, hash: 'x' },
        { incidentId: 'a', seq: 1, hash: 'y' },
      ],
      cutoff: 'c1',
      recordedAt: 'r1',
    });
    const second = buildCheckpoint({ previous: first, heads: [], cutoff: 'c2', recordedAt: 'r2' });
    return [first, second];
  };
  const storedCheckpoints = (list: ReturnType<typeof checkpoints>): StoredCheckpoint[] =>
    list.map((checkpoint) => ({ key: `CP#${checkpoint.seq}`, keySeq: checkpoint.seq, checkpoint }));

  it('accepts an intact chain, heads in a stable order', () => {
    const list = checkpoints();
    expect(list[0]?.heads.map((h) => h.incidentId)).toEqual(['a', 'b']);
    expect(list[1]?.prevHash).toBe(list[0]?.hash);
    expect(verifyCheckpointChain(storedCheckpoints(list))).toBeUndefined();
  });

  it('names an altered checkpoint', () => {
    const list = checkpoints();
    const first = list[0];
    if (!first) throw new Error('no checkpoint');
    list[0] = { ...first, heads: first.heads.slice(1) };
    expect(verifyCheckpointChain(storedCheckpoints(list))).toMatchObject({
      chain: 'checkpoints',
      seq: 1,
      problem: 'changed',
    });
  });
});
