import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FolderAnchors } from '../../../shared/adapters/anchors/folder-anchors.ts';
import { LocalKeySigner } from '../../../shared/adapters/signing/local-key-signer.ts';
import {
  buildEvidenceBundle,
  type EvidenceBundle,
  parseEvidenceBundle,
} from '../../../shared/domain/evidence/bundle.ts';
import { verifyEvidenceBundle } from '../../../shared/domain/evidence/verify-bundle.ts';
import { chainEntries, hashRecord } from '../../../shared/domain/ledger/chain.ts';
import { buildCheckpoint } from '../../../shared/domain/ledger/checkpoint.ts';
import type { LedgerEntry } from '../../../shared/domain/ledger/record.ts';
import { anchorCheckpoints } from '../../../shared/use-cases/anchor-checkpoints.ts';

const INCIDENT = 'inc-evidence-1';
const entries: LedgerEntry[] = [
  {
    kind: 'detection.received',
    stepKey: 'detection',
    subjectId: 'u-1',
    data: { receivedAt: '2026-05-01T10:00:00.000Z' },
  },
  {
    kind: 'containment.action',
    stepKey: 'containment:revokeSessions:u-1:succeeded',
    subjectId: 'u-1',
    status: 'succeeded',
    data: { action: 'revokeSessions' },
  },
  {
    kind: 'finding',
    stepKey: 'finding:iam.token-binding',
    ownerRole: 'iam',
    ownerTeam: 'identity',
    controlId: 'iam.token-binding',
    status: 'failed',
    data: {
      reason: 'the token was replayed from another device',
      frameworks: ['NIST CSF 2.0 PR.AA-04'],
    },
  },
  {
    kind: 'ticket.opened',
    stepKey: 'ticket.opened:identity',
    ownerRole: 'iam',
    ownerTeam: 'identity',
    ticketId: 'SEC-1',
    status: 'opened',
    data: { system: 'jira' },
  },
];

let stateDir: string;
let bundle: EvidenceBundle;
let publicKeyPem: string;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'evidence-'));
  const records = chainEntries({
    incidentId: INCIDENT,
    head: undefined,
    entries,
    recordedAt: '2026-05-01T10:00:01.000Z',
  });
  const last = records[records.length - 1];
  const checkpoint = buildCheckpoint({
    previous: undefined,
    heads: [
      { incidentId: INCIDENT, seq: last?.seq ?? 0, hash: last?.hash ?? '' },
      { incidentId: 'inc-other', seq: 3, hash: 'a'.repeat(64) },
    ],
    cutoff: '2026-05-01T10:05:00.000Z',
    recordedAt: '2026-05-01T10:05:00.000Z',
  });
  const signer = new LocalKeySigner(stateDir);
  const anchors = new FolderAnchors(join(stateDir, 'anchors'));
  const [signed] = await anchorCheckpoints([{ key: 'c1', keySeq: 1, checkpoint }], {
    signer,
    anchors,
    clock: { now: () => new Date('2026-05-01T10:05:01.000Z') },
  });
  publicKeyPem = await signer.publicKeyPem();
  if (!signed) throw new Error('nothing signed');
  bundle = buildEvidenceBundle({
    incidentId: INCIDENT,
    records,
    anchor: signed,
    location: anchors.location,
    exportedAt: '2026-05-02T00:00:00.000Z',
  });
});

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const copy = (): EvidenceBundle => structuredClone(bundle);

