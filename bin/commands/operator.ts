import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { InvalidInputError } from '../../shared/domain/errors.ts';
import { parseOperatorDecision } from '../../shared/domain/operator-decision.ts';
import { startLocalRuntime } from '../../shared/local/runtime.ts';
import { approve, type DecisionResult } from '../../shared/use-cases/approve.ts';
import { deny } from '../../shared/use-cases/deny.ts';
import { type ReleaseResult, release } from '../../shared/use-cases/release.ts';
import { type CliIo, EXIT, stateDirOf, UsageError } from '../io.ts';

/**
 * The operator's decisions on the local state folder: `responder approve|deny|release
 * <incidentId> --reason TEXT`. Exit 0 done, 1 nothing awaiting (or to restore), 2 bad input.
 */

type Verb = 'approve' | 'deny' | 'release';

const USAGE: Record<Verb, string> = {
  approve:
    'usage: responder approve <incidentId> --reason TEXT [--action A ...] [--subject S ...] [--detection D ...] [--json] [--state-dir DIR]',
  deny: 'usage: responder deny <incidentId> --reason TEXT [--subject S ...] [--detection D ...] [--json] [--state-dir DIR]',
  release: 'usage: responder release <incidentId> --reason TEXT [--json] [--state-dir DIR]',
};

export const approveCommand = (args: string[], io: CliIo) => decide('approve', args, io);
export const denyCommand = (args: string[], io: CliIo) => decide('deny', args, io);
export const releaseCommand = (args: string[], io: CliIo) => decide('release', args, io);

async function decide(verb: Verb, args: string[], io: CliIo): Promise<number> {
  const options = parseOptions(verb, args);
  const decision = parseOperatorDecision({
    reason: options.reason,
    ...(options.actions.length > 0 ? { actions: options.actions } : {}),
    ...(options.subjects.length > 0 ? { subjects: options.subjects } : {}),
    ...(options.detections.length > 0 ? { detections: options.detections } : {}),
  });
  if (!decision.ok) throw new UsageError(`${decision.error.message}\n${USAGE[verb]}`);
  const by = io.env.RESPONDER_OPERATOR || `local:${userInfo().username}`;
  const runtime = await startLocalRuntime({
    stateDir: stateDirOf(options.stateDir, io),
    env: io.env,
  });
  try {
    const request = { ...decision.value, incidentId: options.incidentId, by };
    let result: DecisionResult | ReleaseResult;
    try {
      result =
        verb === 'release'
          ? await release(
              { incidentId: options.incidentId, requestedBy: by, reason: decision.value.reason },
              runtime.operator,
            )
          : await (verb === 'approve' ? approve : deny)(request, runtime.operator);
    } catch (error) {
      if (error instanceof InvalidInputError) throw new UsageError(error.message, { cause: error });
      throw error;
    }
    io.out(
      options.json
        ? JSON.stringify({ mode: runtime.mode, ...result }, null, 2)
        : describe(result, runtime.mode),
    );
    const done =
      result.status === 'approved' || result.status === 'denied' || result.status === 'released';
    return done ? EXIT.ok : EXIT.failed;
  } finally {
    await runtime.close();
  }
}

function describe(result: DecisionResult | ReleaseResult, mode: string): string {
  const lines = [`incident ${result.incidentId}: ${result.status}  (mode: ${mode})`];
  switch (result.status) {
    case 'unknownIncident':
      lines.push('  no such incident in this state folder');
      break;
    case 'nothingAwaiting':
    case 'expired':
    case 'nothingToRestore':
    case 'alreadyReleasing':
    case 'ledgerBroken':
      lines.push(`  ${result.why}`);
      break;
    case 'released':
      for (const o of result.outcomes)
        lines.push(`  ${o.status.padEnd(9)} ${o.action} ${o.target}`);
      for (const n of result.notRestored) lines.push(`  kept      ${n.why}`);
      break;
    default:
      lines.push(`  by ${result.by} at ${result.at}: ${result.reason}`);
      for (const d of result.detections) {
        lines.push(
          `  ${d.incidentId} (detection ${d.detectionId}, subject ${d.subjectId}): ${d.status} ${d.actions.join(', ')}`,
        );
        for (const line of d.containment) {
          lines.push(
            `    ${line.status.padEnd(9)} ${line.action} ${line.target}${line.note ? ` (${line.note})` : ''}`,
          );
        }
      }
      if (result.expired.length > 0) lines.push(`  expired, not run: ${result.expired.join(', ')}`);
      if (result.notStarted.length > 0) {
        lines.push(`  out of time, still awaiting approval: ${result.notStarted.join(', ')}`);
      }
  }
  return lines.join('\n');
}

function parseOptions(verb: Verb, args: string[]) {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE[verb]}`, { cause: error });
  }
  const [incidentId, ...extra] = parsed.positionals;
  if (!incidentId) throw new UsageError(`missing <incidentId>\n${USAGE[verb]}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'\n${USAGE[verb]}`);
  if (parsed.values.reason === undefined) {
    throw new UsageError(`--reason is required\n${USAGE[verb]}`);
  }
  // Only approve takes actions; release acts on the whole incident.
  const unsupported = [
    ...(verb !== 'approve' && parsed.values.action ? ['--action'] : []),
    ...(verb === 'release' && (parsed.values.subject || parsed.values.detection)
      ? ['--subject/--detection']
      : []),
  ];
  if (unsupported.length > 0) {
    throw new UsageError(`${verb} takes no ${unsupported.join(' or ')}\n${USAGE[verb]}`);
  }
  return {
    incidentId,
    reason: parsed.values.reason,
    actions: parsed.values.action ?? [],
    subjects: parsed.values.subject ?? [],
    detections: parsed.values.detection ?? [],
    json: parsed.values.json ?? false,
    ...(parsed.values['state-dir'] ? { stateDir: parsed.values['state-dir'] } : {}),
  };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      reason: { type: 'string' },
      json: { type: 'boolean' },
      'state-dir': { type: 'string' },
      action: { type: 'string', multiple: true },
      subject: { type: 'string', multiple: true },
      detection: { type: 'string', multiple: true },
    },
  });
}
