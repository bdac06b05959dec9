import type { QueryCommandInput } from '@aws-sdk/client-dynamodb';
import type { ChainHead } from '../../domain/ledger/chain.ts';
import {
  buildCheckpoint,
  type CheckpointResult,
  type IncidentHead,
  type LedgerCheckpoint,
} from '../../domain/ledger/checkpoint.ts';
import { LedgerCorruptError } from '../../domain/ledger/errors.ts';
import type { Clock } from '../../ports/clock.ts';
import { CHECKPOINT_PK, CHECKPOINT_PREFIX, checkpointItem, readString, S } from './ledger-items.ts';
import { monthsBetween } from './ledger-query-plan.ts';
import { collect, headOf, readHead, readIncidentIds } from './ledger-reads.ts';
import { errorName, type LedgerTable } from './ledger-table.ts';
import { LEDGER_INDEX } from './ledger-table-definition.ts';

const HEADS_PER_CHECKPOINT = 1000;
const MAX_CHECKPOINTS_PER_RUN = 25;
const READ_CONCURRENCY = 8;

export interface CheckpointOptions {
  settleMs?: number;
  /**
   * Incidents known to have changed since the last checkpoint (local mode: the ones just
   * handled). Attested even when a record was stamped before the last cutoff but committed
   * after it, which a short `settleMs` cannot rule out.
   */
  incidents?: readonly string[];
}

/**
 * Attests the heads of every incident chain that changed since the last checkpoint, up to
 * `now - settleMs` (the month index is eventually consistent; the margin lets it catch up).
 * Run periodically; a run with nothing new writes nothing.
 */
export async function writeCheckpoint(
  table: LedgerTable,
  clock: Clock,
  options: CheckpointOptions,
): Promise<CheckpointResult> {
  for (let attempt = 1; ; attempt++) {
    const cutoff = new Date(clock.now().getTime() - (options.settleMs ?? 60_000)).toISOString();
    const last = await lastCheckpoint(table);
    if (last && cutoff <= last.cutoff) return { written: [], cutoff: last.cutoff };
    const incidentIds = last
      ? [
          ...new Set([
            ...(await incidentsTouched(table, last.cutoff, cutoff)),
            ...(options.incidents ?? []),
          ]),
        ].sort()
      : await collect(readIncidentIds(table));
    if (incidentIds.length === 0) return { written: [], cutoff: last?.cutoff ?? cutoff };
    const heads = await headsOf(table, incidentIds);
    const checkpoints = chunkCheckpoints(last, heads, cutoff, clock.now().toISOString());
    try {
      await table.transact(checkpoints.map((c) => table.putIfAbsent(checkpointItem(c))));
      return { written: checkpoints, cutoff };
    } catch (error) {
      // Another checkpointer got there first: start again from its checkpoint.
      if (errorName(error) !== 'TransactionCanceledException' || attempt >= 5) throw error;
      await table.sleep(table.backoff(attempt));
    }
  }
}

async function lastCheckpoint(
  table: LedgerTable,
): Promise<(ChainHead & { cutoff: string }) | undefined> {
  const out = await table.query({
    TableName: table.name,
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
async function incidentsTouched(
  table: LedgerTable,
  since: string,
  cutoff: string,
): Promise<string[]> {
  const ids = new Set<string>();
  for (const month of monthsBetween(since, cutoff)) {
    const input: QueryCommandInput = {
      TableName: table.name,
      IndexName: LEDGER_INDEX.byMonth,
      KeyConditionExpression: '#month = :month AND #at BETWEEN :since AND :cutoff',
      ExpressionAttributeNames: { '#month': 'month', '#at': 'at', '#incident': 'incidentId' },
      ExpressionAttributeValues: { ':month': S(month), ':since': S(since), ':cutoff': S(cutoff) },
      ProjectionExpression: '#incident',
    };
    for await (const item of table.allItems(input)) {
      const id = readString(item, 'incidentId');
      if (id !== undefined) ids.add(id);
    }
  }
  return [...ids].sort();
}

async function headsOf(
  table: LedgerTable,
  incidentIds: readonly string[],
): Promise<IncidentHead[]> {
  const heads: IncidentHead[] = [];
  for (let i = 0; i < incidentIds.length; i += READ_CONCURRENCY) {
    const batch = incidentIds.slice(i, i + READ_CONCURRENCY);
    const read = await Promise.all(batch.map((incidentId) => readHead(table, incidentId)));
    read.forEach((head, j) => {
      if (head) heads.push({ incidentId: batch[j] as string, ...head });
    });
  }
  return heads;
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
