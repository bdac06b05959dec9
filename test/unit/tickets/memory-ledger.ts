import { createHash } from 'node:crypto';
import type {
  AppendResult,
  LedgerEntry,
  LedgerRecord,
  LedgerWriter,
} from '../../../shared/ports/ledger.ts';

/** The ledger port in memory, idempotent on (incident, stepKey) as the port requires. */
export class MemoryLedger implements LedgerWriter {
  readonly records: LedgerRecord[] = [];
  /** When set, the next append throws it (a ledger outage). */
  failNext: Error | undefined;

  async append(incidentId: string, entries: readonly LedgerEntry[]): Promise<AppendResult> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    const appended: LedgerRecord[] = [];
    let duplicates = 0;
    for (const entry of entries) {
      const chain = this.records.filter((r) => r.incidentId === incidentId);
      if (chain.some((r) => r.stepKey === entry.stepKey)) {
        duplicates++;
        continue;
      }
      const prevHash = chain.at(-1)?.hash ?? '0'.repeat(64);
      const content = {
        ...entry,
        incidentId,
        seq: chain.length + 1,
        recordedAt: '2026-03-17T09:45:00Z',
        prevHash,
      };
      const hash = createHash('sha256').update(JSON.stringify(content)).digest('hex');
      const record: LedgerRecord = { ...content, hash };
      this.records.push(record);
      appended.push(record);
    }
    const chain = this.records.filter((r) => r.incidentId === incidentId);
    return { appended, duplicates, records: chain.length, head: chain.at(-1)?.hash ?? '' };
  }

  kinds(): string[] {
    return this.records.map((r) => `${r.kind} ${r.stepKey}`);
  }
}
