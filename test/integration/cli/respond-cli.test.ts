import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli.ts';
import { captureIo } from '../../support/cli-io.ts';

/** `responder respond` and `responder serve` through the CLI entry, on an embedded state folder. */

const stateDir = mkdtempSync(join(tmpdir(), 'responder-cli-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));
const example = (name: string) => resolve(`examples/${name}.json`);

async function responder(args: string[], stdin?: string) {
  const io = captureIo({ cwd: stateDir, ...(stdin !== undefined ? { stdin } : {}) });
  const code = await main([...args, '--state-dir', stateDir], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('responder respond', () => {
  it('prints the contract JSON, and says so when a second run changed nothing', async () => {
    const first = await responder(['respond', example('infostealer-managed-device'), '--json']);
    expect(first.code).toBe(0);
    const result = JSON.parse(first.stdout);
    expect(Object.keys(result).slice(0, 7)).toEqual([
      'detectionId',
      'incidentId',
      'mode',
      'containment',
      'findings',
      'tickets',
      'ledger',
    ]);
    expect(result.mode).toBe('simulated');
    expect(result.replayed).toBe(false);
    for (const ticket of result.tickets) {
      expect(Object.keys(ticket)).toEqual(
        expect.arrayContaining(['ownerRole', 'ownerTeam', 'system', 'ticketId', 'status']),
      );
    }
    expect(result.ledger).toEqual(
      expect.objectContaining({
        records: expect.any(Number),
        head: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    );

    const second = JSON.parse(
      (await responder(['respond', example('infostealer-managed-device'), '--json'])).stdout,
    );
    expect(second.replayed).toBe(true);
    expect(second.incidentId).toBe(result.incidentId);
  });

  it('prints the time to contain of an AWS containment rounded for a person', async () => {
    // The AWS adapter measures with sub-millisecond precision: 13.868750000000546 ms, unrounded.
    const human = await responder([
      'respond',
      resolve('test/fixtures/guardduty/instance-credential-exfiltration-outside-aws.json'),
    ]);
    expect(human.code).toBe(0);
    const line = human.stdout.split('\n').find((l) => l.startsWith('time to contain:'));
    expect(line).toMatch(/^time to contain: \d+(\.\d{1,2})? ms$/);
  });

  it('labels a dry run in the mode and in every containment line', async () => {
    const { code, stdout } = await responder(
      ['respond', '-', '--json', '--dry-run'],
      JSON.stringify({
        ...(
          await import('../../../examples/app-admin-without-step-up.json', {
            with: { type: 'json' },
          })
        ).default,
        detectionId: 'dry-run-check',
      }),
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.mode).toBe('dry-run');
    expect(result.containment.length).toBeGreaterThan(0);
    for (const line of result.containment) expect(line.note).toMatch(/^dryRun/);
  });

  it('exits 2 naming the field on an invalid detection, and contains nothing', async () => {
    const { code, stderr } = await responder(
      ['respond', '-'],
      JSON.stringify({ schemaVersion: '1', detectionId: 'x' }),
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(/severity/);
    expect(stderr).toMatch(/subject/);
  });
});

describe('responder serve', () => {
  it('prints where it listens and a ready-to-run example, then stops cleanly', async () => {
    const io = captureIo({ cwd: stateDir });
    const { serveCommand } = await import('../../../bin/commands/serve.ts');
    const code = await serveCommand(['--port', '0', '--state-dir', stateDir], io, async () => {});
    expect(code).toBe(0);
    expect(io.stdout).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ {2}\(mode: simulated\)/);
    expect(io.stdout).toContain('curl -s -X POST http://127.0.0.1:');
  });
});
