import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
} from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { RsaSetSigner } from './signer.ts';

/**
 * Local mode's SET signing key: RSA 3072 in the state folder (`ssf-signing-key.pem`, mode 0600),
 * made on first use and kept, so receivers that cached the JWKS keep verifying across runs.
 */
export async function localSetSigner(path: string): Promise<RsaSetSigner> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    await writeFile(path, pem, { mode: 0o600, flag: 'wx' }).catch(
      async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
        pem = await readFile(path, 'utf8'); // another process made it first
      },
    );
  }
  await chmod(path, 0o600);
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const kid = createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('base64url')
    .slice(0, 16);
  return new RsaSetSigner({
    kid,
    publicKey: async () => publicKey,
    signBytes: async (input) => sign('sha256', input, privateKey),
  });
}
