import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  credentialsFromEnvironment,
  defaultProvider,
} from '../../infra/bundling/lambda-aws-credentials.ts';

// The provider bundled in place of the SDK's default chain (see ResponderFunction's bundling).
afterEach(() => {
  vi.unstubAllEnvs();
});

describe('AWS credentials from the Lambda environment', () => {
  it("reads the execution role's session credentials Lambda sets", () => {
    expect(
      credentialsFromEnvironment({
        AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_SESSION_TOKEN: 'token',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({ accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' });
  });

  it('carries an expiration, account and scope when the environment gives them', () => {
    const credentials = credentialsFromEnvironment({
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_CREDENTIAL_EXPIRATION: '2026-11-26T13:00:00Z',
      AWS_ACCOUNT_ID: '111122223333',
      AWS_CREDENTIAL_SCOPE: 'eu-west-1',
    });
    expect(credentials.expiration?.toISOString()).toBe('2026-11-26T13:00:00.000Z');
    expect(credentials.accountId).toBe('111122223333');
    expect(credentials.credentialScope).toBe('eu-west-1');
  });

  it('refuses, without echoing any value, when the key pair is incomplete', () => {
    const read = () => credentialsFromEnvironment({ AWS_ACCESS_KEY_ID: 'ASIAONLYTHEKEY' });
    expect(read).toThrow(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this bundle only reads credentials from the Lambda environment',
    );
  });

  it('is what the SDK calls: each call reads the current environment', async () => {
    const provider = defaultProvider();
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIAFIRST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
    expect((await provider()).accessKeyId).toBe('ASIAFIRST');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'ASIASECOND');
    expect((await provider()).accessKeyId).toBe('ASIASECOND');
  });
});
