import type { KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { publicKeyFromDer, RsaSetSigner } from './signer.ts';

/**
 * The deployed SET signer: an asymmetric KMS key (RSA_2048, SIGN_VERIFY) that never leaves KMS.
 * The key id names the JWK; the public key is fetched once per container.
 */
export function kmsSetSigner(client: KMSClient, keyId: string): RsaSetSigner {
  let publicKey: Promise<KeyObject> | undefined;
  return new RsaSetSigner({
    kid: keyId.split('/').pop() ?? keyId,
    publicKey: () => {
      publicKey ??= client.send(new GetPublicKeyCommand({ KeyId: keyId })).then((answer) => {
        if (!answer.PublicKey) throw new Error(`KMS returned no public key for ${keyId}`);
        return publicKeyFromDer(answer.PublicKey);
      });
      publicKey.catch(() => {
        publicKey = undefined;
      });
      return publicKey;
    },
    signBytes: async (input) => {
      const answer = await client.send(
        new SignCommand({
          KeyId: keyId,
          Message: input,
          MessageType: 'RAW',
          SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
        }),
      );
      if (!answer.Signature) throw new Error(`KMS returned no signature for ${keyId}`);
      return Buffer.from(answer.Signature);
    },
  });
}
