import type { ChainHead } from '../domain/ledger/chain.ts';
import type { CheckpointResult, IncidentHead } from '../domain/ledger/checkpoint.ts';
import {
  type ChainBreak,
  type StepMarker,
  type StoredCheckpoint,
  type StoredRecord,
  verifyCheckpointChain,
  verifyIncidentChain,
} from '../domain/ledger/verify.ts';
import type { CheckpointAnchors } from '../ports/checkpoint-signing.ts';
import { type AnchorVerification, verifyAnchors } from './anchor-checkpoints.ts';

/** What verification reads: every chain as stored, consistently, through Query calls only. */
export interface LedgerChainSource {
  incidentIds(): AsyncIterable<string>;
  checkpoints(): Promise<StoredCheckpoint[]>;
  incidentChain(incidentId: string): Promise<{ records: StoredRecord[]; markers: StepMarker[] }>;
}

export interface LedgerVerification {
  intact: boolean;
  incidents: number;
  records: number;
  checkpoints: number;
  /**
   * Records after the last checkpoint that attests their incident. Changing, inserting or
   * reordering them is still detected; removing them from the very end of their chain is not,
   * until the next checkpoint.
   */
  unattestedRecords: number;
  /** The checkpoint chain's head: keep it outside AWS to detect a rewrite of the whole ledger. */
  checkpointHead?: ChainHead;
  /** Records stamped before this instant are attested by the last checkpoint. */
  lastCheckpointCutoff?: string;
  /** How often checkpoints are written, as configured: `every 15 min`, `after every local run`. */
  checkpointCadence?: string;
  /** The signed checkpoints kept outside the writers' reach, when an anchor store is given. */
  anchors?: AnchorVerification;
  /** The first break found: the checkpoint chain first, then incidents by id. */
  firstBroken?: ChainBreak;
  /** The first break of every broken chain. */
  broken: ChainBreak[];
}

/**
 * Walks every incident chain and the checkpoint chain. Incidents are found through the incident
 * index AND the checkpoints, so an incident removed entirely (index entry included) is still
 * looked for, and reported as removed.
 */
export async function verifyLedger(
  source: LedgerChainSource,
  options: { concurrency?: number; anchors?: CheckpointAnchors; cadence?: string } = {},
): Promise<LedgerVerification> {
  const stored = await source.checkpoints();
  const broken: ChainBreak[] = [];
  const checkpointBreak = verifyCheckpointChain(stored);
  if (checkpointBreak) broken.push(checkpointBreak);

  const attested = new Map<string, IncidentHead[]>();
  for (const item of stored) {
    for (const head of item.checkpoint?.heads ?? []) {
      attested.set(head.incidentId, [...(attested.get(head.incidentId) ?? []), head]);
    }
  }
  const ids = new Set(attested.keys());
  for await (const id of source.incidentIds()) ids.add(id);

  const sorted = [...ids].sort();
  const verifyOne = async (incidentId: string) => {
    const { records, markers } = await source.incidentChain(incidentId);
    const heads = attested.get(incidentId) ?? [];
    const lastAttested = Math.max(0, ...heads.map((h) => h.seq));
    return {
      records: records.length,
      unattested: Math.max(0, records.length - lastAttested),
      found: verifyIncidentChain(incidentId, records, markers, heads),
    };
  };
  const concurrency = options.concurrency ?? 4;
  const results: Array<Awaited<ReturnType<typeof verifyOne>>> = [];
  for (let i = 0; i < sorted.length; i += concurrency) {
    results.push(...(await Promise.all(sorted.slice(i, i + concurrency).map(verifyOne))));
  }
  for (const result of results) if (result.found) broken.push(result.found);

  const last = stored[stored.length - 1]?.checkpoint;
  const anchors =
    options.anchors &&
    verifyAnchors(stored, await options.anchors.list(), options.anchors.location);
  return {
    intact: broken.length === 0 && !anchors?.problem,
    incidents: sorted.length,
    records: results.reduce((n, r) => n + r.records, 0),
    checkpoints: stored.length,
    unattestedRecords: results.reduce((n, r) => n + r.unattested, 0),
    checkpointHead: last && { seq: last.seq, hash: last.hash },
    ...(last ? { lastCheckpointCutoff: last.cutoff } : {}),
    ...(options.cadence ? { checkpointCadence: options.cadence } : {}),
    ...(anchors ? { anchors } : {}),
    firstBroken: broken[0],
    broken,
  };
}

export interface LedgerCheckpointer {
  writeCheckpoint(options?: { settleMs?: number }): Promise<CheckpointResult>;
}

/**
 * Attests the current incident heads in the checkpoint chain. Runs on a schedule in AWS and
 * after each local run; `settleMs` leaves the eventually consistent month index time to catch up.
 */
export async function checkpointLedger(
  checkpointer: LedgerCheckpointer,
  options: { settleMs?: number } = {},
): Promise<CheckpointResult> {
  return checkpointer.writeCheckpoint(options);
}
