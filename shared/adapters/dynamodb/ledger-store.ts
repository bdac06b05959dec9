import {
  type AttributeValue,
  type DynamoDBClient,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { OWNER_ROLES } from '../../domain/accountability.ts';
import { InvalidInputError } from '../../domain/errors.ts';
import { canonicalJson, NotCanonicalJsonError } from '../../domain/ledger/canonical-json.ts';
import { type ChainHead, chainEntries, GENESIS_HASH } from '../../domain/ledger/chain.ts';
import {
  buildCheckpoint,
  type CheckpointResult,
  type IncidentHead,
  type LedgerCheckpoint,
} from '../../domain/ledger/checkpoint.ts';
import {
  LedgerConflictError,
  LedgerCorruptError,
  LedgerUnavailableError,
} from '../../domain/ledger/errors.ts';
import { type LedgerQuery, parseLedgerQuery } from '../../domain/ledger/query.ts';
import {
  LEDGER_RECORD_KINDS,
  type LedgerEntry,
  type LedgerRecord,
} from '../../domain/ledger/record.ts';
import type { StepMarker, StoredCheckpoint, StoredRecord } from '../../domain/ledger/verify.ts';
import { toFieldIssues } from '../../domain/validation.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { AppendResult, LedgerPage, LedgerReader, LedgerWriter } from '../../ports/ledger.ts';
import {
  CHECKPOINT_PK,
  CHECKPOINT_PREFIX,
  checkpointItem,
  decodeCheckpoint,
  decodeRecord,
  decodeStepMarker,
  type Item,
  incidentPk,
  RECORD_PREFIX,
  readString,
  recordItem,
  S,
  STEP_PREFIX,
  stepMarkerItem,
} from './ledger-items.ts';
import {
  decodePageToken,
  encodePageToken,
  monthsBetween,
  planQuery,
  type QueryPlan,
  queryInput,
} from './ledger-query-plan.ts';
import { INCIDENT_SHARDS, LEDGER_INDEX } from './ledger-table-definition.ts';

export interface DynamoDbLedgerStoreOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: Clock;
  /** Waits between retries; tests pass one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Attempts per append batch when other writers win the race for the next position. */
  maxConflictAttempts?: number;
  /** Attempts per call while DynamoDB throttles. */
  maxThrottleAttempts?: number;
}

const THROTTLE_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
]);
const THROTTLE_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded']);

// 25 records + 25 markers = 50 of the 100 actions a transaction allows, and under its 4 MB.
const MAX_ENTRIES_PER_TRANSACTION = 25;
const MAX_TRANSACTION_BYTES = 3_000_000;
const MAX_DATA_BYTES = 300_000;
const HEADS_PER_CHECKPOINT = 1000;
const MAX_CHECKPOINTS_PER_RUN = 25;
const READ_CONCURRENCY = 8;

const keyValue = z.string().check(z.minLength(1), z.maxLength(512));
const entrySchema = z.strictObject({
  kind: z.enum(LEDGER_RECORD_KINDS),
  // The step marker's sort key is `STEP#<stepKey>`, and sort keys are limited to 1024 bytes.
  stepKey: z.string().check(z.minLength(1), z.maxLength(200)),
  subjectId: z.optional(keyValue),
  ownerRole: z.optional(z.enum(OWNER_ROLES)),
  ownerTeam: z.optional(keyValue),
  controlId: z.optional(keyValue),
  ticketId: z.optional(keyValue),
  status: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  data: z.record(z.string(), z.unknown()),
});
const appendSchema = z.object({
  incidentId: z.string().check(z.minLength(1), z.maxLength(200)),
  entries: z.array(entrySchema),
});

/**
 * The accountability ledger on DynamoDB: append-only hash chains per incident, idempotent on
 * `stepKey`, queried only with `Query`. It never updates or deletes an item.
 */
export class DynamoDbLedgerStore implements LedgerWriter, LedgerReader {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #maxConflictAttempts: number;
  readonly #maxThrottleAttempts: number;

  constructor(options: DynamoDbLedgerStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#clock = options.clock ?? systemClock;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = options.random ?? Math.random;
    this.#maxConflictAttempts = options.maxConflictAttempts ?? 30;
    this.#maxThrottleAttempts = options.maxThrottleAttempts ?? 6;
  }

