import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { callerOf, fromApiGateway, toApiGateway } from '../../shared/adapters/http/api-gateway.ts';
import { createReleaseApi } from '../../shared/adapters/http/release-api.ts';
import { releaseDeps } from '../../shared/aws/runtime.ts';
import { logger } from '../../shared/observability.ts';

/** `release`: the operator's restore after investigation, recorded in the ledger under their ARN. */
const api = createReleaseApi(await releaseDeps());

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  const caller = callerOf(event);
  logger.appendKeys({ caller, requestId: event.requestContext?.requestId });
  return toApiGateway(await api(fromApiGateway(event), caller));
};
