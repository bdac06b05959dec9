import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SQSClient } from '@aws-sdk/client-sqs';

/**
 * The one place SDK clients are made: created on first use and reused across invocations, so a
 * warm Lambda keeps its connections. Region and credentials come from the Lambda environment.
 */
const cache = new Map<string, unknown>();

function once<T>(name: string, make: () => T): T {
  if (!cache.has(name)) cache.set(name, make());
  return cache.get(name) as T;
}

export const awsClients = {
  dynamodb: () => once('dynamodb', () => new DynamoDBClient({})),
  eventBridge: () => once('eventBridge', () => new EventBridgeClient({})),
  sqs: () => once('sqs', () => new SQSClient({})),
  iam: () => once('iam', () => new IAMClient({})),
};
