import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { AuditorApiClient } from '../../shared/adapters/http/auditor-client.ts';
import { UsageError } from '../io.ts';

/**
 * `--api <base URL>`: the deployed auditor API, signed with the caller's AWS credentials (the
 * default chain: AWS_PROFILE, SSO, environment, ...), typically a profile assuming the auditor role.
 */
export function auditorApiFrom(baseUrl: string, env: NodeJS.ProcessEnv): AuditorApiClient {
  try {
    return new AuditorApiClient({
      baseUrl,
      credentials: defaultProvider(env.AWS_PROFILE ? { profile: env.AWS_PROFILE } : {}),
      ...(env.AWS_REGION ? { region: env.AWS_REGION } : {}),
    });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}
