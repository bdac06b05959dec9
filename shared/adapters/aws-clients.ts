import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { SQSClient } from '@aws-sdk/client-sqs';
import { traced } from '../observability.ts';

/**
 * The one place SDK clients are made: created on first use and reused across invocations, so a
 * warm Lambda keeps its connections, and traced by Powertools Tracer (X-Ray subsegments) once it
 * has loaded. Region and credentials come from the Lambda environment. One export per client, so
 * a bundle carries only the clients its function uses (`@__PURE__` lets esbuild drop the rest).
 */
function lazy<T>(make: () => T): () => T {
  let client: T | undefined;
  return () => {
    client ??= make();
    return client;
  };
}

export const dynamoDbClient = /* @__PURE__ */ lazy(() => traced(new DynamoDBClient({})));
export const eventBridgeClient = /* @__PURE__ */ lazy(() => traced(new EventBridgeClient({})));
export const sqsClient = /* @__PURE__ */ lazy(() => traced(new SQSClient({})));
export const iamClient = /* @__PURE__ */ lazy(() => traced(new IAMClient({})));
export const kmsClient = /* @__PURE__ */ lazy(() => traced(new KMSClient({})));