  // ---------------------------------------------------------------- writing

  /**
   * Appends in order. Up to 25 entries land atomically in one transaction; a longer list takes
   * several, and if a later one fails, calling again with the same entries completes the append
   * without duplicating what was written (the step markers see to that).
   */
  async append(incidentId: string, entries: readonly LedgerEntry[]): Promise<AppendResult> {
    validateAppend(incidentId, entries);
    const pending: LedgerEntry[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    for (const entry of entries) {
      if (seen.has(entry.stepKey)) duplicates += 1;
      else {
        seen.add(entry.stepKey);
        pending.push(entry);
      }
    }
    const appended: LedgerRecord[] = [];
    let head = await this.head(incidentId);
    let conflicts = 0;
    while (pending.length > 0) {
      const batch = takeBatch(pending);
      const records = chainEntries({
        incidentId,
        head,
        entries: batch,
        recordedAt: this.#clock.now().toISOString(),
      });
      const outcome = await this.#writeRecords(records);
      if (outcome.ok) {
        appended.push(...records);
        pending.splice(0, batch.length);
        const last = records[records.length - 1] as LedgerRecord;
        head = { seq: last.seq, hash: last.hash };
        continue;
      }
      // Steps already recorded (redelivery): drop them; they are not written twice.
      const recorded = new Set(outcome.recordedSteps);
      for (let i = pending.length - 1; i >= 0; i--) {
        if (recorded.has((pending[i] as LedgerEntry).stepKey)) {
          pending.splice(i, 1);
          duplicates += 1;
        }
      }
      if (outcome.positionTaken) {
        conflicts += 1;
        if (conflicts >= this.#maxConflictAttempts) {
          throw new LedgerConflictError(
            `gave up appending to incident ${incidentId} after ${conflicts} attempts: other writers kept taking the next position`,
          );
        }
        await this.#sleep(this.#backoff(conflicts));
      }
      head = await this.head(incidentId);
    }
    return {
      appended,
      duplicates,
      records: head?.seq ?? 0,
      head: head?.hash ?? GENESIS_HASH,
    };
  }

  /** One transaction: each record on a fresh position, each step marker on a fresh step. */
  async #writeRecords(
    records: readonly LedgerRecord[],
  ): Promise<{ ok: true } | { ok: false; recordedSteps: string[]; positionTaken: boolean }> {
    const items: TransactWriteItem[] = records.flatMap((record) => [
      { Put: this.#putIfAbsent(recordItem(record)) },
      { Put: this.#putIfAbsent(stepMarkerItem(record)) },
    ]);
    try {
      await this.#withThrottleRetry(() =>
        this.#client.send(new TransactWriteItemsCommand({ TransactItems: items })),
      );
      return { ok: true };
    } catch (error) {
      if (errorName(error) !== 'TransactionCanceledException') throw error;
      const reasons = cancellationReasons(error);
      const recordedSteps: string[] = [];
      let positionTaken = false;
      records.forEach((record, i) => {
        const positionCode = reasons[2 * i];
        const stepCode = reasons[2 * i + 1];
        if (stepCode === 'ConditionalCheckFailed') recordedSteps.push(record.stepKey);
        if (positionCode === 'ConditionalCheckFailed' || positionCode === 'TransactionConflict') {
          positionTaken = true;
        }
        if (stepCode === 'TransactionConflict') positionTaken = true;
      });
      if (recordedSteps.length === 0 && !positionTaken) {
        // No reason we can act on (e.g. a validation error): surface it.
        throw error;
      }
      return { ok: false, recordedSteps, positionTaken };
    }
  }

  #putIfAbsent(item: Item) {
    return {
      TableName: this.#table,
      Item: item,
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    };
  }

  /** The last record of an incident chain, read consistently; undefined for a new incident. */
  async head(incidentId: string): Promise<ChainHead | undefined> {
    const out = await this.#query({
      TableName: this.#table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk', '#hash': 'hash' },
      ExpressionAttributeValues: { ':pk': S(incidentPk(incidentId)), ':prefix': S(RECORD_PREFIX) },
      ProjectionExpression: '#sk, #hash',
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
    const item = out.Items?.[0];
    if (!item) return undefined;
    return headOf(item, RECORD_PREFIX, `incident ${incidentId}`);
  }

