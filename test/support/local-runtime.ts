import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../shared/local/runtime.ts';
import { silentLog } from '../../shared/ports/log.ts';
import { normalizeEvent } from '../../shared/sources/normalize.ts';

/**
 * One local-mode runtime for the whole file (started before the first test, closed and its state
 * directory removed after the last), with the default configuration and no environment.
 */
export function localRuntimeForSuite(prefix: string): {
  runtime: () => LocalRuntime;
  stateDir: () => string;
} {
  let runtime: LocalRuntime | undefined;
  let stateDir: string | undefined;
  beforeAll(async () => {
    stateDir = mkdtempSync(join(tmpdir(), prefix));
    runtime = await startLocalRuntime({ stateDir, env: {}, log: silentLog });
  });
  afterAll(async () => {
    await runtime?.close();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });
  return {
    runtime: () => {
      if (!runtime) throw new Error('the local runtime is not started');
      return runtime;
    },
    stateDir: () => {
      if (!stateDir) throw new Error('the local runtime is not started');
      return stateDir;
    },
  };
}

/** A source event file, normalized: a detection, or the test stops saying what it was. */
export function detectionFile(path: string) {
  const result = normalizeEvent(JSON.parse(readFileSync(path, 'utf8')));
  if (result.kind !== 'detection') throw new Error(`${path} is not a detection: ${result.kind}`);
  return result;
}
