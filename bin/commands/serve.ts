import { parseArgs } from 'node:util';
import { stderrLog } from '../../shared/adapters/logging.ts';
import { startLocalRuntime } from '../../shared/local/runtime.ts';
import { startLocalServer } from '../../shared/local/server.ts';
import { type CliIo, EXIT, stateDirOf, UsageError } from '../io.ts';
import { serveBanner } from './serve-banner.ts';

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
  io.out(serveBanner(server, runtime, options.dryRun));
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