  // ---------------------------------------------------------------- checkpoints

  /**
   * Attests the heads of every incident chain that changed since the last checkpoint, up to
   * `now - settleMs` (the month index is eventually consistent; the margin lets it catch up).
   * Run periodically; a run with nothing new writes nothing.
   */
  async writeCheckpoint(
    options: {
      settleMs?: number;
      /**
       * Incidents known to have changed since the last checkpoint (local mode: the ones just
       * handled). Attested even when a record was stamped before the last cutoff but committed
       * after it, which a short `settleMs` cannot rule out.
       */
      incidents?: readonly string[];
    } = {},
  ): Promise<CheckpointResult> {
    for (let attempt = 1; ; attempt++) {
      const cutoff = new Date(
        this.#clock.now().getTime() - (options.settleMs ?? 60_000),
      ).toISOString();
      const last = await this.#lastCheckpoint();
      if (last && cutoff <= last.cutoff) return { written: [], cutoff: last.cutoff };
      const incidentIds = last
        ? [
            ...new Set([
              ...(await this.#incidentsTouched(last.cutoff, cutoff)),
              ...(options.incidents ?? []),
            ]),
          ].sort()
        : await collect(this.incidentIds());
      if (incidentIds.length === 0) return { written: [], cutoff: last?.cutoff ?? cutoff };
      const heads = await this.#headsOf(incidentIds);
      const checkpoints = chunkCheckpoints(last, heads, cutoff, this.#clock.now().toISOString());
      try {
        await this.#withThrottleRetry(() =>
          this.#client.send(
            new TransactWriteItemsCommand({
              TransactItems: checkpoints.map((c) => ({
                Put: this.#putIfAbsent(checkpointItem(c)),
              })),
            }),
          ),
        );
        return { written: checkpoints, cutoff };
      } catch (error) {
        // Another checkpointer got there first: start again from its checkpoint.
        if (errorName(error) !== 'TransactionCanceledException' || attempt >= 5) throw error;
        await this.#sleep(this.#backoff(attempt));
      }
    }
  }

