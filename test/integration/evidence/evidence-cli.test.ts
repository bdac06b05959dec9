import { chmod, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../bin/cli.ts';
import { createEvidenceApi } from '../../../shared/adapters/http/evidence-api.ts';
import { localAnchoring } from '../../../shared/local/checkpoint-anchoring.ts';
import { openLocalLedger } from '../../../shared/local/embedded-dynamodb.ts';
import { captureIo } from '../../support/cli-io.ts';

/**
 * Evidence end to end on local mode's real parts: respond (DynamoDB Local, simulated tenant,
 * file tickets), the signed local anchors, export, offline verify, the report and the API.
 */
let stateDir: string;
let incidentId: string;
// Held open for the whole file: every command joins this DynamoDB Local instead of starting one.
let shared: Awaited<ReturnType<typeof openLocalLedger>>;

async function responder(args: string[], withState = true) {
  const io = captureIo({ cwd: stateDir });
  const code = await main(withState ? [...args, '--state-dir', stateDir] : args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'responder-evidence-'));
  shared = await openLocalLedger(stateDir);
  const run = await responder(['respond', resolve('examples/aitm-phished-admin.json'), '--json']);
  expect(run.code).toBe(0);
  incidentId = JSON.parse(run.stdout).incidentId;
}, 120_000);

afterAll(async () => {
  await shared?.close();
  await rm(stateDir, { recursive: true, force: true });
});

describe('responder evidence', () => {
  it('exports a bundle that verifies offline against the local public key, and names each tampering', async () => {
    const out = join(stateDir, 'bundle.json');
    const exported = await responder(['evidence', 'export', incidentId, '--out', out]);
    expect(exported.code).toBe(0);
    const pub = join(stateDir, 'checkpoint-signing-key.pub.pem');
    const intact = await responder(['evidence', 'verify', out, '--public-key', pub], false);
    expect(intact.code).toBe(0);
    expect(intact.stdout).toMatch(/^evidence intact: incident inc-/);
    expect(intact.stdout).toContain('(the pinned key)');

    const bundle = JSON.parse(await readFile(out, 'utf8'));
    bundle.records[0].data.receivedAt = '2020-01-01T00:00:00.000Z';
    const tampered = join(stateDir, 'tampered.json');
    await writeFile(tampered, JSON.stringify(bundle));
    const broken = await responder(['evidence', 'verify', tampered, '--public-key', pub], false);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^evidence NOT intact: changed record: record 1 \(detection\)/);

    await writeFile(tampered, JSON.stringify({ records: [] }));
    const notBundle = await responder(['evidence', 'verify', tampered], false);
    expect(notBundle.code).toBe(2);
    expect(notBundle.stderr).toContain('is not an evidence bundle');
  });

  it('says why it cannot export an incident the ledger does not have', async () => {
    const missing = await responder([
      'evidence',
      'export',
      'inc-000000000000000000000000',
      '--out',
      join(stateDir, 'x.json'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no incident inc-000000000000000000000000');
  });
});

describe('GET /v1/incidents/{incidentId}/evidence', () => {
  it('serves the bundle export writes, and 404 for an unknown incident', async () => {
    {
      const api = createEvidenceApi({
        reader: shared.store,
        chains: shared.store,
        anchors: localAnchoring(stateDir).anchors,
        cadence: 'test',
      });
      const ok = await api({
        method: 'GET',
        path: `/v1/incidents/${incidentId}/evidence`,
        query: {},
      });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toMatchObject({
        bundleType: 'revocation-responder/evidence-bundle',
        incidentId,
      });
      const missing = await api({
        method: 'GET',
        path: '/v1/incidents/inc-none/evidence',
        query: {},
      });
      expect(missing.status).toBe(404);
    }
  });
});

describe('ledger verify with signed anchors', () => {
  it('reports the newest anchored head and the cadence, and catches an anchor that no longer holds', async () => {
    const verified = await responder(['ledger', 'verify']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/newest anchored head: checkpoint \d+ [0-9a-f]{64}/);
    expect(verified.stdout).toContain('checkpoint cadence: after every local run');

    const folder = join(stateDir, 'anchors');
    const [first] = (await readdir(folder)).sort();
    const path = join(folder, first as string);
    const anchored = JSON.parse(await readFile(path, 'utf8'));
    anchored.checkpoint.cutoff = '2020-01-01T00:00:00.000Z';
    await chmod(path, 0o644);
    await writeFile(path, JSON.stringify(anchored));
    const broken = await responder(['ledger', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(
      "anchored checkpoint 1: checkpoint 1's content does not match its hash",
    );
  });
});

describe('responder report', () => {
  it('writes one HTML file whose counts match the ledger', async () => {
    const out = join(stateDir, 'report.html');
    const run = await responder([
      'report',
      '--since',
      '2000-01-01T00:00:00Z',
      '--until',
      '2100-01-01T00:00:00Z',
      '--out',
      out,
    ]);
    expect(run.code).toBe(0);
    const html = await readFile(out, 'utf8');
    expect(/data-field="incidents"><div class="n">(\d+)</.exec(html)?.[1]).toBe('1');
    const ledger = await openLocalLedger(stateDir);
    try {
      const page = await ledger.store.query({ incidentId, limit: 1000 });
      const failed = page.records.filter(
        (r) => r.kind === 'finding' && r.status === 'failed',
      ).length;
      expect(/data-field="failed-controls"><div class="n">(\d+)</.exec(html)?.[1]).toBe(
        String(failed),
      );
    } finally {
      await ledger.close();
    }
  });

  it('refuses a period without --until, naming the flag', async () => {
    const run = await responder(['report', '--since', '2026-01-01T00:00:00Z', '--out', 'r.html']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--until is required');
  });
});
