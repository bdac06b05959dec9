import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatMs } from '../../shared/adapters/human-figures.ts';
import { type LocalResponse, startLocalRuntime } from '../../shared/local/runtime.ts';
import { type CliIo, EXIT, readJsonArgument, stateDirOf, UsageError } from '../io.ts';
import { detectionFrom } from './read-detection.ts';

const USAGE = 'usage: responder respond <file|-> [--json] [--dry-run] [--state-dir DIR]';

/**
 * `responder respond <file|->`: the whole pipeline on this machine (normalize, contain,
 * attribute, open tickets, write the ledger). A second run on the same detection changes
 * nothing and says so.
 */
export async function respondCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args);
  const input = await readJsonArgument(
    options.file === '-' ? '-' : resolve(io.cwd, options.file),
    io,
  );
  const normalized = detectionFrom(input);
  const runtime = await startLocalRuntime({
    stateDir: stateDirOf(options.stateDir, io),
    env: io.env,
    dryRun: options.dryRun,
  });
  try {
    const response = await runtime.handle({
      detection: normalized.detection,
      sourceEventId: normalized.sourceEventId,
      rawSha256: normalized.rawSha256,
      ...(normalized.sourceFormat ? { sourceFormat: normalized.sourceFormat } : {}),
      sender: normalized.sender ?? 'local:cli',
    });
    io.out(options.json ? JSON.stringify(contractView(response), null, 2) : summary(response));
    return EXIT.ok;
  } finally {
    await runtime.close();
  }
}

/** The contract's fields first (docs/contract.md, section 3), then the rest of what happened. */
function contractView(response: LocalResponse) {
  const { detectionId, incidentId, mode, containment, findings, tickets, ledger, ...rest } =
    response;
  return {
    detectionId,
    incidentId,
    mode,
    containment,
    findings,
    tickets,
    ledger,
    ...rest,
  };
}

function summary(response: LocalResponse): string {
  const lines = [
    `incident ${response.incidentId} (detection ${response.detectionId})`,
    `mode: ${response.mode}${response.mode === 'simulated' ? ' (simulated identity provider: no real identity was touched)' : ''}${response.mode === 'dry-run' ? ' (nothing was called)' : ''}`,
    `status: ${response.status}${response.replayed ? ' (already handled: nothing changed this time)' : ''}`,
  ];
  if (response.timeToContainMs !== undefined)
    lines.push(`time to contain: ${formatMs(response.timeToContainMs)}`);
  if (response.approval) {
    lines.push(
      `approval required: ${response.approval.why} (expires ${response.approval.expiresAt})`,
      `  approve: responder approve ${response.incidentId} --reason "<why>"   deny: responder deny ${response.incidentId} --reason "<why>"`,
    );
  }
  lines.push('', 'containment:');
  for (const line of response.containment) {
    lines.push(
      `  ${line.status.padEnd(9)} ${line.action} ${line.target}${line.note ? ` (${line.note})` : ''}`,
    );
  }
  if (response.verification) lines.push(`  verification: ${response.verification.detail}`);
  const failed = response.findings.filter((f) => f.status === 'failed');
  lines.push(
    '',
    `findings: ${failed.length} failed, ${response.findings.length - failed.length} held or undetermined`,
  );
  for (const finding of failed)
    lines.push(`  ${finding.ownerTeam.padEnd(28)} ${finding.controlId}`);
  lines.push('', 'tickets:');
  if (response.tickets.length === 0) lines.push('  none (no owner had a failed control)');
  for (const ticket of response.tickets) {
    const where =
      ticket.status === 'failed'
        ? `failed: ${ticket.reason}`
        : `${ticket.system} ${ticket.ticketId}`;
    lines.push(`  ${ticket.status.padEnd(9)} ${ticket.ownerTeam}: ${where}`);
  }
  lines.push(
    '',
    `ledger: ${response.ledger.records} records in the incident chain, head ${response.ledger.head}`,
  );
  return lines.join('\n');
}

function parseOptions(args: string[]): {
  file: string;
  json: boolean;
  dryRun: boolean;
  stateDir?: string;
} {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) throw new UsageError(`missing <file|->\n${USAGE}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'\n${USAGE}`);
  return {
    file,
    json: parsed.values.json,
    dryRun: parsed.values['dry-run'],
    ...(parsed.values['state-dir'] ? { stateDir: parsed.values['state-dir'] } : {}),
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      'state-dir': { type: 'string' },
    },
  });
}
