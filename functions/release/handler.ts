import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { callerOf, fromApiGateway, toApiGateway } from '../../shared/adapters/http/api-gateway.ts';
import { createOperatorApi } from '../../shared/adapters/http/operator-api.ts';
import { operatorDeps } from '../../shared/aws/runtime.ts';
import { logger } from '../../shared/observability.ts';
import { expireApprovals } from '../../shared/use-cases/expire-approvals.ts';

/**
 * The operator's function: approve, deny, release and the incident list through the API (each
 * decision recorded under the caller's ARN), and, on its schedule, the approval-expiry sweep.
 */
const deps = await operatorDeps();
// Leave a second to record and answer before Lambda stops the invocation.
let remaining: Context | undefined;
const api = createOperatorApi({
  ...deps,
  deadline: () =>
    remaining ? Date.now() + remaining.getRemainingTimeInMillis() - 1000 : undefined,
});

type ScheduledEvent = { source: 'aws.events'; 'detail-type': 'Scheduled Event' };

export const handler = async (
  event: APIGatewayProxyEvent | ScheduledEvent,
  context?: Context,
): Promise<APIGatewayProxyResult | undefined> => {
  remaining = context;
  if ('source' in event && event.source === 'aws.events') {
    const closed = await expireApprovals(deps);
    logger.info('approval requests expired', { closed });
    return undefined;
  }
  const request = event as APIGatewayProxyEvent;
  const caller = callerOf(request);
  logger.appendKeys({ caller, requestId: request.requestContext?.requestId });
  return toApiGateway(await api(fromApiGateway(request), caller));
};
