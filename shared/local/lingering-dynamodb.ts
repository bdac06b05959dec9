import { spawn } from 'node:child_process';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type EmbeddedDynamoDb,
  EmbeddedDynamoDbError,
  ensureTable,
  isAlive,
  joinRunning,
  LOCAL_LEDGER_TABLE,
} from './embedded-dynamodb.ts';

/** Commands touch this file; the keeper stops DynamoDB Local when it is older than its idle time. */
export const LAST_USED_FILE = 'last-used';
const KEEPER_FILE = 'keeper.pid';
const KEEPER_SCRIPT = join(import.meta.dirname, 'dynamodb-keeper.ts');

/** Default idle period of a DynamoDB Local a CLI command leaves running. */
const DEFAULT_IDLE_SECONDS = 300;

/** `RESPONDER_DB_IDLE_SECONDS` (0 turns lingering off), else the default. */
export function idleSecondsFrom(env: NodeJS.ProcessEnv): number {
  const text = env.RESPONDER_DB_IDLE_SECONDS ?? process.env.RESPONDER_DB_IDLE_SECONDS;
  if (text === undefined || text === '') return DEFAULT_IDLE_SECONDS;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 86_400) {
    throw new EmbeddedDynamoDbError(
      `RESPONDER_DB_IDLE_SECONDS must be a whole number of seconds from 0 to 86400, not ${text}`,
    );
  }
  return value;
}

/**
 * Joins the DynamoDB Local already running on the folder (a keeper or a `serve`), or starts a
 * detached keeper that runs it until `idleSeconds` pass without a command, and joins that.
 */
export async function startLingering(
  dataDir: string,
  idleSeconds: number,
  announce: (message: string) => void = () => {},
): Promise<EmbeddedDynamoDb> {
  await mkdir(dataDir, { recursive: true });
  await touch(dataDir);
  let db = await joinRunning(dataDir);
  if (!db) {
    const keeper = spawn(
      process.execPath,
      [...process.execArgv, KEEPER_SCRIPT, dataDir, String(idleSeconds)],
      { detached: true, stdio: 'ignore' },
    );
    keeper.unref();
    if (keeper.pid === undefined) throw new EmbeddedDynamoDbError('could not start DynamoDB Local');
    await writeFile(join(dataDir, KEEPER_FILE), String(keeper.pid));
    announce(
      `DynamoDB Local stays up for ${idleSeconds} s after the last command so the next one answers quickly; \`responder stop\` ends it (RESPONDER_DB_IDLE_SECONDS=0: never)`,
    );
    const deadline = Date.now() + 90_000;
    while (!db) {
      if (!isAlive(keeper.pid)) {
        throw new EmbeddedDynamoDbError(
          'DynamoDB Local did not start (needs Java 17+); set RESPONDER_DB_IDLE_SECONDS=0 to see why',
        );
      }
      if (Date.now() > deadline) throw new EmbeddedDynamoDbError('DynamoDB Local did not answer');
      await new Promise((resolve) => setTimeout(resolve, 150));
      db = await joinRunning(dataDir);
    }
  }
  const joined = db;
  await ensureTable(joined.client, LOCAL_LEDGER_TABLE).catch(async (error) => {
    await joined.close();
    throw error;
  });
  return {
    ...joined,
    close: async () => {
      await touch(dataDir);
      await joined.close();
    },
  };
}

/**
 * `responder stop`: ends the keeper this folder's commands started (never a `serve`, which
 * the person who started it stops). Returns whether one was running.
 */
export async function stopLingering(dataDir: string): Promise<boolean> {
  const path = join(dataDir, KEEPER_FILE);
  const pid = Number(await readFile(path, 'utf8').catch(() => ''));
  await rm(path, { force: true });
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return false;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && isAlive(pid); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

async function touch(dataDir: string): Promise<void> {
  const path = join(dataDir, LAST_USED_FILE);
  const now = new Date();
  await utimes(path, now, now).catch(() => writeFile(path, ''));
}
