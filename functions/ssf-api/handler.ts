import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { fromApiGateway, toApiGateway } from '../../shared/adapters/http/api-gateway.ts';
import { createSsfApi, type SsfCaller } from '../../shared/adapters/http/ssf-api.ts';
import type { HttpRequest } from '../../shared/adapters/http/types.ts';
import { ssfApiDeps } from '../../shared/aws/runtime.ts';
import { ssfAudiencesFrom } from '../../shared/config/ssf-audiences.ts';
import { logger } from '../../shared/observability.ts';

/**
 * `ssf-api`: the Shared Signals transmitter's configuration, JWKS, stream management and poll
 * routes. The discovery routes are public; on the others API Gateway's authorizer
 * (`ssf-authorizer`) has already verified the receiver's bearer token and names the caller,
 * whose streams' `aud` the operator configured (SSF_AUDIENCES, checked here at cold start).
 */
const audiences = ssfAudiencesFrom(process.env.SSF_AUDIENCES, 'SSF_AUDIENCES');
const callers = new WeakMap<HttpRequest, SsfCaller>();
const api = createSsfApi({
  ...ssfApiDeps(),
  authorize: async (request) => callers.get(request),
});

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  logger.appendKeys({ requestId: event.requestContext?.requestId });
  const request = fromApiGateway(event);
  const caller = callerOf(event.requestContext?.authorizer);
  if (caller) callers.set(request, caller);
  return toApiGateway(await api(request));
};

/** The authorizer's context: values are strings, scopes space-separated. */
function callerOf(context: Record<string, unknown> | null | undefined): SsfCaller | undefined {
  const principal = context?.principal;
  if (typeof principal !== 'string' || principal === '') return undefined;
  const scopes = typeof context?.scopes === 'string' ? context.scopes.split(' ') : [];
  const audience = audiences.get(principal);
  return { principal, scopes: scopes.filter(Boolean), ...(audience ? { audience } : {}) };
}
