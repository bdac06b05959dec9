import { canonicalJson } from './canonical-json.ts';
import { type ChainHead, GENESIS_HASH, sha256Hex } from './chain.ts';

/** One incident chain's head as a checkpoint attests it. */
export interface IncidentHead {
  incidentId: string;
  seq: number;
  hash: string;
}

/**
 * A checkpoint attests the heads of the incident chains that changed up to `cutoff`, and is
 * itself hash-chained to the previous checkpoint. It is what makes removing a whole incident, or
 * the tail of one, detectable: the per-incident chain alone cannot see its own truncation.
 */
export interface LedgerCheckpoint {
  seq: number;
  cutoff: string;
  recordedAt: string;
  heads: IncidentHead[];
  prevHash: string;
  hash: string;
}

const CHECKPOINT_DOMAIN = 'revocation-responder/ledger-checkpoint/v1\n';

export function hashCheckpoint(checkpoint: Omit<LedgerCheckpoint, 'hash'>): string {
  const content = {
    seq: checkpoint.seq,
    cutoff: checkpoint.cutoff,
    recordedAt: checkpoint.recordedAt,
    heads: checkpoint.heads.map((h) => ({ incidentId: h.incidentId, seq: h.seq, hash: h.hash })),
    prevHash: checkpoint.prevHash,
  };
  return sha256Hex(CHECKPOINT_DOMAIN + canonicalJson(content));
}

/** The next checkpoint after `previous`, with heads in a stable order. */
export function buildCheckpoint(args: {
  previous: ChainHead | undefined;
  heads: readonly IncidentHead[];
  cutoff: string;
  recordedAt: string;
}): LedgerCheckpoint {
  const unhashed = {
    seq: (args.previous?.seq ?? 0) + 1,
    cutoff: args.cutoff,
    recordedAt: args.recordedAt,
    heads: [...args.heads].sort((a, b) => compare(a.incidentId, b.incidentId)),
    prevHash: args.previous?.hash ?? GENESIS_HASH,
  };
  return { ...unhashed, hash: hashCheckpoint(unhashed) };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a checkpoint run did. */
export interface CheckpointResult {
  written: LedgerCheckpoint[];
  /** Records stamped before this instant are attested by the checkpoint chain. */
  cutoff: string;
}
