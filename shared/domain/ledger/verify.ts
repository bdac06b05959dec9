import { GENESIS_HASH, hashRecord } from './chain.ts';
import { hashCheckpoint, type IncidentHead, type LedgerCheckpoint } from './checkpoint.ts';
import type { LedgerRecord } from './record.ts';

type BreakKind = 'changed' | 'removed' | 'inserted' | 'reordered' | 'unreadable';

/** The first place a chain stops being trustworthy, named so an auditor can find it. */
export interface ChainBreak {
  chain: 'incident' | 'checkpoints';
  /** Set for incident chains. */
  incidentId?: string;
  /** The position of the broken record (or checkpoint) in its chain. */
  seq: number;
  stepKey?: string;
  problem: BreakKind;
  detail: string;
}

/**
 * An item as found in storage. `keySeq` is the position its storage key gives it (undefined when
 * the key is not a valid position); `problem` says why it could not be read back as a record.
 */
export interface StoredRecord {
  key: string;
  keySeq: number | undefined;
  record?: LedgerRecord;
  problem?: string;
}

export interface StoredCheckpoint {
  key: string;
  keySeq: number | undefined;
  checkpoint?: LedgerCheckpoint;
  problem?: string;
}

/** The idempotency marker the writer stores with every record. */
export interface StepMarker {
  stepKey: string;
  seq: number | undefined;
}

/** The chain-relevant facts of one item, whatever its kind. */
interface Link {
  key: string;
  keySeq: number | undefined;
  seq?: number;
  hash?: string;
  prevHash?: string;
  computedHash?: string;
  label?: string;
  problem?: string;
}

interface LinkBreak {
  seq: number;
  label?: string;
  problem: BreakKind;
  detail: string;
}

/**
 * Verifies one incident chain: positions 1..n without gaps, each record's hash over its content,
 * each link to its predecessor, every idempotency marker pointing at its record, and every head a
 * checkpoint attested still present with the same hash. Returns the first break, or undefined.
 */
export function verifyIncidentChain(
  incidentId: string,
  records: readonly StoredRecord[],
  markers: readonly StepMarker[],
  attested: readonly IncidentHead[] = [],
): ChainBreak | undefined {
  const links = records.map((item): Link => {
    if (!item.record) return { key: item.key, keySeq: item.keySeq, problem: item.problem };
    const record = item.record;
    const moved =
      record.incidentId === incidentId
        ? undefined
        : `record belongs to incident ${record.incidentId}, stored under ${incidentId}`;
    return {
      key: item.key,
      keySeq: item.keySeq,
      seq: record.seq,
      hash: record.hash,
      prevHash: record.prevHash,
      computedHash: hashRecord(record),
      label: record.stepKey,
      problem: item.problem ?? moved,
    };
  });
  const found = walk(links, 'record') ?? afterWalk(links, markers, attested);
  return found && { chain: 'incident', incidentId, ...named(found) };
}

/** Verifies the checkpoint chain itself (positions, hashes, links). */
export function verifyCheckpointChain(items: readonly StoredCheckpoint[]): ChainBreak | undefined {
  const links = items.map(
    (item): Link =>
      item.checkpoint
        ? {
            key: item.key,
            keySeq: item.keySeq,
            seq: item.checkpoint.seq,
            hash: item.checkpoint.hash,
            prevHash: item.checkpoint.prevHash,
            computedHash: hashCheckpoint(item.checkpoint),
            problem: item.problem,
          }
        : { key: item.key, keySeq: item.keySeq, problem: item.problem },
  );
  const found = walk(links, 'checkpoint');
  return found && { chain: 'checkpoints', ...named(found) };
}

function named(found: LinkBreak): Omit<ChainBreak, 'chain' | 'incidentId'> {
  return found.label === undefined
    ? { seq: found.seq, problem: found.problem, detail: found.detail }
    : { seq: found.seq, stepKey: found.label, problem: found.problem, detail: found.detail };
}

