import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretsManagerSecretSource } from '../../../shared/adapters/secrets-manager.ts';

const secrets = mockClient(SecretsManagerClient);
afterEach(() => secrets.reset());

describe('Secrets Manager secret source', () => {
  it('reads a secret once and serves repeats from the cache', async () => {
    secrets
      .on(GetSecretValueCommand, { SecretId: 'rr/tickets' })
      .resolves({ SecretString: '{"jira":{}}' });
    const source = new SecretsManagerSecretSource(
      new SecretsManagerClient({ region: 'us-east-1' }),
    );
    expect(await source.getSecretString('rr/tickets')).toBe('{"jira":{}}');
    expect(await source.getSecretString('rr/tickets')).toBe('{"jira":{}}');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('reads again once the cache age is over', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'v1' });
    const source = new SecretsManagerSecretSource(
      new SecretsManagerClient({ region: 'us-east-1' }),
      {
        maxAgeSeconds: 0,
      },
    );
    await source.getSecretString('rr/graph');
    await source.getSecretString('rr/graph');
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });
});
