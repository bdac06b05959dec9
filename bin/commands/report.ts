import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { renderReportHtml } from '../../shared/adapters/report-html.ts';
import {
  LOCAL_CHECKPOINT_CADENCE,
  localAnchoring,
} from '../../shared/local/checkpoint-anchoring.ts';
import { openLocalLedger } from '../../shared/local/embedded-dynamodb.ts';
import { idleSecondsFrom } from '../../shared/local/lingering-dynamodb.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { buildReport, type LedgerReport } from '../../shared/use-cases/build-report.ts';
import { parseSummaryPeriod } from '../../shared/use-cases/summarize-ledger.ts';
import { verifyLedger } from '../../shared/use-cases/verify-ledger.ts';
import { type CliIo, EXIT, stateDirOf, UsageError } from '../io.ts';
import { auditorApiFrom } from './auditor-api.ts';

const USAGE = `usage: responder report --since ISO --until ISO --out <file.html> [--api URL] [--state-dir DIR]
one self-contained HTML file (no external assets): time to contain, failed controls by owner,
tickets against their SLA, approvals and releases, ledger integrity.`;

/** `responder report`: the period's responses as a page people read and file. */
export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    io.out(USAGE);
    return EXIT.ok;
  }
  let values: Partial<Record<'since' | 'until' | 'out' | 'api' | 'state-dir', string>>;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        since: { type: 'string' },
        until: { type: 'string' },
        out: { type: 'string' },
        api: { type: 'string' },
        'state-dir': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  for (const flag of ['since', 'until', 'out'] as const) {
    if (!values[flag]) throw new UsageError(`--${flag} is required\n${USAGE}`);
  }
  const period = parseSummaryPeriod({ since: values.since, until: values.until }, new Date());
  if (!period.ok) {
    throw new UsageError(period.error.issues.map((i) => `--${i.path}: ${i.message}`).join('; '));
  }
  let report: LedgerReport;
  if (values.api) {
    report = await auditorApiFrom(values.api, io.env).getJson<LedgerReport>('v1/ledger/report', {
      since: period.value.since,
      until: period.value.until,
    });
  } else {
    const stateDir = stateDirOf(values['state-dir'], io);
    const ledger = await openLocalLedger(stateDir, undefined, {
      idleSeconds: idleSecondsFrom(io.env),
      announce: (message) => io.err(message),
    });
    try {
      const verification = await verifyLedger(ledger.store, {
        anchors: localAnchoring(stateDir).anchors,
        cadence: LOCAL_CHECKPOINT_CADENCE,
      });
      report = await buildReport(ledger.store, period.value, verification, systemClock.now());
    } finally {
      await ledger.close();
    }
  }
  const out = resolve(io.cwd, values.out as string);
  await writeFile(out, renderReportHtml(report));
  io.out(
    `wrote ${out}: ${report.incidents.length} incident(s), ${report.failedControls.length} failed control(s), ledger ${report.integrity.intact ? 'intact' : 'BROKEN'}`,
  );
  return EXIT.ok;
}
