/**
 * Ledger throughput on DynamoDB Local: writes 10,000 records (200 incidents x 50, 16 concurrent
 * writers, the last two appends of each incident racing on its chain), then times the first page
 * of each access pattern, a streamed query, the summary, a checkpoint and a full verify.
 * DynamoDB Local (SQLite behind a JVM) is not DynamoDB: use the numbers to compare changes.
 * Alone: `node bench/ledger.ts [records] [writers]` prints the figures as JSON.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DynamoDbLedgerStore } from '../shared/adapters/dynamodb/ledger-store.ts';
import { LEDGER_TABLE } from '../shared/adapters/dynamodb/ledger-table-definition.ts';
import type { LedgerQuery } from '../shared/domain/ledger/query.ts';
import type { LedgerEntry } from '../shared/domain/ledger/record.ts';
import { startEmbeddedDynamoDb } from '../shared/local/embedded-dynamodb.ts';
import { queryLedger } from '../shared/use-cases/query-ledger.ts';
import { summarizeLedger } from '../shared/use-cases/summarize-ledger.ts';
import { verifyLedger } from '../shared/use-cases/verify-ledger.ts';
import { loadAverage } from './lib/machine.ts';
import { percentile, round } from './lib/stats.ts';

export interface LedgerOptions {
  records: number;
  writers: number;
}

const PER_INCIDENT = 50;
const PER_APPEND = 5;
const QUERY_RUNS = 25;
const TEAMS = ['identity', 'workplace', 'payments-app', 'msp-contoso'];
const ROLES = ['iam', 'endpoint', 'application', 'partner'] as const;

export async function measureLedger(options: LedgerOptions) {
  const { records: total, writers } = options;
  const db = await startEmbeddedDynamoDb({
    tables: [{ tableName: 'bench-ledger', definition: LEDGER_TABLE }],
  });
  try {
    const store = new DynamoDbLedgerStore({ client: db.client, tableName: 'bench-ledger' });
    // Counts calls per operation, to see how many transactions contention costs per append.
    const calls: Record<string, number> = {};
    db.client.middlewareStack.add(
      (next, context) => async (args) => {
        calls[context.commandName ?? '?'] = (calls[context.commandName ?? '?'] ?? 0) + 1;
        return next(args);
      },
      { step: 'initialize', name: 'countCalls' },
    );
    const incidents = Math.ceil(total / PER_INCIDENT);

    const entriesFor = (incident: number, batch: number): LedgerEntry[] =>
      Array.from({ length: PER_APPEND }, (_, i) => {
        const n = batch * PER_APPEND + i;
        const role = ROLES[n % ROLES.length] as (typeof ROLES)[number];
        return {
          kind: n === 0 ? 'detection.received' : n % 7 === 0 ? 'ticket.opened' : 'finding',
          stepKey: `step-${n}`,
          subjectId: `user-${incident % 50}`,
          ownerRole: role,
          ownerTeam: TEAMS[n % TEAMS.length],
          controlId: `control-${n % 12}`,
          ticketId: n % 7 === 0 ? `SEC-${incident}-${n}` : undefined,
          status: n % 3 === 0 ? 'failed' : 'held',
          data: { incident, n, evidence: ['signals.mfaSatisfied', 'signals.deviceCompliant'] },
        };
      });

    const appendLatencies: number[] = [];
    const timedAppend = async (incidentId: string, entries: LedgerEntry[]) => {
      const t = performance.now();
      const result = await store.append(incidentId, entries);
      appendLatencies.push(performance.now() - t);
      return result.appended.length;
    };

    let nextIncident = 0;
    let written = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        while (nextIncident < incidents) {
          const incident = nextIncident++;
          const id = `inc-bench-${incident}`;
          const batches = PER_INCIDENT / PER_APPEND;
          // Most steps follow one another; the last two (tickets per owner) race on the chain.
          for (let b = 0; b < batches - 2; b++) {
            const appended = await timedAppend(id, entriesFor(incident, b));
            written += appended;
          }
          const racing = await Promise.all([
            timedAppend(id, entriesFor(incident, batches - 2)),
            timedAppend(id, entriesFor(incident, batches - 1)),
          ]);
          written += racing.reduce((n, appended) => n + appended, 0);
        }
      }),
    );
    const writeSeconds = (performance.now() - started) / 1000;
    const writeCalls = { ...calls };

    const checkpointStart = performance.now();
    await store.writeCheckpoint({ settleMs: 0 });
    const checkpointMs = performance.now() - checkpointStart;

    const since = new Date(Date.now() - 3_600_000).toISOString();
    const patterns: Record<string, LedgerQuery> = {
      byIncident: { incidentId: 'inc-bench-7' },
      byOwnerTeamInRange: { ownerTeam: 'identity', since },
      byOwnerRoleInRange: { ownerRole: 'endpoint', since },
      byControlInRange: { controlId: 'control-3', since },
      bySubject: { subjectId: 'user-7' },
      byTicket: { ticketId: 'SEC-7-7' },
      byTimeRange: { since },
    };
    const queries: Record<string, { p50Ms: number; p95Ms: number; firstPageRecords: number }> = {};
    const allFirstPages: number[] = [];
    for (const [name, query] of Object.entries(patterns)) {
      const samples: number[] = [];
      let records = 0;
      for (let i = 0; i < QUERY_RUNS; i++) {
        const t = performance.now();
        const page = await store.query({ ...query, limit: 100 });
        samples.push(performance.now() - t);
        records = page.records.length;
      }
      allFirstPages.push(...samples);
      queries[name] = {
        p50Ms: round(percentile(samples, 50)),
        p95Ms: round(percentile(samples, 95)),
        firstPageRecords: records,
      };
    }

    const streamStart = performance.now();
    let streamed = 0;
    for await (const _ of queryLedger(store, { ownerTeam: 'identity', since, limit: 1000 }))
      streamed += 1;
    const streamSeconds = (performance.now() - streamStart) / 1000;

    const summaryStart = performance.now();
    const summary = await summarizeLedger(store, {
      since,
      until: new Date(Date.now() + 60_000).toISOString(),
    });
    const summaryMs = performance.now() - summaryStart;

    const verifyStart = performance.now();
    const verification = await verifyLedger(store);
    const verifySeconds = (performance.now() - verifyStart) / 1000;

    const queryP50Ms = round(percentile(allFirstPages, 50), 1);
    const writesPerSecond = round(written / writeSeconds, 1);
    return {
      records: written,
      writesPerSecond,
      queryP50Ms,
      environment: {
        database: 'DynamoDB Local 3.3.1, in memory',
        node: process.version,
        cpus: availableParallelism(),
      },
      write: {
        records: written,
        incidents,
        concurrentWriters: writers,
        entriesPerAppend: PER_APPEND,
        seconds: round(writeSeconds),
        recordsPerSecond: round(written / writeSeconds),
        appendP50Ms: round(percentile(appendLatencies, 50)),
        appendP99Ms: round(percentile(appendLatencies, 99)),
        appendCalls: appendLatencies.length,
        transactionsPerAppend: round(
          (writeCalls.TransactWriteItemsCommand ?? 0) / appendLatencies.length,
        ),
      },
      query: {
        firstPageP50Ms: round(percentile(allFirstPages, 50)),
        pageSize: 100,
        runsPerPattern: QUERY_RUNS,
        patterns: queries,
        streamAllOwnerTeam: {
          records: streamed,
          seconds: round(streamSeconds),
          recordsPerSecond: round(streamed / streamSeconds),
        },
      },
      summary: { failedFindings: summary.totalFailedFindings, ms: round(summaryMs) },
      checkpoint: { ms: round(checkpointMs) },
      verify: {
        intact: verification.intact,
        records: verification.records,
        seconds: round(verifySeconds),
        recordsPerSecond: round(verification.records / verifySeconds),
      },
    };
  } finally {
    await db.close();
  }
}

if (import.meta.main) {
  const started = loadAverage();
  const report = await measureLedger({
    records: Number(process.argv[2] ?? 10_000),
    writers: Number(process.argv[3] ?? 16),
  });
  process.stdout.write(
    `${JSON.stringify({ loadAverage: { start: started, end: loadAverage() }, ...report }, null, 2)}\n`,
  );
}
