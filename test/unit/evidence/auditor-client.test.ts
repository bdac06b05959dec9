import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditorApiClient, AuditorApiError } from '../../../shared/adapters/http/auditor-client.ts';

// An HTTP double of the auditor API that checks what API Gateway's IAM auth checks first: a
// SigV4 Authorization header for execute-api in the region, over the headers it names.
let url: string;
let seen: { headers: IncomingHttpHeaders; path: string } | undefined;
const server = createServer((req, res) => {
  seen = { headers: req.headers, path: req.url ?? '' };
  const auth = String(req.headers.authorization ?? '');
  const shape =
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(
      auth,
    );
  const signed = shape?.[1]?.split(';') ?? [];
  const ok =
    shape &&
    signed.includes('host') &&
    signed.includes('x-amz-date') &&
    /^\d{8}T\d{6}Z$/.test(String(req.headers['x-amz-date']));
  res.writeHead(ok ? 200 : 403, { 'content-type': 'application/json' });
  res.end(JSON.stringify(ok ? { intact: true } : { message: 'Missing Authentication Token' }));
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/prod`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the auditor API client', () => {
  it('signs each request with SigV4 for execute-api, session token included', async () => {
    const client = new AuditorApiClient({
      baseUrl: url,
      region: 'eu-west-1',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'session-token',
      },
    });
    expect(await client.getJson('v1/ledger/verify', { since: '2026-01-01T00:00:00Z' })).toEqual({
      intact: true,
    });
    expect(seen?.path).toBe('/prod/v1/ledger/verify?since=2026-01-01T00%3A00%3A00Z');
    expect(seen?.headers['x-amz-security-token']).toBe('session-token');
  });

  it('reports the API refusing, with its status and message', async () => {
    const client = new AuditorApiClient({
      baseUrl: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const error = await client.get('v1/ledger/verify').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuditorApiError);
    expect(error).toMatchObject({
      status: 403,
      message: expect.stringContaining('Missing Authentication Token'),
    });
  });

  it('refuses plain http to anything but this machine', () => {
    expect(
      () =>
        new AuditorApiClient({
          baseUrl: 'http://api.example.com/prod',
          region: 'eu-west-1',
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        }),
    ).toThrow(/https/);
  });
});
