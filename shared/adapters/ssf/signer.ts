import { createPublicKey, type KeyObject } from 'node:crypto';
import type { SetSigner } from '../../ports/ssf.ts';

/** RFC 8417 section 2.3 / SSF 1.0 section 4.1.1: the explicit type of a SET. */
const SET_TYP = 'secevent+jwt';

/**
 * A compact RS256 JWS over the claims, with the signature from `signBytes` (RSASSA-PKCS1-v1_5
 * with SHA-256 over the signing input): a local key or KMS, the token is the same shape.
 */
export class RsaSetSigner implements SetSigner {
  readonly #kid: string;
  readonly #publicKey: () => Promise<KeyObject>;
  readonly #signBytes: (input: Buffer) => Promise<Buffer>;

  constructor(options: {
    kid: string;
    publicKey: () => Promise<KeyObject>;
    signBytes: (input: Buffer) => Promise<Buffer>;
  }) {
    this.#kid = options.kid;
    this.#publicKey = options.publicKey;
    this.#signBytes = options.signBytes;
  }

  async sign(claims: Record<string, unknown>): Promise<string> {
    const header = { alg: 'RS256', typ: SET_TYP, kid: this.#kid };
    const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
    const signature = await this.#signBytes(Buffer.from(input, 'ascii'));
    return `${input}.${signature.toString('base64url')}`;
  }

  async jwks(): Promise<{ keys: Record<string, unknown>[] }> {
    const key = await this.#publicKey();
    const details = key.asymmetricKeyDetails;
    if (key.asymmetricKeyType !== 'rsa' || (details?.modulusLength ?? 0) < 2048) {
      throw new Error('the SET signing key must be RSA of 2048 bits or more');
    }
    const jwk = key.export({ format: 'jwk' });
    return {
      keys: [{ kty: jwk.kty, n: jwk.n, e: jwk.e, kid: this.#kid, alg: 'RS256', use: 'sig' }],
    };
  }
}

/** A public key given as DER SubjectPublicKeyInfo (what KMS GetPublicKey returns). */
export function publicKeyFromDer(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
