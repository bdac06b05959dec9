import type { LedgerRecord } from '../domain/ledger/record.ts';
import type { LedgerReader } from '../ports/ledger.ts';

/** Every record of one incident's chain, oldest first. */
export async function incidentRecords(
  reader: LedgerReader,
  incidentId: string,
): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  let pageToken: string | undefined;
  do {
    const page = await reader.query({ incidentId }, pageToken);
    records.push(...page.records);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return records;
}

/** Every record written since `since` (the ledger's time index), oldest first per month. */
export async function recordsSince(reader: LedgerReader, since: string): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  let pageToken: string | undefined;
  do {
    const page = await reader.query({ since, limit: 1000 }, pageToken);
    records.push(...page.records);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return records;
}