  async #lastCheckpoint(): Promise<(ChainHead & { cutoff: string }) | undefined> {
    const out = await this.#query({
      TableName: this.#table,
      KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':pk': S(CHECKPOINT_PK), ':prefix': S(CHECKPOINT_PREFIX) },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
    });
    const item = out.Items?.[0];
    if (!item) return undefined;
    const head = headOf(item, CHECKPOINT_PREFIX, 'the checkpoint chain');
    const cutoff = readString(item, 'cutoff');
    if (cutoff === undefined) {
      throw new LedgerCorruptError(
        `the last checkpoint has no cutoff: run "responder ledger verify"`,
      );
    }
    return { ...head, cutoff };
  }

  /** Incidents with a record stamped in [since, cutoff), from the month index. */
  async #incidentsTouched(since: string, cutoff: string): Promise<string[]> {
    const ids = new Set<string>();
    for (const month of monthsBetween(since, cutoff)) {
      const input: QueryCommandInput = {
        TableName: this.#table,
        IndexName: LEDGER_INDEX.byMonth,
        KeyConditionExpression: '#month = :month AND #at BETWEEN :since AND :cutoff',
        ExpressionAttributeNames: { '#month': 'month', '#at': 'at', '#incident': 'incidentId' },
        ExpressionAttributeValues: { ':month': S(month), ':since': S(since), ':cutoff': S(cutoff) },
        ProjectionExpression: '#incident',
      };
      for await (const item of this.#allItems(input)) {
        const id = readString(item, 'incidentId');
        if (id !== undefined) ids.add(id);
      }
    }
    return [...ids].sort();
  }

  async #headsOf(incidentIds: readonly string[]): Promise<IncidentHead[]> {
    const heads: IncidentHead[] = [];
    for (let i = 0; i < incidentIds.length; i += READ_CONCURRENCY) {
      const batch = incidentIds.slice(i, i + READ_CONCURRENCY);
      const read = await Promise.all(batch.map((incidentId) => this.head(incidentId)));
      read.forEach((head, j) => {
        if (head) heads.push({ incidentId: batch[j] as string, ...head });
      });
    }
    return heads;
  }

  // ---------------------------------------------------------------- reading for verification

  /** Every incident that has a first record, from the sharded `incidents` index. */
  async *incidentIds(): AsyncGenerator<string> {
    for (let shard = 0; shard < INCIDENT_SHARDS; shard++) {
      const input: QueryCommandInput = {
        TableName: this.#table,
        IndexName: LEDGER_INDEX.incidents,
        KeyConditionExpression: '#shard = :shard',
        ExpressionAttributeNames: { '#shard': 'incidentShard' },
        ExpressionAttributeValues: { ':shard': S(`S${String(shard).padStart(2, '0')}`) },
      };
      for await (const item of this.#allItems(input)) {
        const pk = readString(item, 'pk');
        if (pk?.startsWith('INC#')) yield pk.slice('INC#'.length);
      }
    }
  }

  /** The whole checkpoint chain, in order, as stored. */
  async checkpoints(): Promise<StoredCheckpoint[]> {
    const items = await collect(
      this.#allItems({
        TableName: this.#table,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': 'pk' },
        ExpressionAttributeValues: { ':pk': S(CHECKPOINT_PK) },
        ConsistentRead: true,
      }),
    );
    return items.map(decodeCheckpoint);
  }

  /** Every item of one incident partition, as stored: records (in key order) and step markers. */
  async incidentChain(
    incidentId: string,
  ): Promise<{ records: StoredRecord[]; markers: StepMarker[] }> {
    const records: StoredRecord[] = [];
    const markers: StepMarker[] = [];
    const input: QueryCommandInput = {
      TableName: this.#table,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': S(incidentPk(incidentId)) },
      ConsistentRead: true,
    };
    for await (const item of this.#allItems(input)) {
      if (readString(item, 'sk')?.startsWith(STEP_PREFIX)) markers.push(decodeStepMarker(item));
      else records.push(decodeRecord(item));
    }
    return { records, markers };
  }

  // ---------------------------------------------------------------- queries

  async query(query: LedgerQuery, pageToken?: string): Promise<LedgerPage> {
    const parsed = parseLedgerQuery(query);
    if (!parsed.ok) throw parsed.error;
    return this.#page(planQuery(parsed.value, this.#clock.now()), parsed.value.limit, pageToken);
  }

  /** Failed findings stamped in [since, until), from the sparse failures index. */
  async failedFindings(
    range: { since: string; until: string; limit?: number },
    pageToken?: string,
  ): Promise<LedgerPage> {
    const plan: QueryPlan = {
      indexName: LEDGER_INDEX.failuresByMonth,
      partitionAttribute: 'failedMonth',
      partitions: monthsBetween(range.since, range.until),
      range: { since: range.since, until: range.until },
      filters: [],
    };
    return this.#page(plan, range.limit, pageToken);
  }

  /** One Query call per page; the token says which partition to resume and where. */
  async #page(plan: QueryPlan, limit: number | undefined, pageToken?: string): Promise<LedgerPage> {
    const cursor =
      pageToken === undefined
        ? { partition: plan.partitions[0] }
        : decodePageToken(pageToken, plan);
    if (cursor.partition === undefined) return { records: [] };
    const out = await this.#query(
      queryInput(this.#table, plan, cursor.partition, {
        limit,
        startKey: 'startKey' in cursor ? cursor.startKey : undefined,
      }),
    );
    const records = (out.Items ?? []).map(readableRecord);
    const nextPartition = plan.partitions[plan.partitions.indexOf(cursor.partition) + 1];
    const next = out.LastEvaluatedKey
      ? encodePageToken({ partition: cursor.partition, startKey: out.LastEvaluatedKey })
      : nextPartition !== undefined
        ? encodePageToken({ partition: nextPartition })
        : undefined;
    return next === undefined ? { records } : { records, nextPageToken: next };
  }

  // ---------------------------------------------------------------- plumbing

  async #query(input: QueryCommandInput): Promise<QueryCommandOutput> {
    return this.#withThrottleRetry(() => this.#client.send(new QueryCommand(input)));
  }

  async *#allItems(input: QueryCommandInput): AsyncGenerator<Item> {
    let startKey: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.#query({ ...input, ExclusiveStartKey: startKey });
      yield* out.Items ?? [];
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  /**
   * Retries throttling with full-jitter exponential backoff, bounded; then surfaces it as
   * LedgerUnavailableError. (The SDK retries too; a mocked client or a throttled transaction,
   * whose cancellation reasons say ThrottlingError, reach this layer.)
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
        await this.#sleep(this.#backoff(attempt));
      }
    }
  }

  #backoff(attempt: number): number {
    return Math.round(this.#random() * Math.min(1000, 10 * 2 ** attempt));
  }
}

function validateAppend(incidentId: string, entries: readonly LedgerEntry[]): void {
  const parsed = appendSchema.safeParse({ incidentId, entries });
  if (!parsed.success) {
    throw new InvalidInputError('ledger entries', toFieldIssues(parsed.error), {
      cause: parsed.error,
    });
  }
  entries.forEach((entry, i) => {
    let text: string;
    try {
      text = canonicalJson(entry.data);
    } catch (error) {
      if (!(error instanceof NotCanonicalJsonError)) throw error;
      const path = `entries[${i}].data${error.path.slice(1)}`;
      throw new InvalidInputError('ledger entries', [{ path, message: error.message }], {
        cause: error,
      });
    }
    if (Buffer.byteLength(text, 'utf8') > MAX_DATA_BYTES) {
      throw new InvalidInputError('ledger entries', [
        { path: `entries[${i}].data`, message: `larger than ${MAX_DATA_BYTES} bytes` },
      ]);
    }
  });
}

/** The next entries that fit one transaction (count and aggregate size). */
function takeBatch(pending: readonly LedgerEntry[]): LedgerEntry[] {
  const batch: LedgerEntry[] = [];
  let bytes = 0;
  for (const entry of pending) {
    const size = Buffer.byteLength(canonicalJson(entry.data), 'utf8') + 2048;
    if (
      batch.length > 0 &&
      (batch.length >= MAX_ENTRIES_PER_TRANSACTION || bytes + size > MAX_TRANSACTION_BYTES)
    )
      break;
    batch.push(entry);
    bytes += size;
  }
  return batch;
}

