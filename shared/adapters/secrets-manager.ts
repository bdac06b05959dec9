import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretSource } from '../ports/secrets.ts';

/**
 * Secrets Manager through Powertools Parameters: each secret is read once and cached for
 * `maxAgeSeconds`, so a burst costs one read and a rotated secret is picked up soon after.
 */
export class SecretsManagerSecretSource implements SecretSource {
  readonly #provider: SecretsProvider;
  readonly #maxAge: number;

  constructor(client?: SecretsManagerClient, options: { maxAgeSeconds?: number } = {}) {
    this.#provider = new SecretsProvider(client ? { awsSdkV3Client: client } : {});
    this.#maxAge = options.maxAgeSeconds ?? 300;
  }

  async getSecretString(secretId: string): Promise<string> {
    const value = await this.#provider.get(secretId, { maxAge: this.#maxAge });
    if (typeof value !== 'string') throw new Error(`secret ${secretId} has no string value`);
    return value;
  }
}
