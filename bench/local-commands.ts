import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/fixtures.ts';
import { median } from './lib/stats.ts';

/**
 * How long a local CLI command takes, as a person types it: the first `responder ledger verify`
 * on a state folder (starts DynamoDB Local and leaves it up for the idle period) and the ones
 * right after it (join it), each a new Node process, wall clock including Node's start.
 * Alone: `node bench/local-commands.ts` prints the figures as JSON.
 */
export async function measureLocalCommands(options: { reps: number }) {
  const stateDir = await mkdtemp(join(tmpdir(), 'bench-local-'));
  const env = { ...process.env, RESPONDER_DB_IDLE_SECONDS: '120' };
  try {
    const first = await timedCommand(['ledger', 'verify', '--state-dir', stateDir], env);
    const seconds: number[] = [];
    for (let i = 0; i < options.reps; i++) {
      seconds.push(await timedCommand(['ledger', 'verify', '--state-dir', stateDir], env));
    }
    return {
      localFirstCommandMs: Math.round(first),
      localSecondCommandMs: Math.round(median(seconds)),
      repetitions: options.reps,
      measured:
        'wall clock of `responder ledger verify` as a new Node process on an empty state folder: the first starts DynamoDB Local (left up for the idle period), the later ones join it (median)',
    };
  } finally {
    await timedCommand(['stop', '--state-dir', stateDir], env);
    await rm(stateDir, { recursive: true, force: true });
  }
}

function timedCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [join(ROOT, 'bin/responder.js'), ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(performance.now() - started);
      else reject(new Error(`responder ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

if (import.meta.main) {
  process.stdout.write(`${JSON.stringify(await measureLocalCommands({ reps: 5 }), null, 2)}\n`);
}
