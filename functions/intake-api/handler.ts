import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { sqsClient } from '../../shared/adapters/aws-clients.ts';
import { fromApiGateway, toApiGateway } from '../../shared/adapters/http/api-gateway.ts';
import { createIntakeApi } from '../../shared/adapters/http/intake-api.ts';
import { ledgerFor, replayGuardFor } from '../../shared/aws/runtime.ts';
import { lambdaEnv } from '../../shared/config/lambda-env.ts';
import { ssfTransmittersFrom } from '../../shared/config/ssf-transmitters.ts';
import { lambdaLog, logger } from '../../shared/observability.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import type { DetectionResult } from '../../shared/sources/result.ts';
import { createSetPushReceiver } from '../../shared/sources/ssf/push.ts';

/**
 * `intake-api`: `POST /v1/detections` (IAM auth) and `POST /v1/ssf/events` (SET signature).
 * Accepted detections go to the respond queue; nothing is contained on the request path.
 */
const env = lambdaEnv(process.env, ['RESPOND_QUEUE_URL']);
const transmitters = ssfTransmittersFrom(env.SSF_TRANSMITTERS, 'SSF_TRANSMITTERS');

async function enqueue(result: DetectionResult): Promise<Record<string, unknown>> {
  const sent = await sqsClient().send(
    new SendMessageCommand({
      QueueUrl: env.RESPOND_QUEUE_URL,
      MessageBody: JSON.stringify(result.detection),
      MessageAttributes: {
        sourceEventId: { DataType: 'String', StringValue: result.sourceEventId },
        rawSha256: { DataType: 'String', StringValue: result.rawSha256 },
      },
    }),
  );
  return { queued: sent.MessageId };
}

const api = createIntakeApi({
  deliver: enqueue,
  ledger: ledgerFor(),
  clock: systemClock,
  log: lambdaLog,
  ...(transmitters.length > 0
    ? {
        setReceiver: createSetPushReceiver({
          transmitters,
          replayGuard: replayGuardFor(),
          deliver: async (result) => {
            await enqueue(result);
          },
        }),
      }
    : {}),
});

export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  logger.appendKeys({ requestId: event.requestContext?.requestId });
  return toApiGateway(await api(fromApiGateway(event)));
};
