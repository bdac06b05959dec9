import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../../shared/local/runtime.ts';
import { silentLog } from '../../../shared/ports/log.ts';
import { normalizeEvent } from '../../../shared/sources/normalize.ts';

/**
 * Issue 15: the guards before the revoke (idempotency claim, blast-radius claim) cost ONE
 * DynamoDB round trip in all. Structural, not timed: every DynamoDB request is held 40 ms on its
 * way out and logged (start, end); the simulated tenant logs when the revoke arrives. The
 * requests that ended before the revoke arrived are what it waited for: they must all have
 * started before any of them ended (they overlapped: one round trip).
 */

const HOLD_MS = 40;
let runtime: LocalRuntime;
let stateDir: string;
const requests: { command: string; start: number; end: number }[] = [];

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'responder-round-trip-'));
  runtime = await startLocalRuntime({ stateDir, env: {}, log: silentLog });
  runtime.db.client.middlewareStack.add(
    (next, context) => async (args) => {
      const start = Date.now();
      await sleep(HOLD_MS);
      try {
        return await next(args);
      } finally {
        requests.push({ command: String(context.commandName), start, end: Date.now() });
      }
    },
    { step: 'initialize', name: 'roundTripLog' },
  );
});

afterAll(async () => {
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('the guards before the revoke', () => {
  it('cost one DynamoDB round trip: the idempotency and blast-radius claims overlap', async () => {
    const normalized = normalizeEvent(
      JSON.parse(readFileSync('examples/aitm-phished-admin.json', 'utf8')),
    );
    if (normalized.kind !== 'detection') throw new Error('example is not a detection');
    const tenant = runtime.simulatedTenant;
    if (!tenant) throw new Error('the simulated tenant is not running');
    tenant.clearRequests();
    requests.length = 0;

    const response = await runtime.handle(normalized);
    expect(response.status).toBe('contained');

    const revoke = tenant
      .requests()
      .find((r) => r.method === 'POST' && r.path.endsWith('/revokeSignInSessions'));
    if (!revoke) throw new Error('no revoke reached the tenant');
    const arrived = Date.parse(revoke.at);
    const before = requests.filter((r) => r.end <= arrived);
    const firstEnd = Math.min(...before.map((r) => r.end));
    expect(before.map((r) => r.command).sort()).toEqual(['PutItemCommand', 'UpdateItemCommand']);
    expect(before.every((r) => r.start < firstEnd)).toBe(true);
  });
});
