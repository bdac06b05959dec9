import { chainEntries } from '../../domain/ledger/chain.ts';
import type { LedgerQuery } from '../../domain/ledger/query.ts';
import {
  type LedgerEntry,
  type LedgerRecord,
  validateLedgerAppend,
} from '../../domain/ledger/record.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { AppendResult, LedgerPage, LedgerReader, LedgerWriter } from '../../ports/ledger.ts';

/**
 * The ledger in memory, with the same validation, chain rule and step idempotency as the DynamoDB store:
 * for unit tests and the CPU benchmark. Not durable; local mode uses DynamoDB Local.
 */
export class InMemoryLedgerStore implements LedgerWriter, LedgerReader {
  readonly #chains = new Map<string, LedgerRecord[]>();
  readonly #clock: Clock;
  readonly #retain: (record: LedgerRecord) => LedgerRecord;

  /** `retain` decides what stays in memory of each appended record (all of it by default). */
  constructor(
    clock: Clock = systemClock,
    retain: (record: LedgerRecord) => LedgerRecord = (r) => r,
  ) {
    this.#clock = clock;
    this.#retain = retain;
  }

  async append(incidentId: string, entries: readonly LedgerEntry[]): Promise<AppendResult> {
    // What DynamoDB would refuse, memory refuses too: tests cannot pass on entries production rejects.
    validateLedgerAppend(incidentId, entries);
    const chain = this.#chains.get(incidentId) ?? [];
    this.#chains.set(incidentId, chain);
    const seen = new Set(chain.map((record) => record.stepKey));
    const fresh = entries.filter((entry) => !seen.has(entry.stepKey) && seen.add(entry.stepKey));
    const last = chain.at(-1);
    const appended = chainEntries({
      incidentId,
      head: last ? { seq: last.seq, hash: last.hash } : undefined,
      entries: fresh,
      recordedAt: this.#clock.now().toISOString(),
    });
    chain.push(...appended.map(this.#retain));
    return {
      appended,
      duplicates: entries.length - fresh.length,
      records: chain.length,
      head: chain.at(-1)?.hash ?? '',
    };
  }

  async query(query: LedgerQuery, pageToken?: string): Promise<LedgerPage> {
    const matching = this.all().filter(
      (r) =>
        (query.incidentId === undefined || r.incidentId === query.incidentId) &&
        (query.ownerTeam === undefined || r.ownerTeam === query.ownerTeam) &&
        (query.ownerRole === undefined || r.ownerRole === query.ownerRole) &&
        (query.controlId === undefined || r.controlId === query.controlId) &&
        (query.subjectId === undefined || r.subjectId === query.subjectId) &&
        (query.ticketId === undefined || r.ticketId === query.ticketId) &&
        (query.since === undefined || r.recordedAt >= query.since) &&
        (query.until === undefined || r.recordedAt < query.until),
    );
    const start = pageToken ? Number(pageToken) : 0;
    const end = start + (query.limit ?? 100);
    return {
      records: matching.slice(start, end),
      ...(end < matching.length ? { nextPageToken: String(end) } : {}),
    };
  }

  /** Incidents with a succeeded containment action in [since, until), as the index holds them. */
  async containedIncidents(range: { since: string; until: string }): Promise<string[]> {
    const contained = this.all().filter(
      (r) =>
        r.kind === 'containment.action' &&
        r.status === 'succeeded' &&
        r.recordedAt >= range.since &&
        r.recordedAt < range.until,
    );
    return [...new Set(contained.map((r) => r.incidentId))];
  }

  /** Every record of every incident, in append order within each incident. */
  all(): LedgerRecord[] {
    return [...this.#chains.values()].flat();
  }
}
