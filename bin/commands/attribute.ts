import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultOwnershipMap, loadOwnershipMap } from '../../shared/config/load-ownership.ts';
import type { AttributionReport } from '../../shared/domain/accountability.ts';
import { attribute } from '../../shared/domain/attribution.ts';
import { CONTROL_CATALOG } from '../../shared/domain/controls/catalog.ts';
import type { Detection } from '../../shared/domain/detection.ts';
import { ConfigError } from '../../shared/domain/errors.ts';
import type { OwnershipMap } from '../../shared/domain/ownership.ts';
import { type CliIo, EXIT, readJsonArgument, UsageError } from '../io.ts';
import { detectionFrom } from './read-detection.ts';

const USAGE = 'usage: responder attribute <file|-> [--json] [--ownership <map.json>]';

/**
 * `responder attribute <file|-> [--json]`: reads one detection and prints which controls failed,
 * held or are undetermined, and who owns each. Pure: no network, no tickets, no ledger.
 */
export async function attributeCommand(args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(args);
  const input = await readJsonArgument(
    options.file === '-' ? '-' : resolve(io.cwd, options.file),
    io,
  );
  const { detection } = detectionFrom(input);
  const ownership = options.ownership
    ? loadOwnership(resolve(io.cwd, options.ownership))
    : defaultOwnershipMap;
  const report = attribute(detection, CONTROL_CATALOG, ownership);
  io.out(options.json ? JSON.stringify(report, null, 2) : renderTable(report, detection));
  return EXIT.ok;
}

function parseOptions(args: string[]): { file: string; json: boolean; ownership?: string } {
  let parsed: ReturnType<typeof parseArgsFor>;
  try {
    parsed = parseArgsFor(args);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  const [file, ...extra] = parsed.positionals;
  if (file === undefined) {
    throw new UsageError(`missing <file|->: give a detection file, or - for stdin\n${USAGE}`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'\n${USAGE}`);
  return { file, json: parsed.values.json, ownership: parsed.values.ownership };
}

function parseArgsFor(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      json: { type: 'boolean', default: false },
      ownership: { type: 'string' },
    },
  });
}

/**
 * The one place a CLI input becomes a Detection. Native events only for now; other source
 * formats get routed through their normalizers here.
 */
function loadOwnership(path: string): OwnershipMap {
  try {
    return loadOwnershipMap(path);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

function renderTable(report: AttributionReport, detection: Detection): string {
  const header = ['OWNER', 'CONTROL', 'STATUS', 'REASON'];
  const rows = report.findings.map((f) => [
    `${f.ownerRole}: ${f.ownerTeam}`,
    f.controlId,
    f.status,
    f.reason,
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column < cells.length - 1 ? cell.padEnd(widths[column] ?? 0) : cell))
      .join('  ');
  const count = (status: string) => report.findings.filter((f) => f.status === status).length;
  const subject = detection.subject.userPrincipalName ?? detection.subject.id;
  const partner = detection.tenant.partner ? `, partner ${detection.tenant.partner.name}` : '';
  return [
    `detection ${report.detectionId}: ${detection.subject.type} ${subject} in ${detection.tenant.provider} tenant ${detection.tenant.tenantId}${partner}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    `${count('failed')} failed, ${count('held')} held, ${count('undetermined')} undetermined of ${report.findings.length} controls.`,
    'Attribution only: nothing was contained, ticketed or recorded.',
  ].join('\n');
}
