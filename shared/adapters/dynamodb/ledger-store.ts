import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ChainHead } from '../../domain/ledger/chain.ts';
import type { CheckpointResult } from '../../domain/ledger/checkpoint.ts';
import { type LedgerQuery, parseLedgerQuery } from '../../domain/ledger/query.ts';
import type { LedgerEntry } from '../../domain/ledger/record.ts';
import type { StepMarker, StoredCheckpoint, StoredRecord } from '../../domain/ledger/verify.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { AppendResult, LedgerPage, LedgerReader, LedgerWriter } from '../../ports/ledger.ts';
import { appendToChain } from './ledger-append.ts';
import { type CheckpointOptions, writeCheckpoint } from './ledger-checkpoints.ts';
import { monthsBetween, planQuery, type QueryPlan } from './ledger-query-plan.ts';
import {
  readCheckpoints,
  readContainedIncidentIds,
  readHead,
  readIncidentChain,
  readIncidentIds,
  readPage,
} from './ledger-reads.ts';
import { LedgerTable } from './ledger-table.ts';
import { LEDGER_INDEX } from './ledger-table-definition.ts';

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

/**
 * Appending to the accountability ledger, and nothing else: what `respond` needs. Kept apart
 * from the reads, queries and checkpoints so the respond bundle carries none of them.
 */
export class DynamoDbLedgerWriter implements LedgerWriter {
  protected readonly table: LedgerTable;
  protected readonly clock: Clock;
  readonly #maxConflictAttempts: number;

  constructor(options: DynamoDbLedgerStoreOptions) {
    this.table = new LedgerTable({
      client: options.client,
      tableName: options.tableName,
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      random: options.random ?? Math.random,
      maxThrottleAttempts: options.maxThrottleAttempts ?? 6,
    });
    this.clock = options.clock ?? systemClock;
    this.#maxConflictAttempts = options.maxConflictAttempts ?? 30;
  }

  /** Appends in order, idempotent on `stepKey`; see appendToChain for the transactions. */
  append(incidentId: string, entries: readonly LedgerEntry[]): Promise<AppendResult> {
    return appendToChain(
      this.table,
      { clock: this.clock, maxConflictAttempts: this.#maxConflictAttempts },
      incidentId,
      entries,
    );
  }
}

/**
 * The accountability ledger on DynamoDB: append-only hash chains per incident, idempotent on
 * `stepKey`, queried only with `Query`. It never updates or deletes an item. Appending,
 * reading and checkpointing live in their own files; this class wires them to one table.
 */
export class DynamoDbLedgerStore extends DynamoDbLedgerWriter implements LedgerReader {
  /** The last record of an incident chain, read consistently; undefined for a new incident. */
  head(incidentId: string): Promise<ChainHead | undefined> {
    return readHead(this.table, incidentId);
  }

  /** Attests the heads of the incident chains that changed since the last checkpoint. */
  writeCheckpoint(options: CheckpointOptions = {}): Promise<CheckpointResult> {
    return writeCheckpoint(this.table, this.clock, options);
  }

  /** Every incident that has a first record. */
  incidentIds(): AsyncGenerator<string> {
    return readIncidentIds(this.table);
  }

  /** The whole checkpoint chain, in order, as stored. */
  checkpoints(): Promise<StoredCheckpoint[]> {
    return readCheckpoints(this.table);
  }

  /** Every item of one incident partition, as stored: records (in key order) and step markers. */
  incidentChain(incidentId: string): Promise<{ records: StoredRecord[]; markers: StepMarker[] }> {
    return readIncidentChain(this.table, incidentId);
  }

  async query(query: LedgerQuery, pageToken?: string): Promise<LedgerPage> {
    const parsed = parseLedgerQuery(query);
    if (!parsed.ok) throw parsed.error;
    return readPage(
      this.table,
      planQuery(parsed.value, this.clock.now()),
      parsed.value.limit,
      pageToken,
    );
  }

  /** Incidents with a succeeded containment action in [since, until), from a sparse index. */
  containedIncidents(range: { since: string; until: string }): Promise<string[]> {
    return readContainedIncidentIds(this.table, monthsBetween(range.since, range.until), range);
  }

  /** Failed findings stamped in [since, until), from the sparse failures index. */
  failedFindings(
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
    return readPage(this.table, plan, range.limit, pageToken);
  }
}
