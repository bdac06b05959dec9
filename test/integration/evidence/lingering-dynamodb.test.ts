import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli.ts';
import { idleSecondsFrom } from '../../../shared/local/lingering-dynamodb.ts';
import { captureIo } from '../../support/cli-io.ts';

let stateDir: string;
const env = { RESPONDER_DB_IDLE_SECONDS: '60' };

async function responder(args: string[]) {
  const io = captureIo({ cwd: stateDir, env });
  const code = await main([...args, '--state-dir', stateDir], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'responder-linger-'));
});
afterAll(async () => {
  await responder(['stop']);
  await rm(stateDir, { recursive: true, force: true });
});

describe('DynamoDB Local left running between commands', () => {
  it('is announced by the first command, joined by the next, and ended by responder stop', async () => {
    const first = await responder(['ledger', 'verify']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('DynamoDB Local stays up for 60 s after the last command');
    const second = await responder(['ledger', 'verify']);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('stays up');
    const stopped = await responder(['stop']);
    expect(stopped.stdout).toMatch(/^stopped DynamoDB Local/);
    expect((await responder(['stop'])).stdout).toMatch(/^no DynamoDB Local left running/);
  }, 120_000);

  it.each([['-1'], ['1.5'], ['a day']])(
    'refuses RESPONDER_DB_IDLE_SECONDS=%s, naming it',
    (value) => {
      expect(() => idleSecondsFrom({ RESPONDER_DB_IDLE_SECONDS: value })).toThrow(
        /RESPONDER_DB_IDLE_SECONDS/,
      );
    },
  );
});
