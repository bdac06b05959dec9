import type { TestProject } from 'vitest/node';
import { startEmbeddedDynamoDb } from '../../shared/local/embedded-dynamodb.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The endpoint of the one in-memory DynamoDB Local shared by the whole test run. */
    dynamodbEndpoint: string;
  }
}

/**
 * Starts ONE in-memory DynamoDB Local for the whole run (a JVM start costs seconds; tables are
 * cheap), provides its endpoint to every test file, and stops it when the run ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const db = await startEmbeddedDynamoDb({ tables: [] });
  project.provide('dynamodbEndpoint', db.endpoint);
  return () => db.close();
}
