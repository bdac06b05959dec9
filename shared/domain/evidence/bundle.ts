import * as z from 'zod/mini';
import type { LedgerRecord } from '../ledger/record.ts';
import { SIGNING_ALGORITHM, type SignedCheckpoint } from '../ledger/signed-checkpoint.ts';
import { type AuditorMappingEntry, auditorMapping } from './auditor-mapping.ts';

const EVIDENCE_BUNDLE_TYPE = 'revocation-responder/evidence-bundle';

/**
 * One incident's evidence, checkable offline: its records, the proof that they chain from the
 * first to a head a signed checkpoint attests, that checkpoint with its signature and public
 * key, and sections derived from the records (findings, tickets, auditor mapping) that the
 * verifier recomputes rather than trusts.
 */
export interface EvidenceBundle {
  bundleType: typeof EVIDENCE_BUNDLE_TYPE;
  bundleVersion: '1';
  incidentId: string;
  exportedAt: string;
  records: LedgerRecord[];
  chainProof: {
    /** Records 1..anchoredSeq chain to the head the checkpoint signed. */
    anchoredSeq: number;
    anchoredHash: string;
    /** Records after the anchored head: chained, but not yet under a signature. */
    recordsAfterAnchor: number;
  };
  anchor: SignedCheckpoint & { location: string };
  publicKey: { pem: string; keyId: string; fingerprint: string };
  findings: BundleFinding[];
  tickets: BundleTicket[];
  auditorMapping: AuditorMappingEntry[];
}

interface BundleFinding {
  recordSeq: number;
  controlId?: string;
  ownerRole?: string;
  ownerTeam?: string;
  status?: string;
  reason?: string;
  frameworks: string[];
}

interface BundleTicket {
  recordSeq: number;
  kind: string;
  ownerRole?: string;
  ownerTeam?: string;
  status?: string;
  ticketId?: string;
  system?: string;
  dueDate?: string;
  url?: string;
}

/** The sections derived from the records; the verifier recomputes them and compares. */
export function derivedSections(records: readonly LedgerRecord[]) {
  const findings: BundleFinding[] = records
    .filter((r) => r.kind === 'finding')
    .map((r) =>
      compact({
        recordSeq: r.seq,
        controlId: r.controlId,
        ownerRole: r.ownerRole,
        ownerTeam: r.ownerTeam,
        status: r.status,
        reason: text(r.data.reason),
        frameworks: Array.isArray(r.data.frameworks)
          ? r.data.frameworks.filter((f): f is string => typeof f === 'string')
          : [],
      }),
    );
  const tickets: BundleTicket[] = records
    .filter((r) => r.kind.startsWith('ticket.'))
    .map((r) =>
      compact({
        recordSeq: r.seq,
        kind: r.kind,
        ownerRole: r.ownerRole,
        ownerTeam: r.ownerTeam,
        status: r.status,
        ticketId: r.ticketId,
        system: text(r.data.system),
        dueDate: text(r.data.dueDate),
        url: text(r.data.url),
      }),
    );
  return { findings, tickets, auditorMapping: auditorMapping(records) };
}

/** Assembles a bundle from an intact chain and the signed checkpoint that attests its head. */
export function buildEvidenceBundle(args: {
  incidentId: string;
  records: readonly LedgerRecord[];
  anchor: SignedCheckpoint;
  location: string;
  exportedAt: string;
}): EvidenceBundle {
  const head = args.anchor.checkpoint.heads.find((h) => h.incidentId === args.incidentId);
  if (!head)
    throw new Error(`checkpoint ${args.anchor.checkpoint.seq} does not attest ${args.incidentId}`);
  return {
    bundleType: EVIDENCE_BUNDLE_TYPE,
    bundleVersion: '1',
    incidentId: args.incidentId,
    exportedAt: args.exportedAt,
    records: [...args.records],
    chainProof: {
      anchoredSeq: head.seq,
      anchoredHash: head.hash,
      recordsAfterAnchor: args.records.length - head.seq,
    },
    anchor: { ...args.anchor, location: args.location },
    publicKey: {
      pem: args.anchor.signature.publicKeyPem,
      keyId: args.anchor.signature.keyId,
      fingerprint: args.anchor.signature.publicKeyFingerprint,
    },
    ...derivedSections(args.records),
  };
}

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const recordShape = z.looseObject({
  incidentId: z.string(),
  seq: z.int(),
  recordedAt: z.string(),
  kind: z.string(),
  stepKey: z.string(),
  data: z.record(z.string(), z.unknown()),
  hash: z.string(),
  prevHash: z.string(),
});
const bundleShape = z.looseObject({
  bundleType: z.literal(EVIDENCE_BUNDLE_TYPE),
  bundleVersion: z.literal('1'),
  incidentId: z.string().check(z.minLength(1)),
  exportedAt: z.string(),
  records: z.array(recordShape),
  chainProof: z.object({
    anchoredSeq: z.int().check(z.gte(1)),
    anchoredHash: z.string(),
    recordsAfterAnchor: z.int(),
  }),
  anchor: z.looseObject({
    checkpoint: z.looseObject({
      seq: z.int(),
      cutoff: z.string(),
      recordedAt: z.string(),
      heads: z.array(z.object({ incidentId: z.string(), seq: z.int(), hash: z.string() })),
      prevHash: z.string(),
      hash: hex64,
    }),
    signature: z.looseObject({
      algorithm: z.literal(SIGNING_ALGORITHM),
      value: z.string(),
      keyId: z.string(),
      publicKeyPem: z.string(),
      publicKeyFingerprint: z.string(),
      signedAt: z.string(),
    }),
    location: z.string(),
  }),
  publicKey: z.object({ pem: z.string(), keyId: z.string(), fingerprint: z.string() }),
  findings: z.array(z.unknown()),
  tickets: z.array(z.unknown()),
  auditorMapping: z.array(z.unknown()),
});

/** The value is an evidence bundle in shape (not yet checked); else the first field that is not. */
export function parseEvidenceBundle(
  value: unknown,
): { ok: true; bundle: EvidenceBundle } | { ok: false; problem: string } {
  const parsed = bundleShape.safeParse(value);
  if (parsed.success) return { ok: true, bundle: value as EvidenceBundle };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    problem: `${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'not an evidence bundle'}`,
  };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
