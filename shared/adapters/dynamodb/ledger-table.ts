import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { LedgerUnavailableError } from '../../domain/ledger/errors.ts';
import type { Item } from './ledger-items.ts';

const THROTTLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);
const THROTTLE_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

/**
 * The ledger table's calls: queries, paging through every item, conditional transactions, all
 * retried while DynamoDB throttles. Shared by appending, reading and checkpointing.
 */
export class LedgerTable {
  readonly name: string;
  readonly sleep: (ms: number) => Promise<void>;
  readonly #client: DynamoDBClient;
  readonly #random: () => number;
  readonly #maxThrottleAttempts: number;

  constructor(options: {
    client: DynamoDBClient;
    tableName: string;
    sleep: (ms: number) => Promise<void>;
    random: () => number;
    maxThrottleAttempts: number;
  }) {
    this.#client = options.client;
    this.name = options.tableName;
    this.sleep = options.sleep;
    this.#random = options.random;
    this.#maxThrottleAttempts = options.maxThrottleAttempts;
  }

  async query(input: QueryCommandInput): Promise<QueryCommandOutput> {
    return this.#withThrottleRetry(() => this.#client.send(new QueryCommand(input)));
  }

  async *allItems(input: QueryCommandInput): AsyncGenerator<Item> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.query({ ...input, ExclusiveStartKey: startKey });
      yield* out.Items ?? [];
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  /** All or nothing; a cancelled transaction throws TransactionCanceledException with reasons. */
  async transact(items: TransactWriteItem[]): Promise<void> {
    await this.#withThrottleRetry(() =>
      this.#client.send(new TransactWriteItemsCommand({ TransactItems: items })),
    );
  }

  /** A put that fails its condition when the key is taken: the ledger never overwrites. */
  putIfAbsent(item: Item): TransactWriteItem {
    return {
      Put: {
        TableName: this.name,
        Item: item,
        ConditionExpression: 'attribute_not_exists(#pk)',
        ExpressionAttributeNames: { '#pk': 'pk' },
      },
    };
  }

  /** Full-jitter exponential backoff, capped at one second. */
  backoff(attempt: number): number {
    return Math.round(this.#random() * Math.min(1000, 10 * 2 ** attempt));
  }

  /**
   * Retries throttling with backoff, bounded; then surfaces it as LedgerUnavailableError. (The
   * SDK retries too; a mocked client or a throttled transaction, whose cancellation reasons say
   * ThrottlingError, reach this layer.)
   */
  async #withThrottleRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isThrottling(error)) throw error;
        if (attempt >= this.#maxThrottleAttempts) {
          throw new LedgerUnavailableError(
            `the ledger table is throttling requests (${errorName(error)}); gave up after ${attempt} attempts`,
            { cause: error },
          );
        }
        await this.sleep(this.backoff(attempt));
      }
    }
  }
}

export function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

export function cancellationReasons(error: unknown): Array<string | undefined> {
  const reasons = (error as { CancellationReasons?: Array<{ Code?: string }> }).CancellationReasons;
  return (reasons ?? []).map((r) => r.Code);
}

function isThrottling(error: unknown): boolean {
  const name = errorName(error);
  if (name !== undefined && THROTTLE_ERRORS.has(name)) return true;
  if (name !== 'TransactionCanceledException') return false;
  const codes = cancellationReasons(error);
  // Throttled transactions are retried as a whole; a condition failure is not throttling.
  return (
    codes.some((c) => c !== undefined && THROTTLE_REASONS.has(c)) &&
    codes.every((c) => c === undefined || c === 'None' || THROTTLE_REASONS.has(c))
  );
}
