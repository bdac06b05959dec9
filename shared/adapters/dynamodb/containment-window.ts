import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ContainmentWindow } from '../../ports/containment-window.ts';
import { STATE_TTL_ATTRIBUTE } from './state-table-definition.ts';

/**
 * The blast-radius window shared by every responder instance.
 *
 * Each incident takes the tenant's next position from an atomic counter, so incidents arriving
 * at once never share a count (counting the entries written so far would let a concurrent burst
 * past the limit: each would miss the others still in flight). The count is this incident's
 * position minus the last position before the window: the latest entry older than the window,
 * or the position the current burst started from when the tenant was quiet for a whole window.
 * A marker per incident makes a redelivery count once and answer as the first delivery did.
 */

interface Position {
  seq: number;
  /** The last position before the burst this incident belongs to. */
  base: number;
}

const COUNTER_SK = 'POSITION';
const MAX_COUNTER_ATTEMPTS = 8;

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
    const iso = at.toISOString();
    const [claimed, position] = await Promise.all([
      this.#claim(pk, incidentId, at),
      this.#nextPosition(pk, iso, windowFrom(iso, windowSeconds)),
    ]);
    if (!claimed) {
      const first = await this.#marker(pk, incidentId);
      if (first) {
        // A redelivery: hand the position back (unless another incident took one since).
        await this.#giveBack(pk, position.seq);
        return this.#count(pk, first.position, windowFrom(first.at, windowSeconds));
      }
      // The first delivery has not recorded its position (still running, or it crashed): this
      // one records its own, unless the first does so meanwhile.
    }
    const [recorded, count] = await Promise.all([
      this.#recordPosition(pk, incidentId, iso, position),
      this.#count(pk, position, windowFrom(iso, windowSeconds)),
    ]);
    if (recorded) return count;
    const first = await this.#marker(pk, incidentId);
    if (!first) throw new Error(`blast-radius marker of ${incidentId} vanished`);
    await this.#giveBack(pk, position.seq);
    return this.#count(pk, first.position, windowFrom(first.at, windowSeconds));
  }

  /** Writes the incident's marker once; false when it was already there (a redelivery). */
  async #claim(pk: string, incidentId: string, at: Date): Promise<boolean> {
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#tableName,
          Item: {
            pk: { S: pk },
            sk: { S: `INC#${incidentId}` },
            at: { S: at.toISOString() },
            [STATE_TTL_ATTRIBUTE]: this.#expiration(at.toISOString()),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The first delivery's time and position, once it recorded them. */
  async #marker(
    pk: string,
    incidentId: string,
  ): Promise<{ at: string; position: Position } | undefined> {
    const marker = await this.#client.send(
      new GetItemCommand({
        TableName: this.#tableName,
        Key: { pk: { S: pk }, sk: { S: `INC#${incidentId}` } },
        ConsistentRead: true,
      }),
    );
    const item = marker.Item;
    if (item?.at?.S === undefined || item.seq?.N === undefined) return undefined;
    return {
      at: item.at.S,
      position: { seq: Number(item.seq.N), base: Number(item.base?.N ?? 0) },
    };
  }

  /**
   * The tenant's next position. While the tenant is active (an incident within the window), one
   * atomic increment; after a quiet window, the increment also starts a new burst from here.
   */
  async #nextPosition(pk: string, iso: string, from: string): Promise<Position> {
    const key = { pk: { S: pk }, sk: { S: COUNTER_SK } };
    const names = { '#seq': 'seq', '#base': 'base', '#last': 'lastAt' };
    for (let attempt = 1; ; attempt++) {
      try {
        const active = await this.#client.send(
          new UpdateItemCommand({
            TableName: this.#tableName,
            Key: key,
            UpdateExpression: 'ADD #seq :one SET #last = :at',
            ConditionExpression: '#last > :from',
            ExpressionAttributeNames: { '#seq': 'seq', '#last': 'lastAt' },
            ExpressionAttributeValues: {
              ':one': { N: '1' },
              ':at': { S: iso },
              ':from': { S: from },
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return positionOf(active.Attributes);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      try {
        const fresh = await this.#client.send(
          new UpdateItemCommand({
            TableName: this.#tableName,
            Key: key,
            UpdateExpression:
              'SET #base = if_not_exists(#seq, :zero), #seq = if_not_exists(#seq, :zero) + :one, #last = :at',
            ConditionExpression: 'attribute_not_exists(#last) OR #last <= :from',
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: {
              ':zero': { N: '0' },
              ':one': { N: '1' },
              ':at': { S: iso },
              ':from': { S: from },
            },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return positionOf(fresh.Attributes);
      } catch (error) {
        // Another incident started the burst between the two: join it.
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_COUNTER_ATTEMPTS)
          throw error;
      }
    }
  }

  /** Undoes a position taken by a redelivery, when it is still the last one handed out. */
  async #giveBack(pk: string, seq: number): Promise<void> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#tableName,
          Key: { pk: { S: pk }, sk: { S: COUNTER_SK } },
          UpdateExpression: 'SET #seq = :previous',
          ConditionExpression: '#seq = :mine',
          ExpressionAttributeNames: { '#seq': 'seq' },
          ExpressionAttributeValues: {
            ':previous': { N: String(seq - 1) },
            ':mine': { N: String(seq) },
          },
        }),
      );
    } catch (error) {
      // Taken since: the gap stays, and only makes later counts err on the side of approval.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** The time-ordered entry (what later windows count from) and the marker's position, at once. */
  async #recordPosition(
    pk: string,
    incidentId: string,
    iso: string,
    position: Position,
  ): Promise<boolean> {
    const expiration = this.#expiration(iso);
    try {
      await this.#client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.#tableName,
                Key: { pk: { S: pk }, sk: { S: `INC#${incidentId}` } },
                UpdateExpression: 'SET #seq = :seq, #base = :base',
                ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#seq)',
                ExpressionAttributeNames: { '#seq': 'seq', '#base': 'base' },
                ExpressionAttributeValues: {
                  ':seq': { N: String(position.seq) },
                  ':base': { N: String(position.base) },
                },
              },
            },
            {
              Put: {
                TableName: this.#tableName,
                Item: {
                  pk: { S: pk },
                  sk: { S: `AT#${iso}#${incidentId}` },
                  seq: { N: String(position.seq) },
                  [STATE_TTL_ATTRIBUTE]: expiration,
                },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      const conflict =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.some((reason) => reason.Code === 'ConditionalCheckFailed');
      if (!conflict) throw error;
      return false;
    }
  }

  /** Position minus the last position before the window (or before the burst, if later). */
  async #count(pk: string, position: Position, from: string): Promise<number> {
    const before = await this.#client.send(
      new QueryCommand({
        TableName: this.#tableName,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :first AND :from',
        ExpressionAttributeValues: {
          ':pk': { S: pk },
          ':first': { S: 'AT#' },
          // `~` sorts after every incident id character: entries at `from` itself are before.
          ':from': { S: `AT#${from}#~` },
        },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const last = Number(before.Items?.[0]?.seq?.N ?? 0);
    return position.seq - Math.max(position.base, last);
  }

  #expiration(iso: string): AttributeValue {
    return { N: String(Math.floor(Date.parse(iso) / 1000) + this.#retentionSeconds) };
  }
}

function windowFrom(iso: string, windowSeconds: number): string {
  return new Date(Date.parse(iso) - windowSeconds * 1000).toISOString();
}

function positionOf(attributes: Record<string, AttributeValue> | undefined): Position {
  return { seq: Number(attributes?.seq?.N ?? 0), base: Number(attributes?.base?.N ?? 0) };
}
