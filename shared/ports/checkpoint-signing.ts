import type { SignedCheckpoint } from '../domain/ledger/signed-checkpoint.ts';

/** Signs checkpoints with a key the ledger's writers cannot use (KMS, or a local key pair). */
export interface CheckpointSigner {
  /** The KMS key ARN, or `local:<fingerprint>`. */
  keyId(): Promise<string>;
  publicKeyPem(): Promise<string>;
  /** A DER-encoded ECDSA P-256 / SHA-256 signature over `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** Where signed checkpoints are kept outside the writers' reach; never overwritten. */
export interface CheckpointAnchors {
  /** Stores one; a second put of the same position is refused by the store, not replaced. */
  put(signed: SignedCheckpoint): Promise<void>;
  /** Every anchored checkpoint, oldest first. */
  list(): Promise<SignedCheckpoint[]>;
  /** The newest anchored checkpoint only (what signing needs each run). */
  newest(): Promise<SignedCheckpoint | undefined>;
  /** Where they live, for people: `s3://bucket/prefix` or a folder. */
  readonly location: string;
}
