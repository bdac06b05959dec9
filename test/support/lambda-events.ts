import type { APIGatewayProxyEvent, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { inject, vi } from 'vitest';
import { defaultOwnershipMap } from '../../shared/config/load-ownership.ts';
import { defaultContainmentPolicy } from '../../shared/config/load-policy.ts';
import { DEFAULT_TICKET_SLA } from '../../shared/use-cases/open-tickets.ts';

/**
 * What the handler tests give a Lambda handler the way Lambda does: its environment (tables on
 * DynamoDB Local, the default configuration embedded, Powertools quiet), its context, SQS records
 * and API Gateway (REST, proxy) events.
 */

/** An SQS-triggered handler with partial batch responses. */
export type SqsHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;

/** Stubs the function's environment: `own` on top of what every handler reads. */
export function stubLambdaEnv(own: Record<string, string>): void {
  const env: Record<string, string> = {
    ...own,
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    RESPONDER_EMBEDDED_CONFIG: JSON.stringify({
      ownership: defaultOwnershipMap,
      policy: defaultContainmentPolicy,
      ticketSla: DEFAULT_TICKET_SLA,
    }),
  };
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
}

/** The Lambda context, with the time the invocation has left. */
export function lambdaContext(functionName: string, remainingMs = 60_000): Context {
  return {
    functionName,
    awsRequestId: 'req-1',
    getRemainingTimeInMillis: () => remainingMs,
  } as unknown as Context;
}

/** An SQS record as Lambda delivers it (only what the handlers read). */
export function sqsRecord(messageId: string, body: string): SQSRecord {
  return { messageId, body, messageAttributes: {} } as unknown as SQSRecord;
}

/** The body of an EventBridge event the responder put on its bus, as its queue receives it. */
export function responderEventBody(detailType: string, detail: unknown): string {
  return JSON.stringify({ 'detail-type': detailType, source: 'revocation-responder', detail });
}

/** An API Gateway proxy event; `body` travels as given (a string) or as JSON. */
export function apiEvent(
  method: string,
  path: string,
  options: {
    body?: unknown;
    contentType?: string;
    authorizer?: Record<string, string>;
    query?: Record<string, string>;
    /** The IAM caller API Gateway's IAM authorization saw. */
    callerArn?: string;
  } = {},
): APIGatewayProxyEvent {
  const { body } = options;
  return {
    httpMethod: method,
    path,
    headers: { 'content-type': options.contentType ?? 'application/json' },
    multiValueQueryStringParameters: options.query
      ? Object.fromEntries(Object.entries(options.query).map(([k, v]) => [k, [v]]))
      : null,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      requestId: 'req-1',
      authorizer: options.authorizer ?? null,
      ...(options.callerArn ? { identity: { userArn: options.callerArn } } : {}),
    },
  } as unknown as APIGatewayProxyEvent;
}
