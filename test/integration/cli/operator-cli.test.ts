import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli.ts';
import { captureIo } from '../../support/cli-io.ts';

/** `responder incidents|approve|deny|release` on an embedded state folder: output and exit codes. */

const stateDir = mkdtempSync(join(tmpdir(), 'responder-operator-cli-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

async function responder(args: string[]) {
  const io = captureIo({ cwd: stateDir, env: { RESPONDER_OPERATOR: 'analyst@example' } });
  const code = await main([...args, '--state-dir', stateDir], io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('responder approve, deny, incidents, release', () => {
  it('approves a held action once, exits 1 on a repeat and 2 on bad input, and lists the states', async () => {
    const held = JSON.parse(
      (await responder(['respond', resolve('examples/app-admin-without-step-up.json'), '--json']))
        .stdout,
    );
    const id: string = held.incidentId;

    const listed = await responder(['incidents', '--status', 'awaitingApproval']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).toContain('awaiting approval: disableAccount');

    const short = await responder(['approve', id, '--reason', 'ok']);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('reason');
    const unknownAction = await responder([
      'approve',
      id,
      '--reason',
      'confirmed by phone',
      '--action',
      'nuke',
    ]);
    expect(unknownAction.code).toBe(2);
    expect(unknownAction.stderr).toContain('actions[0]');
    expect((await responder(['approve', id])).code).toBe(2);

    const approved = await responder(['approve', id, '--reason', 'confirmed by phone', '--json']);
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({
      status: 'approved',
      by: 'analyst@example',
      detections: [{ actions: ['disableAccount'], containment: [{ status: 'succeeded' }] }],
    });
    const again = await responder(['approve', id, '--reason', 'confirmed by phone']);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain('nothingAwaiting');
    expect((await responder(['deny', id, '--reason', 'changed my mind'])).code).toBe(1);

    const contained = JSON.parse(
      (await responder(['incidents', '--status', 'contained', '--json'])).stdout,
    );
    expect(contained.incidents.map((i: { incidentId: string }) => i.incidentId)).toEqual([id]);
    expect((await responder(['incidents', '--since', 'yesterday'])).code).toBe(2);

    const released = await responder(['release', id, '--reason', 'false positive after review']);
    expect(released.code).toBe(0);
    expect(released.stdout).toContain('released');
    expect(
      (await responder(['release', 'inc-000000000000000000000000', '--reason', 'no such incident']))
        .code,
    ).toBe(1);
  }, 240_000);
});
