/**
 * Bundled into every function in place of `@aws-sdk/credential-provider-node` (an esbuild alias
 * set by infra/constructs/responder-function.ts). Lambda always hands a function its execution
 * role's credentials in these reserved variables, the first link of the SDK's default chain;
 * the other links (SSO, shared ini files, credential processes, web identity, container and
 * instance metadata) can never answer there, yet weigh over 100 KB in every bundle.
 */

/** The SDK's `AwsCredentialIdentity`, spelled out: this file must not depend on SDK packages. */
interface LambdaCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  accountId?: string;
  credentialScope?: string;
}

/** Reads the credentials Lambda put in the environment; refuses to guess when they are absent. */
export function credentialsFromEnvironment(env: NodeJS.ProcessEnv): LambdaCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: this bundle only reads credentials from the Lambda environment',
    );
  }
  const optional = {
    sessionToken: env.AWS_SESSION_TOKEN,
    expiration: env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined,
    accountId: env.AWS_ACCOUNT_ID,
    credentialScope: env.AWS_CREDENTIAL_SCOPE,
  };
  return {
    accessKeyId,
    secretAccessKey,
    ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value)),
  };
}

/** What every SDK client's runtime config calls (`credentialDefaultProvider`). */
export function defaultProvider(): () => Promise<LambdaCredentials> {
  return async () => credentialsFromEnvironment(process.env);
}
