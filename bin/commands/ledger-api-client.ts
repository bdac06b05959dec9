import {
  formatSummary,
  formatVerification,
  type OutputFormat,
  writeRecords,
} from '../../shared/adapters/ledger-format.ts';
import type { LedgerRecord } from '../../shared/domain/ledger/record.ts';
import type { LedgerSummary } from '../../shared/use-cases/summarize-ledger.ts';
import type { LedgerVerification } from '../../shared/use-cases/verify-ledger.ts';
import { type CliIo, EXIT } from '../io.ts';
import { auditorApiFrom } from './auditor-api.ts';
import { type Options, QUERY_FLAGS } from './ledger.ts';

/** `responder ledger … --api URL`: the same output as locally, from the deployed auditor API. */
export async function ledgerViaApi(
  sub: string,
  options: Options,
  format: OutputFormat,
  io: CliIo,
): Promise<number> {
  const api = auditorApiFrom(options.api as string, io.env);
  if (sub === 'verify') {
    const result = await api.getJson<LedgerVerification>('v1/ledger/verify');
    io.out(formatVerification(result, format));
    return result.intact ? EXIT.ok : EXIT.failed;
  }
  if (sub === 'summary') {
    const summary = await api.getJson<LedgerSummary>('v1/ledger/summary', {
      since: options.since,
      until: options.until,
    });
    io.out(formatSummary(summary, format));
    return EXIT.ok;
  }
  const params = Object.fromEntries(
    Object.entries(QUERY_FLAGS).map(([flag, field]) => [field, options[flag as keyof Options]]),
  );
  async function* pages(): AsyncGenerator<LedgerRecord> {
    let pageToken: string | undefined;
    do {
      const page = await api.getJson<{ records: LedgerRecord[]; nextPageToken?: string }>(
        'v1/ledger/records',
        { ...params, pageToken },
      );
      yield* page.records;
      pageToken = page.nextPageToken;
    } while (pageToken !== undefined);
  }
  await writeRecords(pages(), format, (chunk) => io.out(chunk));
  return EXIT.ok;
}
