import {
  type AttributeValue,
  BatchWriteItemCommand,
  type BatchWriteItemCommandOutput,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import type { Stream } from '../../domain/ssf/stream.ts';
import type { QueuedSet, StreamStore } from '../../ports/ssf.ts';

/**
 * Streams and their queues in the state table:
 * - stream documents: pk `SSF#STREAMS`, sk `<streamId>` (few streams: one Query lists them)
 * - poll queue: pk `SSF#POLL#<streamId>`, sk `<enqueued iso>#<jti>`
 * - held while paused: pk `SSF#HELD#<streamId>`, sk `<held iso>#<jti>`
 */
export class DynamoDbStreamStore implements StreamStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #now: () => Date;

  constructor(client: DynamoDBClient, tableName: string, now: () => Date = () => new Date()) {
    this.#client = client;
    this.#table = tableName;
    this.#now = now;
  }

  async list(): Promise<Stream[]> {
    const items = await this.#query('SSF#STREAMS', 1000);
    return items.map((item) => JSON.parse(item.doc?.S ?? '{}') as Stream);
  }

  async get(streamId: string): Promise<Stream | undefined> {
    const answer = await this.#client.send(
      new GetItemCommand({
        TableName: this.#table,
        Key: { pk: { S: 'SSF#STREAMS' }, sk: { S: streamId } },
        ConsistentRead: true,
      }),
    );
    return answer.Item?.doc?.S ? (JSON.parse(answer.Item.doc.S) as Stream) : undefined;
  }

  async put(stream: Stream): Promise<void> {
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          pk: { S: 'SSF#STREAMS' },
          sk: { S: stream.stream_id },
          doc: { S: JSON.stringify(stream) },
        },
      }),
    );
  }

  async delete(streamId: string): Promise<void> {
    await this.#client.send(
      new DeleteItemCommand({
        TableName: this.#table,
        Key: { pk: { S: 'SSF#STREAMS' }, sk: { S: streamId } },
      }),
    );
    for (const pk of [`SSF#POLL#${streamId}`, `SSF#HELD#${streamId}`]) {
      const items = await this.#query(pk, 10_000);
      await this.#deleteAll(
        pk,
        items.map((item) => item.sk?.S ?? ''),
      );
    }
  }

  enqueue(streamId: string, set: QueuedSet): Promise<void> {
    return this.#add(`SSF#POLL#${streamId}`, set);
  }

  async available(streamId: string, max: number): Promise<QueuedSet[]> {
    const items = await this.#query(`SSF#POLL#${streamId}`, max);
    return items.map((item) => JSON.parse(item.doc?.S ?? '{}') as QueuedSet);
  }

  async acknowledge(streamId: string, jtis: readonly string[]): Promise<void> {
    if (jtis.length === 0) return;
    const pk = `SSF#POLL#${streamId}`;
    const items = await this.#query(pk, 10_000);
    const acked = items.filter((item) => jtis.includes(item.jti?.S ?? ''));
    await this.#deleteAll(
      pk,
      acked.map((item) => item.sk?.S ?? ''),
    );
  }

  hold(streamId: string, set: QueuedSet): Promise<void> {
    return this.#add(`SSF#HELD#${streamId}`, set);
  }

  async takeHeld(streamId: string): Promise<QueuedSet[]> {
    const pk = `SSF#HELD#${streamId}`;
    const items = await this.#query(pk, 10_000);
    await this.#deleteAll(
      pk,
      items.map((item) => item.sk?.S ?? ''),
    );
    return items.map((item) => JSON.parse(item.doc?.S ?? '{}') as QueuedSet);
  }

  async #add(pk: string, set: QueuedSet): Promise<void> {
    const existing = await this.#query(pk, 10_000);
    if (existing.some((item) => item.jti?.S === set.jti)) return; // the same SET once
    await this.#client.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: {
          pk: { S: pk },
          sk: { S: `${this.#now().toISOString()}#${set.jti}` },
          jti: { S: set.jti },
          doc: { S: JSON.stringify(set) },
        },
      }),
    );
  }

  async #query(pk: string, max: number): Promise<Record<string, { S?: string }>[]> {
    const out: Record<string, { S?: string }>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ConsistentRead: true,
          Limit: Math.min(max - out.length, 1000),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      out.push(...((page.Items ?? []) as Record<string, { S?: string }>[]));
      start = page.LastEvaluatedKey;
    } while (start && out.length < max);
    return out;
  }

  async #deleteAll(pk: string, sortKeys: readonly string[]): Promise<void> {
    for (let i = 0; i < sortKeys.length; i += 25) {
      let requests: BatchWriteItemCommand['input']['RequestItems'] = {
        [this.#table]: sortKeys.slice(i, i + 25).map((sk) => ({
          DeleteRequest: { Key: { pk: { S: pk }, sk: { S: sk } } },
        })),
      };
      // Unprocessed deletes are retried until none remain (bounded by the item count).
      for (let round = 0; requests && Object.keys(requests).length > 0 && round < 10; round++) {
        const answer: BatchWriteItemCommandOutput = await this.#client.send(
          new BatchWriteItemCommand({ RequestItems: requests }),
        );
        requests = answer.UnprocessedItems;
      }
    }
  }
}