describe('an intact evidence bundle', () => {
  it('verifies offline against the pinned key, with what it covers', () => {
    const result = verifyEvidenceBundle(copy(), publicKeyPem);
    expect(result).toMatchObject({
      intact: true,
      records: 4,
      anchoredSeq: 4,
      recordsAfterAnchor: 0,
      keyPinned: true,
    });
    expect(result.firstProblem).toBeUndefined();
  });

  it('carries the findings with their framework references, the tickets and the auditor mapping', () => {
    expect(bundle.findings).toEqual([
      expect.objectContaining({
        controlId: 'iam.token-binding',
        ownerTeam: 'identity',
        frameworks: ['NIST CSF 2.0 PR.AA-04'],
      }),
    ]);
    expect(bundle.tickets).toEqual([
      expect.objectContaining({ ticketId: 'SEC-1', system: 'jira' }),
    ]);
    const refs = Object.fromEntries(
      bundle.auditorMapping.map((m) => [`${m.framework} ${m.ref}`, m.records]),
    );
    expect(refs['SOC 2 (TSC 2017) CC7.3']).toEqual([1]);
    expect(refs['SOC 2 (TSC 2017) CC7.4']).toEqual([2, 3, 4]);
    expect(refs['ISO/IEC 27001:2022 A.5.28']).toEqual([1, 2, 3, 4]);
    expect(refs['NIST SP 800-61r3 Recover']).toEqual([]);
  });

  it('keeps the local private key readable by its owner only', async () => {
    expect((await stat(join(stateDir, 'checkpoint-signing-key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite an anchored checkpoint', async () => {
    const anchors = new FolderAnchors(join(stateDir, 'anchors'));
    await expect(anchors.put(bundle.anchor)).rejects.toThrow(/EEXIST/);
  });
});

const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({
  type: 'spki',
  format: 'pem',
}) as string;

/** One tampering per row, and the problem verify must name first. */
const TAMPERINGS: Array<{
  name: string;
  tamper: (b: EvidenceBundle) => void;
  pinned?: () => string | undefined;
  problem: string;
}> = [
  {
    name: 'a byte of a record',
    tamper: (b) => {
      (b.records[2] as unknown as { data: { reason: string } }).data.reason =
        'the token was replayed from another devicf';
    },
    problem: 'changed record',
  },
  {
    name: 'a record removed',
    tamper: (b) => {
      b.records.splice(1, 1);
    },
    problem: 'missing record',
  },
  {
    name: 'the last records removed',
    tamper: (b) => {
      b.records.length = 2;
    },
    problem: 'missing record',
  },
  {
    name: 'the chain re-linked (record rewritten and re-hashed)',
    tamper: (b) => {
      const record = b.records[2] as EvidenceBundle['records'][number];
      record.prevHash = 'f'.repeat(64);
      record.hash = hashRecord(record);
    },
    problem: 'broken chain',
  },
  {
    name: 'the chain proof',
    tamper: (b) => {
      b.chainProof.anchoredHash = 'b'.repeat(64);
    },
    problem: 'checkpoint does not attest this incident',
  },
  {
    name: 'the signed checkpoint',
    tamper: (b) => {
      b.anchor.checkpoint.cutoff = '2026-05-01T10:06:00.000Z';
    },
    problem: 'changed checkpoint',
  },
  {
    name: 'a byte of the signature',
    tamper: (b) => {
      const sig = Buffer.from(b.anchor.signature.value, 'base64');
      sig[sig.length - 1] = (sig[sig.length - 1] as number) ^ 0x01;
      b.anchor.signature.value = sig.toString('base64');
    },
    problem: 'bad signature',
  },
  {
    name: 'the key (another key than the pinned one)',
    tamper: () => {},
    pinned: () => otherKey,
    problem: 'key other than the pinned one',
  },
  {
    name: 'the key swapped in the bundle',
    tamper: (b) => {
      b.anchor.signature.publicKeyPem = otherKey;
      b.publicKey.pem = otherKey;
    },
    // Unpinned: the only check left is that the bundle's key, fingerprint and id agree.
    pinned: () => undefined,
    problem: 'key does not match its fingerprint',
  },
  {
    name: 'a derived section',
    tamper: (b) => {
      (b.findings[0] as { status?: string }).status = 'held';
    },
    problem: 'section does not match the records',
  },
];

describe('a tampered evidence bundle', () => {
  it.each(TAMPERINGS)('names $name', ({ tamper, pinned, problem }) => {
    const b = copy();
    tamper(b);
    const result = verifyEvidenceBundle(b, pinned ? pinned() : publicKeyPem);
    expect(result.intact).toBe(false);
    expect(result.firstProblem?.problem).toBe(problem);
  });
});

describe('something that is not a bundle', () => {
  it.each([
    ['an empty object', {}],
    ['a ledger record', { kind: 'finding', seq: 1 }],
    [
      'a bundle without records',
      { ...JSON.parse('{}'), bundleType: 'revocation-responder/evidence-bundle' },
    ],
  ])('is refused before any check: %s', (_name, value) => {
    expect(parseEvidenceBundle(value).ok).toBe(false);
  });

  it('accepts the exported bundle as a bundle after a JSON round trip', async () => {
    const path = join(stateDir, 'bundle.json');
    await writeFile(path, JSON.stringify(bundle));
    expect(parseEvidenceBundle(JSON.parse(await readFile(path, 'utf8'))).ok).toBe(true);
  });
});
