import { InMemoryLedgerStore } from '../../../shared/adapters/memory/ledger-store.ts';
import type { LedgerEntry, LedgerRecord } from '../../../shared/domain/ledger/record.ts';
import type { AppendResult } from '../../../shared/ports/ledger.ts';

/** The in-memory ledger, plus what ticket tests inspect and an injectable outage. */
export class MemoryLedger extends InMemoryLedgerStore {
  /** When set, the next append throws it (a ledger outage). */
  failNext: Error | undefined;

  constructor() {
    super({ now: () => new Date('2026-03-17T09:45:00Z') });
  }

  override async append(
    incidentId: string,
    entries: readonly LedgerEntry[],
  ): Promise<AppendResult> {
    if (this.failNext) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
    return super.append(incidentId, entries);
  }

  get records(): LedgerRecord[] {
    return this.all();
  }

  kinds(): string[] {
    return this.records.map((r) => `${r.kind} ${r.stepKey}`);
  }
}
