import type { LedgerCheckpoint } from '../domain/ledger/checkpoint.ts';
import {
  checkpointSigningPayload,
  checkSignedCheckpoint,
  publicKeyFingerprint,
  SIGNING_ALGORITHM,
  type SignedCheckpoint,
} from '../domain/ledger/signed-checkpoint.ts';
import type { StoredCheckpoint } from '../domain/ledger/verify.ts';
import type { CheckpointAnchors, CheckpointSigner } from '../ports/checkpoint-signing.ts';
import type { Clock } from '../ports/clock.ts';

export interface AnchorDeps {
  signer: CheckpointSigner;
  anchors: CheckpointAnchors;
  clock: Clock;
}

/**
 * Signs and anchors the stored checkpoints that extend the anchored chain: each must hash right
 * and link to the one anchored before it, so a checkpoint a table writer forged out of line is
 * never signed. Catches up checkpoints a crashed run wrote but did not anchor.
 */
export async function anchorCheckpoints(
  stored: readonly StoredCheckpoint[],
  deps: AnchorDeps,
): Promise<SignedCheckpoint[]> {
  let last = (await deps.anchors.newest())?.checkpoint;
  const pending = stored
    .map((item) => item.checkpoint)
    .filter((c): c is LedgerCheckpoint => c !== undefined && c.seq > (last?.seq ?? 0))
    .sort((a, b) => a.seq - b.seq);
  const written: SignedCheckpoint[] = [];
  for (const checkpoint of pending) {
    const extends_ =
      checkpoint.seq === (last?.seq ?? 0) + 1 &&
      checkpoint.prevHash === (last?.hash ?? checkpoint.prevHash);
    if (!extends_) {
      throw new Error(
        `checkpoint ${checkpoint.seq} does not extend anchored checkpoint ${last?.seq ?? 0}: not signed; run "responder ledger verify"`,
      );
    }
    const signed = await signCheckpoint(checkpoint, deps);
    if (checkSignedCheckpoint(signed)) {
      throw new Error(`checkpoint ${checkpoint.seq} is not intact: not signed`);
    }
    await deps.anchors.put(signed);
    written.push(signed);
    last = checkpoint;
  }
  return written;
}

async function signCheckpoint(
  checkpoint: LedgerCheckpoint,
  deps: AnchorDeps,
): Promise<SignedCheckpoint> {
  const [keyId, publicKeyPem, signature] = await Promise.all([
    deps.signer.keyId(),
    deps.signer.publicKeyPem(),
    deps.signer.sign(checkpointSigningPayload(checkpoint)),
  ]);
  return {
    checkpoint,
    signature: {
      algorithm: SIGNING_ALGORITHM,
      value: Buffer.from(signature).toString('base64'),
      keyId,
      publicKeyPem,
      publicKeyFingerprint: publicKeyFingerprint(publicKeyPem),
      signedAt: deps.clock.now().toISOString(),
    },
  };
}

/** What `ledger verify` says about the signed anchors. */
export interface AnchorVerification {
  location: string;
  anchored: number;
  /** The newest signed, anchored checkpoint: the head an auditor can rely on. */
  newest?: {
    seq: number;
    hash: string;
    cutoff: string;
    keyId: string;
    publicKeyFingerprint: string;
    signedAt: string;
  };
  /** Checkpoints in the table newer than the newest anchored one. */
  unanchoredCheckpoints: number;
  /** The first anchor that does not hold, or whose table copy differs. */
  problem?: string;
}

/**
 * Every anchored checkpoint's signature holds, all under one key, and the table still holds the
 * very checkpoint each anchor signed: a table rewritten consistently is caught here.
 */
export function verifyAnchors(
  stored: readonly StoredCheckpoint[],
  anchored: readonly SignedCheckpoint[],
  location: string,
): AnchorVerification {
  const bySeq = new Map(
    stored.flatMap((item) => (item.checkpoint ? [[item.checkpoint.seq, item.checkpoint]] : [])),
  );
  const newest = anchored[anchored.length - 1];
  const newestStored = Math.max(0, ...bySeq.keys());
  const result: AnchorVerification = {
    location,
    anchored: anchored.length,
    unanchoredCheckpoints: Math.max(0, newestStored - (newest?.checkpoint.seq ?? 0)),
    ...(newest
      ? {
          newest: {
            seq: newest.checkpoint.seq,
            hash: newest.checkpoint.hash,
            cutoff: newest.checkpoint.cutoff,
            keyId: newest.signature.keyId,
            publicKeyFingerprint: newest.signature.publicKeyFingerprint,
            signedAt: newest.signature.signedAt,
          },
        }
      : {}),
  };
  const firstKey = anchored[0]?.signature.publicKeyPem;
  for (const signed of anchored) {
    const seq = signed.checkpoint.seq;
    if (firstKey !== undefined && signed.signature.publicKeyPem !== firstKey) {
      return { ...result, problem: `anchored checkpoint ${seq} is signed by another key` };
    }
    const bad = checkSignedCheckpoint(signed);
    if (bad) return { ...result, problem: `anchored checkpoint ${seq}: ${bad.detail}` };
    const inTable = bySeq.get(seq);
    if (!inTable) {
      return { ...result, problem: `checkpoint ${seq} is anchored but missing from the ledger` };
    }
    if (inTable.hash !== signed.checkpoint.hash) {
      return {
        ...result,
        problem: `checkpoint ${seq} in the ledger differs from the one signed and anchored: the ledger was rewritten`,
      };
    }
  }
  return result;
}
