import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { SQSClient } from '@aws-sdk/client-sqs';
import { tracer } from '../observability.ts';

/**
 * The one place SDK clients are made: created on first use and reused across invocations, so a
 * warm Lambda keeps its connections, and traced by Powertools Tracer (X-Ray subsegments).
 * Region and credentials come from the Lambda environment.
 */
const cache = new Map<string, unknown>();

function once<T>(name: string, make: () => T): T {
  if (!cache.has(name)) cache.set(name, make());
  return cache.get(name) as T;
}

export const awsClients = {
  dynamodb: () => once('dynamodb', () => tracer.captureAWSv3Client(new DynamoDBClient({}))),
  eventBridge: () =>
    once('eventBridge', () => tracer.captureAWSv3Client(new EventBridgeClient({}))),
  sqs: () => once('sqs', () => tracer.captureAWSv3Client(new SQSClient({}))),
  iam: () => once('iam', () => tracer.captureAWSv3Client(new IAMClient({}))),
};
