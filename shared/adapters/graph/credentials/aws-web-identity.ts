import type { STSClient } from '@aws-sdk/client-sts';

/**
 * The federated client assertion from AWS: IAM outbound identity federation signs a JWT about
 * the function's own role (`sts:GetWebIdentityToken`, regional endpoint only), which the Entra
 * app trusts as a federated identity credential for audience `api://AzureADTokenExchange`. No
 * Graph secret exists to store, rotate or leak. The STS client is loaded on first use, so
 * deployments with a secret or certificate never evaluate it.
 */

const ENTRA_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';

export interface AwsWebIdentityOptions {
  /** STS region; GetWebIdentityToken is not served by the global endpoint. */
  region: string;
  /** An STS endpoint override (a test double). */
  endpoint?: string;
  /** Token lifetime; the IAM grant caps it at 300 seconds. */
  durationSeconds?: number;
  /** A client to use instead of a new one (tests, or a traced client). */
  client?: STSClient;
}

export function awsWebIdentityAssertion(options: AwsWebIdentityOptions): () => Promise<string> {
  let client: STSClient | undefined = options.client;
  return async () => {
    const { STSClient, GetWebIdentityTokenCommand } = await import('@aws-sdk/client-sts');
    client ??= new STSClient({
      region: options.region,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
    const answer = await client.send(
      new GetWebIdentityTokenCommand({
        Audience: [ENTRA_FEDERATION_AUDIENCE],
        SigningAlgorithm: 'RS256',
        DurationSeconds: options.durationSeconds ?? 300,
      }),
    );
    if (!answer.WebIdentityToken) throw new Error('STS answered without a WebIdentityToken');
    return answer.WebIdentityToken;
  };
}
