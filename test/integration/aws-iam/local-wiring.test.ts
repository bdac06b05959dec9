import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../shared/domain/errors.ts';
import { startLocalRuntime } from '../../../shared/local/runtime.ts';
import { silentLog } from '../../../shared/ports/log.ts';

/** Local mode's AWS switch is checked before anything starts: a typo never falls back silently. */

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'responder-aws-wiring-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('local mode: RESPONDER_AWS_CONTAINMENT', () => {
  it('refuses a value other than live or simulated, starting nothing', async () => {
    const started = startLocalRuntime({
      stateDir,
      env: { RESPONDER_AWS_CONTAINMENT: 'on' },
      log: silentLog,
    });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(/RESPONDER_AWS_CONTAINMENT must be live or simulated/);
    expect(await readdir(stateDir)).toEqual([]);
  });

  it('refuses live containment without the account the credentials act in', async () => {
    const started = startLocalRuntime({
      stateDir,
      env: { RESPONDER_AWS_CONTAINMENT: 'live', RESPONDER_ACCOUNT_ID: '4182' },
      log: silentLog,
    });
    await expect(started).rejects.toThrow(/needs RESPONDER_ACCOUNT_ID/);
    expect(await readdir(stateDir)).toEqual([]);
  });
});
