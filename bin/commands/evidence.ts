import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type EvidenceBundle, parseEvidenceBundle } from '../../shared/domain/evidence/bundle.ts';
import {
  type BundleVerification,
  verifyEvidenceBundle,
} from '../../shared/domain/evidence/verify-bundle.ts';
import { localAnchoring } from '../../shared/local/checkpoint-anchoring.ts';
import { openLocalLedger } from '../../shared/local/embedded-dynamodb.ts';
import { idleSecondsFrom } from '../../shared/local/lingering-dynamodb.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { exportEvidence } from '../../shared/use-cases/export-evidence.ts';
import { type CliIo, EXIT, stateDirOf, UsageError } from '../io.ts';
import { auditorApiFrom } from './auditor-api.ts';

const USAGE = `usage:
  responder evidence export <incidentId> --out <file> [--api URL] [--state-dir DIR]
  responder evidence verify <file> [--public-key <pem file>] [--json]
export writes one self-contained JSON bundle; verify checks it offline (no network, no database):
exit 0 intact, 1 naming the first thing that does not hold, 2 not a bundle.`;

/** `responder evidence export|verify`: per-incident evidence an auditor can check offline. */
export async function evidenceCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(USAGE);
    return sub === undefined ? EXIT.badInput : EXIT.ok;
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rest);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  const { values, positionals } = parsed;
  if (sub === 'export') return exportCommand(positionals, values, io);
  if (sub === 'verify') return verifyCommand(positionals, values, io);
  throw new UsageError(`unknown subcommand '${sub}'\n${USAGE}`);
}

function parse(args: string[]) {
  return parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      api: { type: 'string' },
      'state-dir': { type: 'string' },
      'public-key': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
}

type Values = ReturnType<typeof parse>['values'];

async function exportCommand(positionals: string[], values: Values, io: CliIo): Promise<number> {
  const [incidentId, extra] = positionals;
  if (!incidentId || extra !== undefined) throw new UsageError(`give one <incidentId>\n${USAGE}`);
  if (!values.out) throw new UsageError(`--out <file> is required\n${USAGE}`);
  const out = resolve(io.cwd, values.out);
  let bundle: EvidenceBundle;
  if (values.api) {
    const api = auditorApiFrom(values.api, io.env);
    bundle = await api.getJson<EvidenceBundle>(
      `v1/incidents/${encodeURIComponent(incidentId)}/evidence`,
    );
  } else {
    const stateDir = stateDirOf(values['state-dir'], io);
    const ledger = await openLocalLedger(stateDir, undefined, {
      idleSeconds: idleSecondsFrom(io.env),
      announce: (message) => io.err(message),
    });
    try {
      bundle = await exportEvidence(incidentId, {
        chains: ledger.store,
        anchors: localAnchoring(stateDir).anchors,
        clock: systemClock,
      });
    } finally {
      await ledger.close();
    }
  }
  await writeFile(out, `${JSON.stringify(bundle, null, 2)}\n`);
  io.out(
    `wrote ${out}: incident ${incidentId}, ${bundle.records.length} record(s), records 1..${bundle.chainProof.anchoredSeq} under signed checkpoint ${bundle.anchor.checkpoint.seq} (key ${bundle.publicKey.fingerprint})`,
  );
  return EXIT.ok;
}

async function verifyCommand(positionals: string[], values: Values, io: CliIo): Promise<number> {
  const [file, extra] = positionals;
  if (!file || extra !== undefined) throw new UsageError(`give one <file>\n${USAGE}`);
  const text = await readOrUsage(resolve(io.cwd, file), 'bundle');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    io.err(`${file} is not an evidence bundle: not JSON`);
    return EXIT.badInput;
  }
  const parsed = parseEvidenceBundle(value);
  if (!parsed.ok) {
    io.err(`${file} is not an evidence bundle: ${parsed.problem}`);
    return EXIT.badInput;
  }
  const pinned = values['public-key']
    ? await readOrUsage(resolve(io.cwd, values['public-key']), 'public key')
    : undefined;
  const result = verifyEvidenceBundle(parsed.bundle, pinned);
  io.out(values.json ? JSON.stringify(result, null, 2) : describe(result));
  return result.intact ? EXIT.ok : EXIT.failed;
}

async function readOrUsage(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { cause: error },
    );
  }
}

function describe(result: BundleVerification): string {
  if (result.firstProblem) {
    return `evidence NOT intact: ${result.firstProblem.problem}: ${result.firstProblem.detail}`;
  }
  const lines = [
    `evidence intact: incident ${result.incidentId}`,
    `  ${result.records} record(s) chained from record 1; records 1..${result.anchoredSeq} attested by checkpoint ${result.checkpointSeq}, signed ${result.signedAt}`,
    `  signing key ${result.keyId}, fingerprint ${result.keyFingerprint}${result.keyPinned ? ' (the pinned key)' : ' (NOT pinned: pass --public-key with the key you trust)'}`,
  ];
  if (result.recordsAfterAnchor > 0) {
    lines.push(
      `  ${result.recordsAfterAnchor} record(s) after the signed head: chained, not yet under a signature`,
    );
  }
  return lines.join('\n');
}
