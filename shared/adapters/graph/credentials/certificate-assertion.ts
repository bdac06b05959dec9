import {
  createHash,
  createPrivateKey,
  type KeyObject,
  randomUUID,
  X509Certificate,
} from 'node:crypto';
import { SignJWT } from 'jose';

/**
 * The client assertion for certificate credentials, as the Microsoft identity platform
 * documents it: a JWT signed with the certificate's private key (PS256), naming the
 * certificate by its SHA-256 thumbprint in `x5t#S256`, issued by and about the app, for the
 * token endpoint, valid a few minutes.
 */

export interface CertificateKey {
  key: KeyObject;
  /** base64url SHA-256 of the certificate's DER encoding. */
  thumbprintS256: string;
}

/** Reads the certificate and its private key from one PEM text. Throws without quoting it. */
export function parseCertificatePem(pem: string): CertificateKey {
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem);
  const privateKey =
    /-----BEGIN (?:RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC )?PRIVATE KEY-----/.exec(
      pem,
    );
  if (!certificate) throw new Error('the PEM holds no CERTIFICATE block');
  if (!privateKey) throw new Error('the PEM holds no PRIVATE KEY block');
  const der = new X509Certificate(certificate[0]).raw;
  return {
    key: createPrivateKey(privateKey[0]),
    thumbprintS256: createHash('sha256').update(der).digest('base64url'),
  };
}

export function certificateAssertion(
  clientId: string,
  certificate: CertificateKey,
  now: () => number,
): (tokenEndpoint: string) => Promise<string> {
  return (tokenEndpoint) => {
    const seconds = Math.floor(now() / 1000);
    return new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'PS256', typ: 'JWT', 'x5t#S256': certificate.thumbprintS256 })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenEndpoint)
      .setIssuedAt(seconds)
      .setNotBefore(seconds)
      .setExpirationTime(seconds + 600)
      .sign(certificate.key);
  };
}
