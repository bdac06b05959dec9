import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ReplayGuard } from '../../ports/replay-guard.ts';
import { STATE_TTL_ATTRIBUTE } from './state-table-definition.ts';

/** `jti` replay protection shared by every receiver: a conditional put that expires by TTL. */
export class DynamoDbReplayGuard implements ReplayGuard {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #now: () => Date;

  constructor(client: DynamoDBClient, tableName: string, now: () => Date = () => new Date()) {
    this.#client = client;
    this.#tableName = tableName;
    this.#now = now;
  }

  async claim(key: string, expiresAt: Date): Promise<boolean> {
    const nowSeconds = Math.floor(this.#now().getTime() / 1000);
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: {
            pk: { S: `REPLAY#${key}` },
            sk: { S: 'claim' },
            [STATE_TTL_ATTRIBUTE]: { N: String(Math.ceil(expiresAt.getTime() / 1000)) },
          },
          // TTL deletion lags by up to days: an expired claim counts as free.
          ConditionExpression: 'attribute_not_exists(pk) OR #expiration < :now',
          ExpressionAttributeNames: { '#expiration': STATE_TTL_ATTRIBUTE },
          ExpressionAttributeValues: { ':now': { N: String(nowSeconds) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(key: string): Promise<void> {
    await this.#client.send(
      new DeleteItemCommand({
        TableName: this.#tableName,
        Key: { pk: { S: `REPLAY#${key}` }, sk: { S: 'claim' } },
      }),
    );
  }
}
