import type { QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { ChainHead } from '../../domain/ledger/chain.ts';
import { LedgerCorruptError } from '../../domain/ledger/errors.ts';
import type { LedgerRecord } from '../../domain/ledger/record.ts';
import type { StepMarker, StoredCheckpoint, StoredRecord } from '../../domain/ledger/verify.ts';
import type { LedgerPage } from '../../ports/ledger.ts';
import {
  CHECKPOINT_PK,
  decodeCheckpoint,
  decodeRecord,
  decodeStepMarker,
  type Item,
  incidentPk,
  RECORD_PREFIX,
  readString,
  S,
  STEP_PREFIX,
} from './ledger-items.ts';
import {
  decodePageToken,
  encodePageToken,
  type QueryPlan,
  queryInput,
} from './ledger-query-plan.ts';
import type { LedgerTable } from './ledger-table.ts';
import { INCIDENT_SHARDS, LEDGER_INDEX } from './ledger-table-definition.ts';

/** The last record of an incident chain, read consistently; undefined for a new incident. */
export async function readHead(
  table: LedgerTable,
  incidentId: string,
): Promise<ChainHead | undefined> {
  const out = await table.query({
    TableName: table.name,
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

/** The position and hash of the last item of a chain, which must read as a record. */
export function headOf(item: Item, prefix: string, what: string): ChainHead {
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

/** One Query call per page; the token says which partition to resume and where. */
export async function readPage(
  table: LedgerTable,
  plan: QueryPlan,
  limit: number | undefined,
  pageToken?: string,
): Promise<LedgerPage> {
  const cursor =
    pageToken === undefined ? { partition: plan.partitions[0] } : decodePageToken(pageToken, plan);
  if (cursor.partition === undefined) return { records: [] };
  const out = await table.query(
    queryInput(table.name, plan, cursor.partition, {
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

function readableRecord(item: Item): LedgerRecord {
  const stored = decodeRecord(item);
  if (!stored.record) {
    throw new LedgerCorruptError(
      `ledger item ${readString(item, 'pk')} ${stored.key} cannot be read (${stored.problem}): run "responder ledger verify"`,
    );
  }
  return stored.record;
}

// ---------------------------------------------------------------- reading for verification

/** Every incident that has a first record, from the sharded `incidents` index. */
export async function* readIncidentIds(table: LedgerTable): AsyncGenerator<string> {
  for (let shard = 0; shard < INCIDENT_SHARDS; shard++) {
    const input: QueryCommandInput = {
      TableName: table.name,
      IndexName: LEDGER_INDEX.incidents,
      KeyConditionExpression: '#shard = :shard',
      ExpressionAttributeNames: { '#shard': 'incidentShard' },
      ExpressionAttributeValues: { ':shard': S(`S${String(shard).padStart(2, '0')}`) },
    };
    for await (const item of table.allItems(input)) {
      const pk = readString(item, 'pk');
      if (pk?.startsWith('INC#')) yield pk.slice('INC#'.length);
    }
  }
}

/** The whole checkpoint chain, in order, as stored. */
export async function readCheckpoints(table: LedgerTable): Promise<StoredCheckpoint[]> {
  const items = await collect(
    table.allItems({
      TableName: table.name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': 'pk' },
      ExpressionAttributeValues: { ':pk': S(CHECKPOINT_PK) },
      ConsistentRead: true,
    }),
  );
  return items.map(decodeCheckpoint);
}

/** Every item of one incident partition, as stored: records (in key order) and step markers. */
export async function readIncidentChain(
  table: LedgerTable,
  incidentId: string,
): Promise<{ records: StoredRecord[]; markers: StepMarker[] }> {
  const records: StoredRecord[] = [];
  const markers: StepMarker[] = [];
  const input: QueryCommandInput = {
    TableName: table.name,
    KeyConditionExpression: '#pk = :pk',
    ExpressionAttributeNames: { '#pk': 'pk' },
    ExpressionAttributeValues: { ':pk': S(incidentPk(incidentId)) },
    ConsistentRead: true,
  };
  for await (const item of table.allItems(input)) {
    if (readString(item, 'sk')?.startsWith(STEP_PREFIX)) markers.push(decodeStepMarker(item));
    else records.push(decodeRecord(item));
  }
  return { records, markers };
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const value of iterable) all.push(value);
  return all;
}

/**
 * Incidents with a succeeded containment action stamped in [since, until), each once, oldest
 * first: one Query per month of the sparse `containments` index (keys only).
 */
export async function readContainedIncidentIds(
  table: LedgerTable,
  months: readonly string[],
  range: { since: string; until: string },
): Promise<string[]> {
  const ids = new Set<string>();
  for (const month of months) {
    const input: QueryCommandInput = {
      TableName: table.name,
      IndexName: LEDGER_INDEX.containments,
      KeyConditionExpression: '#month = :month AND #at BETWEEN :since AND :until',
      ExpressionAttributeNames: { '#month': 'containedMonth', '#at': 'at' },
      ExpressionAttributeValues: {
        ':month': S(month),
        ':since': S(range.since),
        ':until': S(range.until),
      },
    };
    for await (const item of table.allItems(input)) {
      const pk = readString(item, 'pk');
      if (pk?.startsWith('INC#')) ids.add(pk.slice('INC#'.length));
    }
  }
  return [...ids];
}