/** Walks the chain in storage order and classifies the first anomaly. */
function walk(links: readonly Link[], noun: string): LinkBreak | undefined {
  let expected = 1;
  for (let i = 0; i < links.length; i++) {
    const link = links[i] as Link;
    const at = (problem: BreakKind, detail: string, target: Link = link): LinkBreak => ({
      seq: target.keySeq ?? expected,
      label: target.label,
      problem,
      detail,
    });
    if (link.keySeq === undefined) {
      return at('inserted', `an item with key ${link.key} sits in the chain at no valid position`);
    }
    if (link.keySeq < expected) {
      return at('inserted', `a second ${noun} claims position ${link.keySeq} (key ${link.key})`);
    }
    if (link.keySeq > expected) {
      return {
        seq: expected,
        problem: 'removed',
        detail: `${noun} ${expected} is missing: the next one stored is ${link.keySeq}`,
      };
    }
    if (link.computedHash === undefined || link.hash === undefined) {
      return at('unreadable', link.problem ?? `${noun} cannot be read`);
    }
    const previous = links[i - 1];
    const expectedPrev = previous ? previous.hash : GENESIS_HASH;
    const linked = link.prevHash === expectedPrev;
    if (!linked) {
      const beforePrevious = i >= 2 ? links[i - 2]?.hash : GENESIS_HASH;
      if (previous && link.prevHash === beforePrevious) {
        return at(
          'inserted',
          `${noun} ${previous.keySeq} was inserted: ${noun} ${link.keySeq} links past it to its predecessor`,
          previous,
        );
      }
      if (links.slice(i + 1).some((later) => later.hash === link.prevHash)) {
        return at(
          'reordered',
          `${noun} ${link.keySeq} links to a ${noun} stored after it: the order was changed`,
        );
      }
      if (
        link.computedHash === link.hash &&
        link.seq !== undefined &&
        link.seq > link.keySeq &&
        !link.problem
      ) {
        return {
          seq: expected,
          problem: 'removed',
          detail: `${noun} ${expected} is missing: the ${noun} stored at that position is ${noun} ${link.seq}, renumbered`,
        };
      }
    }
    if (link.computedHash !== link.hash) {
      return at('changed', `${noun} ${link.keySeq}'s content does not match its hash`);
    }
    if (!linked) {
      return at(
        'changed',
        `${noun} ${link.keySeq} does not link to ${noun} ${expected - 1}: one of them was rewritten`,
      );
    }
    if (link.seq !== link.keySeq) {
      return at('reordered', `${noun} stored at ${link.keySeq} says it is ${noun} ${link.seq}`);
    }
    if (link.problem) return at('changed', link.problem);
    expected += 1;
  }
  return undefined;
}

/** Checks that only the markers and checkpoints can see: tail removal and forged appends. */
function afterWalk(
  links: readonly Link[],
  markers: readonly StepMarker[],
  attested: readonly IncidentHead[],
): LinkBreak | undefined {
  const bySeq = new Map(links.map((link) => [link.keySeq, link]));
  const markedSteps = new Set(markers.map((marker) => marker.stepKey));
  const breaks: LinkBreak[] = [];
  for (const marker of markers) {
    if (marker.seq === undefined) continue;
    const link = bySeq.get(marker.seq);
    if (!link) {
      breaks.push({
        seq: marker.seq,
        label: marker.stepKey,
        problem: 'removed',
        detail: `record ${marker.seq} (step ${marker.stepKey}) was written and is now missing`,
      });
    } else if (link.label !== marker.stepKey) {
      breaks.push({
        seq: marker.seq,
        label: link.label,
        problem: 'changed',
        detail: `record ${marker.seq} was written for step ${marker.stepKey} and now says ${link.label}`,
      });
    }
  }
  for (const link of links) {
    if (link.label !== undefined && !markedSteps.has(link.label)) {
      breaks.push({
        seq: link.keySeq ?? 0,
        label: link.label,
        problem: 'inserted',
        detail: `record ${link.keySeq} has no idempotency marker: it was not written by the ledger writer`,
      });
    }
  }
  for (const head of attested) {
    const link = bySeq.get(head.seq);
    if (!link) {
      breaks.push({
        seq: head.seq,
        problem: 'removed',
        detail: `record ${head.seq}, attested by a checkpoint, is missing`,
      });
    } else if (link.hash !== head.hash) {
      breaks.push({
        seq: head.seq,
        label: link.label,
        problem: 'changed',
        detail: `record ${head.seq} no longer has the hash a checkpoint attested: the chain was rewritten`,
      });
    }
  }
  return breaks.sort((a, b) => a.seq - b.seq)[0];
}

/** One line an auditor can act on. */
export function describeBreak(found: ChainBreak): string {
  const where =
    found.chain === 'checkpoints'
      ? `checkpoint ${found.seq}`
      : `incident ${found.incidentId} record ${found.seq}${found.stepKey ? ` (${found.stepKey})` : ''}`;
  return `${where}: ${found.problem}: ${found.detail}`;
}
