import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
  cwd: process.cwd(),
};

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

/** A usage or input problem: printed on stderr, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Reads `<file|->` as JSON, with errors that say which file and why. */
export async function readJsonArgument(path: string | undefined, io: CliIo): Promise<unknown> {
  if (!path) throw new UsageError('missing <file|->: give a detection file, or - for stdin');
  let text: string;
  try {
    text = path === '-' ? await io.readStdin() : await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      {
        cause: error,
      },
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `${path === '-' ? 'stdin' : path} is not valid JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** The local state folder: `--state-dir`, else $RESPONDER_STATE_DIR, else `.responder`. */
export function stateDirOf(option: string | undefined, io: CliIo): string {
  return resolve(io.cwd, option ?? (io.env.RESPONDER_STATE_DIR || '.responder'));
}
