import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { inject } from 'vitest';
import {
  LEDGER_TABLE,
  type TableDefinition,
} from '../../shared/adapters/dynamodb/ledger-table-definition.ts';
import { ensureTable, localDynamoDbClient } from '../../shared/local/embedded-dynamodb.ts';

export interface TestTable {
  client: DynamoDBClient;
  tableName: string;
  /** Drops the table and releases the client (call in afterAll). */
  drop(): Promise<void>;
}

/**
 * A uniquely named table on the run's shared DynamoDB Local (started by global-setup.ts), built
 * from the same definition the CDK construct deploys. Test files never share data.
 */
export async function createTestTable(
  prefix = 'ledger',
  definition: TableDefinition = LEDGER_TABLE,
): Promise<TestTable> {
  const client = localDynamoDbClient(inject('dynamodbEndpoint'));
  const tableName = `${prefix}-${randomUUID()}`;
  await ensureTable(client, tableName, definition);
  return {
    client,
    tableName,
    drop: async () => {
      await client.send(new DeleteTableCommand({ TableName: tableName }));
      client.destroy();
    },
  };
}
