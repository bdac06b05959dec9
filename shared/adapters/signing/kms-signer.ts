import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { CheckpointSigner } from '../../ports/checkpoint-signing.ts';

/**
 * Signs checkpoints with an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY). Only the checkpoint
 * function may call kms:Sign on it; the private key never leaves KMS.
 */
export class KmsCheckpointSigner implements CheckpointSigner {
  readonly #client: KMSClient;
  readonly #keyId: string;
  #publicKey: Promise<{ pem: string; keyArn: string }> | undefined;

  constructor(client: KMSClient, keyId: string) {
    this.#client = client;
    this.#keyId = keyId;
  }

  async keyId(): Promise<string> {
    return (await this.#public()).keyArn;
  }

  async publicKeyPem(): Promise<string> {
    return (await this.#public()).pem;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    const out = await this.#client.send(
      new SignCommand({
        KeyId: this.#keyId,
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!out.Signature) throw new Error(`KMS returned no signature for key ${this.#keyId}`);
    return out.Signature;
  }

  #public() {
    this.#publicKey ??= this.#client
      .send(new GetPublicKeyCommand({ KeyId: this.#keyId }))
      .then((out) => {
        if (!out.PublicKey || out.KeySpec !== 'ECC_NIST_P256') {
          throw new Error(`KMS key ${this.#keyId} is not an ECC_NIST_P256 signing key`);
        }
        const base64 = Buffer.from(out.PublicKey).toString('base64');
        const lines = base64.match(/.{1,64}/g) ?? [];
        return {
          pem: `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`,
          keyArn: out.KeyId ?? this.#keyId,
        };
      });
    return this.#publicKey;
  }
}
