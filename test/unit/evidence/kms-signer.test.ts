import { generateKeyPairSync, sign } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { KmsCheckpointSigner } from '../../../shared/adapters/signing/kms-signer.ts';
import { buildCheckpoint } from '../../../shared/domain/ledger/checkpoint.ts';
import type { SignedCheckpoint } from '../../../shared/domain/ledger/signed-checkpoint.ts';
import { checkSignedCheckpoint } from '../../../shared/domain/ledger/signed-checkpoint.ts';
import type { CheckpointAnchors } from '../../../shared/ports/checkpoint-signing.ts';
import { anchorCheckpoints } from '../../../shared/use-cases/anchor-checkpoints.ts';

// No local KMS exists: the mock stands in for KMS's Sign call, signing as KMS does (ECDSA
// P-256, SHA-256 over the raw message, DER); the signature is then verified for real.
const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/0f7e5a1c-1b2c-4d5e-8f90-123456789abc';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const kms = mockClient(KMSClient);

afterEach(() => kms.reset());

class MemoryAnchors implements CheckpointAnchors {
  readonly location = 'memory://';
  readonly items: SignedCheckpoint[] = [];
  async put(signed: SignedCheckpoint) {
    this.items.push(signed);
  }
  async list() {
    return [...this.items];
  }
  async newest() {
    return this.items[this.items.length - 1];
  }
}

const checkpoint = (previous?: { seq: number; hash: string }) =>
  buildCheckpoint({
    previous,
    heads: [{ incidentId: 'inc-1', seq: 2, hash: 'c'.repeat(64) }],
    cutoff: '2026-05-01T10:00:00.000Z',
    recordedAt: '2026-05-01T10:00:00.000Z',
  });

describe('the KMS checkpoint signer', () => {
  it('asks KMS for an ECDSA_SHA_256 signature of the raw payload, and the signature verifies', async () => {
    kms.on(SignCommand).callsFake((input) => ({
      KeyId: KEY_ARN,
      Signature: sign('sha256', Buffer.from(input.Message), {
        key: privateKey,
        dsaEncoding: 'der',
      }),
      SigningAlgorithm: 'ECDSA_SHA_256',
    }));
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      KeySpec: 'ECC_NIST_P256',
      PublicKey: publicKey.export({ type: 'spki', format: 'der' }),
    });
    const anchors = new MemoryAnchors();
    const first = checkpoint();
    const [signed] = await anchorCheckpoints([{ key: 'c1', keySeq: 1, checkpoint: first }], {
      signer: new KmsCheckpointSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN),
      anchors,
      clock: { now: () => new Date('2026-05-01T10:00:01.000Z') },
    });
    expect(kms.commandCalls(SignCommand)[0]?.args[0].input).toMatchObject({
      KeyId: KEY_ARN,
      MessageType: 'RAW',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(signed?.signature.keyId).toBe(KEY_ARN);
    expect(checkSignedCheckpoint(signed as SignedCheckpoint)).toBeUndefined();
    const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(checkSignedCheckpoint(signed as SignedCheckpoint, pem)).toBeUndefined();
  });

  it('refuses a key that is not an ECC_NIST_P256 signing key', async () => {
    kms.on(SignCommand).resolves({ Signature: new Uint8Array([1]) });
    kms
      .on(GetPublicKeyCommand)
      .resolves({ KeyId: KEY_ARN, KeySpec: 'RSA_2048', PublicKey: new Uint8Array([1]) });
    const signer = new KmsCheckpointSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN);
    await expect(signer.publicKeyPem()).rejects.toThrow(/not an ECC_NIST_P256/);
  });

  it('does not sign a checkpoint that does not extend the anchored chain', async () => {
    kms.on(SignCommand).rejects(new Error('must not be called'));
    const anchors = new MemoryAnchors();
    const forged = { ...checkpoint({ seq: 1, hash: 'd'.repeat(64) }), seq: 3 };
    await expect(
      anchorCheckpoints([{ key: 'c3', keySeq: 3, checkpoint: forged }], {
        signer: new KmsCheckpointSigner(new KMSClient({ region: 'eu-west-1' }), KEY_ARN),
        anchors,
        clock: { now: () => new Date() },
      }),
    ).rejects.toThrow(/does not extend anchored checkpoint 0/);
    expect(anchors.items).toEqual([]);
  });
});
