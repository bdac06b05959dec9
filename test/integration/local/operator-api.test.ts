import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../../shared/local/runtime.ts';
import { type LocalServer, startLocalServer } from '../../../shared/local/server.ts';
import { silentLog } from '../../../shared/ports/log.ts';

/**
 * The operator routes of `responder serve` over real HTTP, against the simulated tenant: hold by
 * severity, approve (the action runs once), deny, and expiry closed by the serve timer.
 */

const LARS = '7d2a5e9c-1f48-4b63-8e07-c4a9f3d6b281';

let stateDir: string;
let runtime: LocalRuntime;
let server: LocalServer;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'responder-operator-'));
  // The demo policy, with medium-severity requests expiring after about a second.
  const policy = JSON.parse(readFileSync('shared/local/simulated-tenant/demo-policy.json', 'utf8'));
  const policyPath = join(stateDir, 'policy.json');
  writeFileSync(policyPath, JSON.stringify({ ...policy, approvalExpiryHours: { medium: 0.0003 } }));
  const env = { RESPONDER_POLICY: policyPath, RESPONDER_EXPIRY_SWEEP_SECONDS: '0.2' };
  runtime = await startLocalRuntime({ stateDir, env, log: silentLog });
  server = await startLocalServer(runtime, { port: 0, env, log: silentLog });
});

afterAll(async () => {
  await server?.close();
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

const post = (path: string, body: unknown) =>
  fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-responder-operator': 'analyst@example' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

async function detect(name: string): Promise<{ incidentId: string }> {
  const response = await post('/v1/detections', readFileSync(`examples/${name}.json`, 'utf8'));
  const body = (await response.json()) as { result: { incidentId: string } };
  return body.result;
}

async function incidents(query = '') {
  const response = await fetch(`${server.url}/v1/incidents${query}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('operator API on the local server', () => {
  it('approves a held action once: it runs, is recorded under the caller, and a repeat answers 409', async () => {
    const { incidentId } = await detect('app-admin-without-step-up');
    const listed = await incidents('?status=awaitingApproval');
    expect(listed.body.incidents).toEqual([
      expect.objectContaining({
        incidentId,
        awaiting: expect.objectContaining({ actions: ['disableAccount'] }),
      }),
    ]);
    expect(runtime.simulatedTenant?.directory.findUser(LARS)?.accountEnabled).toBe(true);

    expect((await post(`/v1/incidents/${incidentId}/approve`, { reason: 'no' })).status).toBe(400);
    const bad = await post(`/v1/incidents/${incidentId}/approve`, {
      reason: 'confirmed with his manager',
      actions: ['teleport'],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toContain('actions');

    const approved = await post(`/v1/incidents/${incidentId}/approve`, {
      reason: 'confirmed with his manager',
      actions: ['disableAccount'],
    });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({
      status: 'approved',
      by: 'analyst@example',
      detections: [{ status: 'contained', actions: ['disableAccount'] }],
    });
    expect(runtime.simulatedTenant?.directory.findUser(LARS)?.accountEnabled).toBe(false);

    expect(
      (await post(`/v1/incidents/${incidentId}/approve`, { reason: 'confirmed with his manager' }))
        .status,
    ).toBe(409);
    const disabled = (await runtime.ledger.query({ incidentId })).records.filter(
      (r) =>
        r.kind === 'containment.action' &&
        r.data.action === 'disableAccount' &&
        r.status === 'succeeded',
    );
    expect(disabled).toHaveLength(1);
    expect((await incidents('?status=contained')).body.incidents).toEqual([
      expect.objectContaining({ incidentId }),
    ]);
  });

  it('releases with `reason`, and refuses a deny with actions or an unknown status filter', async () => {
    const { incidentId } = await detect('app-admin-without-step-up');
    const released = await post(`/v1/incidents/${incidentId}/release`, {
      reason: 'false positive: the admin was on a trip',
    });
    expect(released.status).toBe(200);
    const records = (await runtime.ledger.query({ incidentId })).records;
    expect(records.find((r) => r.kind === 'release.requested')?.data).toMatchObject({
      by: 'analyst@example',
      reason: 'false positive: the admin was on a trip',
    });
    expect(
      (
        await post(`/v1/incidents/${incidentId}/deny`, {
          reason: 'not needed now',
          actions: ['disableAccount'],
        })
      ).status,
    ).toBe(400);
    const unknown = await incidents('?status=asleep');
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('status');
  });

  it('expires a request nobody decided: the serve timer records and announces it', async () => {
    const { incidentId } = await detect('fully-controlled-tenant');
    let status: unknown;
    for (let attempt = 0; attempt < 50 && status !== 'expired'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const records = (await runtime.ledger.query({ incidentId })).records;
      status = records.some((r) => r.kind === 'approval.expired') ? 'expired' : 'waiting';
    }
    expect(status).toBe('expired');
    const events = readFileSync(join(stateDir, 'events.ndjson'), 'utf8');
    expect(events).toContain('"detail-type":"Approval Expired"');
    const late = await post(`/v1/incidents/${incidentId}/approve`, {
      reason: 'sorry, I was at lunch',
    });
    expect(late.status).toBe(409);
  });

  it('denies a held request: closed, recorded, nothing run', async () => {
    const detection = JSON.parse(readFileSync('examples/app-admin-without-step-up.json', 'utf8'));
    const response = await post('/v1/detections', { ...detection, detectionId: 'deny-me' });
    const { incidentId } = ((await response.json()) as { result: { incidentId: string } }).result;
    const denied = await post(`/v1/incidents/${incidentId}/deny`, {
      reason: 'false positive: VPN egress',
    });
    expect(denied.status).toBe(200);
    expect(await denied.json()).toMatchObject({ status: 'denied', by: 'analyst@example' });
    expect((await incidents('?status=denied')).body.incidents).toEqual([
      expect.objectContaining({
        incidentId,
        decision: expect.objectContaining({ kind: 'denied' }),
      }),
    ]);
  });
});
