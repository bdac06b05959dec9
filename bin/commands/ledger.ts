import { parseArgs } from 'node:util';
import {
  formatSummary,
  formatVerification,
  OUTPUT_FORMATS,
  type OutputFormat,
  writeRecords,
} from '../../shared/adapters/ledger-format.ts';
import type { InvalidInputError } from '../../shared/domain/errors.ts';
import {
  LOCAL_CHECKPOINT_CADENCE,
  localAnchoring,
} from '../../shared/local/checkpoint-anchoring.ts';
import { type LocalLedger, openLocalLedger } from '../../shared/local/embedded-dynamodb.ts';
import { idleSecondsFrom } from '../../shared/local/lingering-dynamodb.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { anchorCheckpoints } from '../../shared/use-cases/anchor-checkpoints.ts';
import { parseLedgerQueryParams, queryLedger } from '../../shared/use-cases/query-ledger.ts';
import { parseSummaryPeriod, summarizeLedger } from '../../shared/use-cases/summarize-ledger.ts';
import { checkpointLedger, verifyLedger } from '../../shared/use-cases/verify-ledger.ts';
import { type CliIo, EXIT, stateDirOf, UsageError } from '../io.ts';
import { ledgerViaApi } from './ledger-api-client.ts';

const USAGE = `usage:
  responder ledger query [--owner-role R] [--owner-team T] [--control C] [--incident I]
                         [--subject S] [--ticket K] [--since ISO] [--until ISO]
                         [--format table|json|csv]
  responder ledger verify [--format table|json]
  responder ledger summary [--since ISO] [--until ISO] [--format table|json|csv]
  responder ledger checkpoint
options for all: --state-dir DIR (default: $RESPONDER_STATE_DIR or .responder)
  --api URL: query, verify and summary against the deployed auditor API (SigV4, your AWS credentials)`;

/** CLI flag ↔ query field, so that errors name the flag the user typed. */
export const QUERY_FLAGS = {
  'owner-role': 'ownerRole',
  'owner-team': 'ownerTeam',
  control: 'controlId',
  incident: 'incidentId',
  subject: 'subjectId',
  ticket: 'ticketId',
  since: 'since',
  until: 'until',
  'page-size': 'limit',
} as const;

const stringOption = { type: 'string' } as const;

/**
 * `responder ledger query|verify|summary|checkpoint`: the accountability ledger of local mode,
 * in the embedded DynamoDB Local under the state folder.
 */
export async function ledgerCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(USAGE);
    return sub === undefined ? EXIT.badInput : EXIT.ok;
  }
  if (!['query', 'verify', 'summary', 'checkpoint'].includes(sub)) {
    throw new UsageError(`unknown subcommand '${sub}'\n${USAGE}`);
  }
  const options = parseOptions(rest);
  const format = formatOf(options.format, sub === 'verify' ? ['table', 'json'] : OUTPUT_FORMATS);
  const stateDir = stateDirOf(options['state-dir'], io);
  // Validate everything before paying for a JVM start.
  const prepared = prepare(sub, options, stateDir);
  if (options.api !== undefined) {
    if (sub === 'checkpoint') throw new UsageError('checkpoints are written by the deployed stack');
    return ledgerViaApi(sub, options, format, io);
  }
  const ledger = await openLocalLedger(stateDir, undefined, {
    idleSeconds: idleSecondsFrom(io.env),
    announce: (message) => io.err(message),
  });
  try {
    return await prepared(ledger, format, io);
  } finally {
    await ledger.close();
  }
}

export type Options = Partial<
  Record<keyof typeof QUERY_FLAGS | 'format' | 'state-dir' | 'api', string>
>;
type Run = (ledger: LocalLedger, format: OutputFormat, io: CliIo) => Promise<number>;

function prepare(sub: string, options: Options, stateDir: string): Run {
  const queryFlags = Object.keys(QUERY_FLAGS).filter(
    (flag) => options[flag as keyof Options] !== undefined,
  );
  const allowed =
    sub === 'query' ? Object.keys(QUERY_FLAGS) : sub === 'summary' ? ['since', 'until'] : [];
  const misplaced = queryFlags.filter((flag) => !allowed.includes(flag));
  if (misplaced.length > 0) {
    throw new UsageError(`--${misplaced[0]} does not apply to 'ledger ${sub}'\n${USAGE}`);
  }
  if (sub === 'query') {
    const params = Object.fromEntries(
      Object.entries(QUERY_FLAGS).map(([flag, field]) => [field, options[flag as keyof Options]]),
    );
    const parsed = parseLedgerQueryParams(params);
    if (!parsed.ok) throw usageFrom(parsed.error);
    return async (ledger, format, io) => {
      await writeRecords(queryLedger(ledger.store, parsed.value), format, (chunk) => io.out(chunk));
      return EXIT.ok;
    };
  }
  if (sub === 'summary') {
    const parsed = parseSummaryPeriod(
      { since: options.since, until: options.until },
      systemClock.now(),
    );
    if (!parsed.ok) throw usageFrom(parsed.error);
    return async (ledger, format, io) => {
      io.out(formatSummary(await summarizeLedger(ledger.store, parsed.value), format));
      return EXIT.ok;
    };
  }
  if (sub === 'verify') {
    return async (ledger, format, io) => {
      const result = await verifyLedger(ledger.store, {
        anchors: localAnchoring(stateDir).anchors,
        cadence: LOCAL_CHECKPOINT_CADENCE,
      });
      io.out(formatVerification(result, format));
      return result.intact ? EXIT.ok : EXIT.failed;
    };
  }
  return async (ledger, _format, io) => {
    // Local mode has one writer and DynamoDB Local updates its indexes at once: no settle time.
    const result = await checkpointLedger(ledger.store, { settleMs: 0 });
    const anchoring = localAnchoring(stateDir);
    const signed = await anchorCheckpoints(await ledger.store.checkpoints(), anchoring);
    if (signed.length > 0) {
      io.err(`signed and anchored ${signed.length} checkpoint(s) in ${anchoring.anchors.location}`);
    }
    const last = result.written[result.written.length - 1];
    io.out(
      last
        ? `checkpoint ${last.seq} attests ${result.written.reduce((n, c) => n + c.heads.length, 0)} incident head(s) up to ${result.cutoff}: ${last.hash}`
        : `nothing new to attest since ${result.cutoff}`,
    );
    return EXIT.ok;
  };
}

function parseOptions(args: string[]): Options {
  try {
    const { values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        ...Object.fromEntries(Object.keys(QUERY_FLAGS).map((flag) => [flag, stringOption])),
        format: stringOption,
        'state-dir': stringOption,
        api: stringOption,
      },
    });
    return values as Options;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
}

function formatOf(value: string | undefined, allowed: readonly OutputFormat[]): OutputFormat {
  const format = value ?? 'table';
  if (!(allowed as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${allowed.join(', ')} (got '${format}')`);
  }
  return format as OutputFormat;
}

/** Re-words field-level issues with the flag names the user typed. */
function usageFrom(error: InvalidInputError): UsageError {
  const flagOf = Object.fromEntries(Object.entries(QUERY_FLAGS).map(([flag, f]) => [f, flag]));
  const problems = error.issues.map((issue) =>
    issue.path ? `--${flagOf[issue.path] ?? issue.path}: ${issue.message}` : issue.message,
  );
  return new UsageError(problems.join('; '), { cause: error });
}
