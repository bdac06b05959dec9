import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { bearerTokenVerifier } from '../../shared/adapters/ssf/bearer-token.ts';
import { lambdaEnv } from '../../shared/config/lambda-env.ts';
import { lambdaLog } from '../../shared/observability.ts';

/**
 * `ssf-authorizer`: API Gateway's TOKEN authorizer for the transmitter's management routes. It
 * authenticates (a JWT from the configured issuer for the configured audience); which scope a
 * route needs is the management API's decision, from the scopes passed on here.
 */
const env = lambdaEnv(process.env, [
  'SSF_TOKEN_ISSUER',
  'SSF_TOKEN_AUDIENCE',
  'SSF_TOKEN_JWKS_URI',
]);
const verify = bearerTokenVerifier({
  issuer: env.SSF_TOKEN_ISSUER,
  audience: env.SSF_TOKEN_AUDIENCE,
  jwks: env.SSF_TOKEN_JWKS_URI,
});

export const handler = async (
  event: APIGatewayTokenAuthorizerEvent,
): Promise<APIGatewayAuthorizerResult> => {
  const token = /^Bearer\s+(\S+)$/i.exec(event.authorizationToken ?? '')?.[1];
  const caller = token ? await verify(token) : undefined;
  if (!caller) {
    lambdaLog.info('bearer token refused');
    throw new Error('Unauthorized'); // API Gateway answers 401
  }
  return {
    principalId: caller.principal,
    policyDocument: {
      Version: '2012-10-17',
      // The decision is cached per token: it covers every management route, not just this one.
      Statement: [
        { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: ssfRoutesOf(event.methodArn) },
      ],
    },
    context: { principal: caller.principal, scopes: caller.scopes.join(' ') },
  };
};

/** `arn:…:api-id/stage/METHOD/ssf/…` → `arn:…:api-id/stage/*\/ssf/*`. */
function ssfRoutesOf(methodArn: string): string {
  const [apiArn, stage] = methodArn.split('/');
  return `${apiArn}/${stage}/*/ssf/*`;
}
