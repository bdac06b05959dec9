import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
} from 'node:crypto';
import { chmod, mkdir, open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { publicKeyFingerprint } from '../../domain/ledger/signed-checkpoint.ts';
import type { CheckpointSigner } from '../../ports/checkpoint-signing.ts';

const PRIVATE_FILE = 'checkpoint-signing-key.pem';
const PUBLIC_FILE = 'checkpoint-signing-key.pub.pem';

/**
 * Local mode's checkpoint signer: an ECDSA P-256 key pair in the state folder, created on first
 * use with the private part readable by its owner only (0600). A key file others can read is
 * refused rather than used.
 */
export class LocalKeySigner implements CheckpointSigner {
  readonly #dir: string;
  #loaded:
    | Promise<{ privateKey: KeyObject; publicKeyPem: string; fingerprint: string }>
    | undefined;

  constructor(stateDir: string) {
    this.#dir = stateDir;
  }

  async keyId(): Promise<string> {
    return `local:${(await this.#key()).fingerprint}`;
  }

  async publicKeyPem(): Promise<string> {
    return (await this.#key()).publicKeyPem;
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    const { privateKey } = await this.#key();
    return sign('sha256', message, { key: privateKey, dsaEncoding: 'der' });
  }

  #key() {
    this.#loaded ??= this.#load();
    return this.#loaded;
  }

  async #load() {
    await mkdir(this.#dir, { recursive: true });
    const privatePath = join(this.#dir, PRIVATE_FILE);
    const publicPath = join(this.#dir, PUBLIC_FILE);
    let privatePem: string;
    try {
      privatePem = await readFile(privatePath, 'utf8');
      const mode = (await stat(privatePath)).mode & 0o077;
      if (process.platform !== 'win32' && mode !== 0) {
        throw new Error(
          `${privatePath} is readable by others (mode ${((await stat(privatePath)).mode & 0o777).toString(8)}): chmod 600 it`,
        );
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      privatePem = await this.#create(privatePath, publicPath);
    }
    const privateKey = createPrivateKey(privatePem);
    const publicKeyPem = privateKeyToPublicPem(privateKey);
    return { privateKey, publicKeyPem, fingerprint: publicKeyFingerprint(publicKeyPem) };
  }

  async #create(privatePath: string, publicPath: string): Promise<string> {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    // 'wx': two processes creating the key at once must not end up with different keys.
    try {
      const handle = await open(privatePath, 'wx', 0o600);
      await handle.writeFile(privatePem);
      await handle.close();
      await chmod(privatePath, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        return readFile(privatePath, 'utf8');
      }
      throw error;
    }
    const handle = await open(publicPath, 'w', 0o644);
    await handle.writeFile(publicKey.export({ type: 'spki', format: 'pem' }) as string);
    await handle.close();
    return privatePem;
  }
}

function privateKeyToPublicPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }) as string;
}
