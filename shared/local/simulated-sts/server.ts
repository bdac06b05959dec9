import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * AWS STS's outbound identity federation as a double: `GetWebIdentityToken` (AWS Query
 * protocol, SigV4-signed POST) answers a JWT about the configured role, signed with this
 * double's key, and the issuer publishes OpenID discovery and its JWKS, as the account's
 * issuer URL does. The simulated tenant verifies assertions against these keys.
 */

export interface SimulatedStsOptions {
  /** The `sub` of every token: the calling role's ARN. */
  roleArn: string;
  /** Added before each answer, like the simulated tenant's latency. */
  latencyMs?: number;
}

interface StsRequestRecord {
  action: string;
  audience: string[];
  signingAlgorithm: string | null;
  durationSeconds: number | null;
  signed: boolean;
}

export interface SimulatedSts {
  /** The STS endpoint and the token issuer (the same origin). */
  endpoint: string;
  issuer: string;
  requests(): StsRequestRecord[];
  close(): Promise<void>;
}

const XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

export async function startSimulatedSts(options: SimulatedStsOptions): Promise<SimulatedSts> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const records: StsRequestRecord[] = [];
  let issuer = '';
  const server: Server = createServer((req, res) => {
    void answer(req).then(
      async ({ status, type, body }) => {
        if (options.latencyMs) await new Promise((r) => setTimeout(r, options.latencyMs));
        res.writeHead(status, { 'content-type': type }).end(body);
      },
      () => res.writeHead(500).end(),
    );
  });

  async function answer(req: IncomingMessage) {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      const body = JSON.stringify({ issuer, jwks_uri: `${issuer}/.well-known/jwks.json` });
      return { status: 200, type: 'application/json', body };
    }
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks.json') {
      return { status: 200, type: 'application/json', body: JSON.stringify({ keys: [jwk] }) };
    }
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const form = new URLSearchParams(raw);
    const audience = [...form.keys()]
      .filter((k) => /^Audience\.member\.\d+$/.test(k))
      .map((k) => form.get(k) ?? '');
    const duration = form.get('DurationSeconds');
    const record: StsRequestRecord = {
      action: form.get('Action') ?? '',
      audience,
      signingAlgorithm: form.get('SigningAlgorithm'),
      durationSeconds: duration === null ? null : Number(duration),
      signed: /^AWS4-HMAC-SHA256 Credential=/.test(req.headers.authorization ?? ''),
    };
    records.push(record);
    if (!record.signed)
      return queryError(
        403,
        'MissingAuthenticationToken',
        'Request is missing Authentication Token',
      );
    if (record.action !== 'GetWebIdentityToken' || audience.length === 0) {
      return queryError(400, 'InvalidAction', `unsupported request ${record.action}`);
    }
    const seconds = record.durationSeconds ?? 300;
    const expiration = new Date(Date.now() + seconds * 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setSubject(options.roleArn)
      .setAudience(audience.length === 1 ? (audience[0] ?? '') : audience)
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiration.getTime() / 1000))
      .setJti(randomUUID())
      .sign(privateKey);
    const body = `<GetWebIdentityTokenResponse xmlns="${XMLNS}"><GetWebIdentityTokenResult><WebIdentityToken>${token}</WebIdentityToken><Expiration>${expiration.toISOString()}</Expiration></GetWebIdentityTokenResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetWebIdentityTokenResponse>`;
    return { status: 200, type: 'text/xml', body };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint: issuer,
    issuer,
    requests: () => [...records],
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function queryError(status: number, code: string, message: string) {
  const body = `<ErrorResponse xmlns="${XMLNS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`;
  return { status, type: 'text/xml', body };
}
