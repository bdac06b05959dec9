import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli.ts';
import type { LedgerEntry } from '../../../shared/domain/ledger/record.ts';
import { LOCAL_LEDGER_TABLE, openLocalLedger } from '../../../shared/local/embedded-dynamodb.ts';
import { captureIo as capture } from '../../support/cli-io.ts';

/**
 * The CLI on the embedded database of local mode: its own DynamoDB Local with its data in the
 * state folder (not the shared in-memory one), so persistence between runs is real.
 */
let stateDir: string;

const entries: LedgerEntry[] = [
  { kind: 'detection.received', stepKey: 'detection', subjectId: 'user-1', data: { id: 'd-1' } },
  {
    kind: 'finding',
    stepKey: 'finding:iam.token-binding',
    subjectId: 'user-1',
    ownerRole: 'iam',
    ownerTeam: 'identity',
    controlId: 'iam.token-binding',
    status: 'failed',
    data: { reason: 'token not bound' },
  },
  {
    // A value an attacker could plant (e.g. through a ticket system) to run in a spreadsheet.
    kind: 'ticket.failed',
    stepKey: 'ticket:iam',
    ownerRole: 'iam',
    ownerTeam: 'identity',
    ticketId: '=HYPERLINK("http://example.invalid","open")',
    data: {},
  },
];

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'responder-ledger-cli-'));
  // A first "run" writes to the ledger and stops; the CLI runs after it must find the records.
  const ledger = await openLocalLedger(join(stateDir, '.responder'));
  await ledger.store.append('inc-cli', entries);
  await ledger.close();
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('responder ledger on the embedded database', { timeout: 120_000 }, () => {
  it('queries by owner team as one JSON array, from data persisted by an earlier run', async () => {
    const io = capture({ cwd: stateDir });
    const code = await main(
      ['ledger', 'query', '--owner-team', 'identity', '--format', 'json'],
      io,
    );
    expect(io.stderr).toBe('');
    expect(code).toBe(0);
    const records = JSON.parse(io.stdout);
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      incidentId: 'inc-cli',
      seq: 2,
      controlId: 'iam.token-binding',
      ownerTeam: 'identity',
    });
  });

  it('exports CSV that a spreadsheet will not execute', async () => {
    const io = capture({ cwd: stateDir });
    const code = await main(['ledger', 'query', '--incident', 'inc-cli', '--format', 'csv'], io);
    expect(code).toBe(0);
    const lines = io.stdout.split('\r\n');
    expect(lines[0]).toMatch(/^recordedAt,incidentId,seq,kind,/);
    expect(lines).toHaveLength(5); // header, three records, trailing empty
    expect(lines[3]).toContain(',"\'=HYPERLINK(""http://example.invalid"",""open"")",');
  });

  it('verifies (exit 0), then names the first broken record after tampering (exit 1)', async () => {
    const checkpoint = capture({ cwd: stateDir });
    expect(await main(['ledger', 'checkpoint', '--state-dir', '.responder'], checkpoint)).toBe(0);
    expect(checkpoint.stdout).toMatch(/checkpoint 1 attests 1 incident head/);

    const intact = capture({ cwd: stateDir });
    expect(await main(['ledger', 'verify', '--state-dir', '.responder'], intact)).toBe(0);
    expect(intact.stdout).toMatch(/ledger intact: 1 incident\(s\), 3 record\(s\), 1 checkpoint/);

    // While this process holds the database, the CLI joins it instead of starting a second JVM.
    const ledger = await openLocalLedger(join(stateDir, '.responder'));
    try {
      await ledger.db.client.send(
        new UpdateItemCommand({
          TableName: LOCAL_LEDGER_TABLE,
          Key: { pk: { S: 'INC#inc-cli' }, sk: { S: 'REC#0000000001' } },
          UpdateExpression: 'SET subjectId = :s',
          ExpressionAttributeValues: { ':s': { S: 'someone-else' } },
        }),
      );
      const broken = capture({ cwd: stateDir });
      const env = { RESPONDER_STATE_DIR: join(stateDir, '.responder') };
      expect(await main(['ledger', 'verify'], { ...broken, env })).toBe(1);
      expect(broken.stdout).toMatch(
        /first broken record: incident inc-cli record 1 \(detection\): changed/,
      );
    } finally {
      await ledger.close();
    }
  });

  it('runs as the real `responder` binary and exits 1 on the broken ledger', async () => {
    const run = promisify(execFile);
    const failure = await run(
      process.execPath,
      [
        join(import.meta.dirname, '../../../bin/responder.js'),
        'ledger',
        'verify',
        '--format',
        'json',
      ],
      { cwd: stateDir, env: { ...process.env, RESPONDER_STATE_DIR: '' } },
    ).catch((error: { code: number; stdout: string }) => error);
    expect('code' in failure && failure.code).toBe(1);
    expect(JSON.parse(failure.stdout)).toMatchObject({
      intact: false,
      firstBroken: { incidentId: 'inc-cli', seq: 1, problem: 'changed' },
    });
  });

  it('rejects bad flags naming them, before starting anything', async () => {
    const role = capture({ cwd: stateDir });
    expect(await main(['ledger', 'query', '--owner-role', 'auditor'], role)).toBe(2);
    expect(role.stderr).toMatch(/--owner-role: .*"iam"/);
    const range = capture({ cwd: stateDir });
    expect(
      await main(
        ['ledger', 'query', '--owner-team', 't', '--since', '2026-05-01', '--until', '2026-04-01'],
        range,
      ),
    ).toBe(2);
    expect(range.stderr).toMatch(/--since: since must be before until/);
    const format = capture({ cwd: stateDir });
    expect(await main(['ledger', 'query', '--incident', 'i', '--format', 'xml'], format)).toBe(2);
    expect(format.stderr).toMatch(/--format must be one of table, json, csv/);
    const misplaced = capture({ cwd: stateDir });
    expect(await main(['ledger', 'verify', '--owner-team', 't'], misplaced)).toBe(2);
  });
});
