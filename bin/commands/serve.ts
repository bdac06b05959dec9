import { parseArgs } from 'node:util';
import { stderrLog } from '../../shared/adapters/logging.ts';
import { startLocalRuntime } from '../../shared/local/runtime.ts';
import { startLocalServer } from '../../shared/local/server.ts';
import { type CliIo, EXIT, stateDirOf, UsageError } from '../io.ts';

const USAGE = 'usage: responder serve [--port N] [--state-dir DIR] [--dry-run]';
const DEFAULT_PORT = 8787;

/**
 * `responder serve`: the local HTTP API (same routes and payloads as the deployed one) on an
 * embedded DynamoDB Local, the simulated tenant (or a real one with Graph credentials) and file
 * tickets. Runs until interrupted.
 */
export async function serveCommand(args: string[], io: CliIo, stop = untilSignal): Promise<number> {
  const options = parseOptions(args, io);
  const log = stderrLog(io.env.RESPONDER_LOG_LEVEL === 'debug' ? 'debug' : 'info');
  const runtime = await startLocalRuntime({
    stateDir: options.stateDir,
    env: io.env,
    dryRun: options.dryRun,
    log,
  });
  const server = await startLocalServer(runtime, { port: options.port, env: io.env, log });
  io.out(
    [
      `revocation-responder listening on ${server.url}  (mode: ${options.dryRun ? 'dry-run' : runtime.mode})`,
      runtime.mode === 'simulated'
        ? '  identity provider: simulated Entra tenant (Halvorsen Freight demo seed): no real identity is touched'
        : '  identity provider: live Entra tenant from ENTRA_* credentials',
      `  state folder:      ${runtime.stateDir} (ledger in DynamoDB Local, tickets/, events.ndjson)`,
      '',
      'try it:',
      `  curl -s -X POST ${server.url}/v1/detections -H 'content-type: application/json' --data @examples/aitm-phished-admin.json`,
      `  curl -s '${server.url}/v1/ledger/records?ownerTeam=Identity%20Platform'`,
      '  npx responder ledger verify',
      '',
      'routes: POST /v1/detections, POST /v1/ssf/events, GET /v1/ledger/{records,incidents/{id},summary,verify},',
      '        POST /v1/incidents/{id}/{approve,deny,release}, GET /v1/incidents, GET /healthz.  Ctrl-C stops.',
    ].join('\n'),
  );
  await stop();
  await server.close();
  await runtime.close();
  return EXIT.ok;
}

function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

function parseOptions(
  args: string[],
  io: CliIo,
): { port: number; stateDir: string; dryRun: boolean } {
  let values: { port?: string; 'state-dir'?: string; 'dry-run'?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        'state-dir': { type: 'string' },
        'dry-run': { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  const port = Number(values.port ?? io.env.RESPONDER_PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port must be 0-65535\n${USAGE}`);
  return {
    port,
    stateDir: stateDirOf(values['state-dir'], io),
    dryRun: values['dry-run'] ?? false,
  };
}
