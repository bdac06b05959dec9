import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { fromApiGateway, toApiGateway } from '../../shared/adapters/http/api-gateway.ts';
import { createIntakeApi } from '../../shared/adapters/http/intake-api.ts';
import { intakeApiDeps } from '../../shared/aws/runtime.ts';
import { lambdaLog, logger } from '../../shared/observability.ts';

/**
 * `intake-api`: `POST /v1/detections` (IAM auth) and `POST /v1/ssf/events` (SET signature).
 * Accepted detections go to the respond queue; nothing is contained on the request path.
 */
const api = createIntakeApi(intakeApiDeps(lambdaLog));

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  logger.appendKeys({ requestId: event.requestContext?.requestId });
  return toApiGateway(await api(fromApiGateway(event)));
};