function chunkCheckpoints(
  last: ChainHead | undefined,
  heads: readonly IncidentHead[],
  cutoff: string,
  recordedAt: string,
): LedgerCheckpoint[] {
  const chunks = Math.ceil(heads.length / HEADS_PER_CHECKPOINT);
  if (chunks > MAX_CHECKPOINTS_PER_RUN) {
    throw new Error(
      `${heads.length} incident heads changed since the last checkpoint; at most ${HEADS_PER_CHECKPOINT * MAX_CHECKPOINTS_PER_RUN} fit one run: run checkpoints more often`,
    );
  }
  const checkpoints: LedgerCheckpoint[] = [];
  let previous = last;
  for (let i = 0; i < chunks; i++) {
    const checkpoint = buildCheckpoint({
      previous,
      heads: heads.slice(i * HEADS_PER_CHECKPOINT, (i + 1) * HEADS_PER_CHECKPOINT),
      cutoff,
      recordedAt,
    });
    checkpoints.push(checkpoint);
    previous = { seq: checkpoint.seq, hash: checkpoint.hash };
  }
  return checkpoints;
}

function headOf(item: Item, prefix: string, what: string): ChainHead {
  const sk = readString(item, 'sk') ?? '';
  const digits = sk.slice(prefix.length);
  const hash = readString(item, 'hash');
  if (!/^\d{10}$/.test(digits) || hash === undefined) {
    throw new LedgerCorruptError(
      `the last item of ${what} (${sk}) is not a valid record: run "responder ledger verify"`,
    );
  }
  return { seq: Number(digits), hash };
}

function readableRecord(item: Item): LedgerRecord {
  const stored = decodeRecord(item);
  if (!stored.record) {
    throw new LedgerCorruptError(
      `ledger item ${readString(item, 'pk')} ${stored.key} cannot be read (${stored.problem}): run "responder ledger verify"`,
    );
  }
  return stored.record;
}

function errorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

function cancellationReasons(error: unknown): Array<string | undefined> {
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

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const value of iterable) all.push(value);
  return all;
}
