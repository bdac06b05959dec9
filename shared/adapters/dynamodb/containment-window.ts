import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { ContainmentWindow } from '../../ports/containment-window.ts';
import { STATE_TTL_ATTRIBUTE } from './state-table-definition.ts';

/**
 * The blast-radius window shared by every responder instance. Each incident writes a marker
 * (so a redelivery counts once and keeps its first time) and a time-ordered entry; the count is
 * one Query over the tenant's entries in the window.
 */
export class DynamoDbContainmentWindow implements ContainmentWindow {
  readonly #client: DynamoDBClient;
  readonly #tableName: string;
  readonly #retentionSeconds: number;

  constructor(
    client: DynamoDBClient,
    tableName: string,
    options: { retentionSeconds?: number } = {},
  ) {
    this.#client = client;
    this.#tableName = tableName;
    this.#retentionSeconds = options.retentionSeconds ?? 7 * 24 * 3600;
  }

  async recordAndCount(
    tenantId: string,
    incidentId: string,
    at: Date,
    windowSeconds: number,
  ): Promise<number> {
    const pk = `WINDOW#${tenantId}`;
    const recordedAt = (await this.#record(pk, incidentId, at)) ?? at.toISOString();
    const from = new Date(Date.parse(recordedAt) - windowSeconds * 1000).toISOString();
    let count = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: {
            ':pk': { S: pk },
            // Exclusive lower bound: `~` sorts after every incident id character.
            ':from': { S: `AT#${from}#~` },
            ':to': { S: `AT#${recordedAt}#~` },
          },
          Select: 'COUNT',
          ExclusiveStartKey: startKey,
        }),
      );
      count += page.Count ?? 0;
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return count;
  }

  /** Writes the marker and entry once; returns the first recorded time when already there. */
  async #record(pk: string, incidentId: string, at: Date): Promise<string | undefined> {
    const iso = at.toISOString();
    const expiration = { N: String(Math.floor(at.getTime() / 1000) + this.#retentionSeconds) };
    try {
      await this.#client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.#tableName,
                Item: {
                  pk: { S: pk },
                  sk: { S: `INC#${incidentId}` },
                  at: { S: iso },
                  [STATE_TTL_ATTRIBUTE]: expiration,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.#tableName,
                Item: {
                  pk: { S: pk },
                  sk: { S: `AT#${iso}#${incidentId}` },
                  [STATE_TTL_ATTRIBUTE]: expiration,
                },
              },
            },
          ],
        }),
      );
      return undefined;
    } catch (error) {
      const conflict =
        error instanceof ConditionalCheckFailedException ||
        (error instanceof TransactionCanceledException &&
          error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed'));
      if (!conflict) throw error;
      const marker = await this.#client.send(
        new GetItemCommand({
          TableName: this.#tableName,
          Key: { pk: { S: pk }, sk: { S: `INC#${incidentId}` } },
          ConsistentRead: true,
        }),
      );
      return marker.Item?.at?.S ?? iso;
    }
  }
}
