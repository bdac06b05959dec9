import { createHash, createPublicKey, verify } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { hashCheckpoint, type LedgerCheckpoint } from './checkpoint.ts';

/** The one algorithm: KMS `ECDSA_SHA_256` on an `ECC_NIST_P256` key; DER-encoded signatures. */
export const SIGNING_ALGORITHM = 'ECDSA_SHA_256';

/**
 * A checkpoint signed with a key no ledger writer can use, as kept in the anchor store (S3 with
 * Object Lock in AWS, an append-only folder locally). The public key travels with it so a
 * reader can check it offline; an auditor pins the key they trust instead of believing this one.
 */
export interface SignedCheckpoint {
  checkpoint: LedgerCheckpoint;
  signature: {
    algorithm: typeof SIGNING_ALGORITHM;
    /** Base64 of the DER-encoded ECDSA signature over `checkpointSigningPayload`. */
    value: string;
    /** The KMS key ARN, or `local:<fingerprint>` for the local key pair. */
    keyId: string;
    /** SPKI PEM of the verifying key. */
    publicKeyPem: string;
    /** SHA-256 (hex) of the key's DER SPKI: how people compare keys. */
    publicKeyFingerprint: string;
    signedAt: string;
  };
}

// Domain separation: these bytes can never be passed off as a record's or a checkpoint's hash input.
const SIGNING_DOMAIN = 'revocation-responder/signed-checkpoint/v1\n';

/** What is signed: the checkpoint's hash and everything that hash covers. */
export function checkpointSigningPayload(checkpoint: LedgerCheckpoint): Buffer {
  return Buffer.from(SIGNING_DOMAIN + canonicalJson(checkpoint), 'utf8');
}

/** SHA-256 (hex) of the DER SPKI of a PEM public key; throws on something that is not a key. */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

export type SignatureProblem = 'checkpoint-changed' | 'bad-signature' | 'bad-key';

/**
 * Checks a signed checkpoint: its hash over its content, then the signature with the given key
 * (default: the one it carries). Returns the first problem, or undefined when it holds.
 */
export function checkSignedCheckpoint(
  signed: SignedCheckpoint,
  publicKeyPem: string = signed.signature.publicKeyPem,
): { problem: SignatureProblem; detail: string } | undefined {
  const { checkpoint, signature } = signed;
  if (hashCheckpoint(checkpoint) !== checkpoint.hash) {
    return {
      problem: 'checkpoint-changed',
      detail: `checkpoint ${checkpoint.seq}'s content does not match its hash`,
    };
  }
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey(publicKeyPem);
  } catch (error) {
    return { problem: 'bad-key', detail: `not a public key: ${(error as Error).message}` };
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    return { problem: 'bad-key', detail: 'the key is not an ECC NIST P-256 key' };
  }
  let valid = false;
  try {
    valid = verify(
      'sha256',
      checkpointSigningPayload(checkpoint),
      { key, dsaEncoding: 'der' },
      Buffer.from(signature.value, 'base64'),
    );
  } catch {
    valid = false;
  }
  return valid
    ? undefined
    : {
        problem: 'bad-signature',
        detail: `checkpoint ${checkpoint.seq}'s signature does not verify with key ${publicKeyFingerprint(publicKeyPem)}`,
      };
}
