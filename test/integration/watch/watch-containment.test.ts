import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../../shared/domain/detection.ts';
import type { LedgerRecord } from '../../../shared/domain/ledger/record.ts';
import { DEFAULT_WATCH_POLICY, type WatchPolicy } from '../../../shared/domain/watch.ts';
import { type LocalRuntime, startLocalRuntime } from '../../../shared/local/runtime.ts';
import type { ResponderEvent } from '../../../shared/ports/events.ts';
import { silentLog } from '../../../shared/ports/log.ts';
import { normalizeEvent } from '../../../shared/sources/normalize.ts';
import { watchContainment } from '../../../shared/use-cases/watch-containment.ts';

/**
 * Watch after containment, locally: the simulated tenant, DynamoDB Local, the real Entra
 * adapter. "Another admin" undoes containment directly on the simulated directory.
 */

const MARIA = '1b688927-349c-4622-845d-03aefbc01f62';
const GLOBAL_ADMIN = '62e90394-69f5-4237-9190-012177145e10';
const HOUR = 3_600_000;

let runtime: LocalRuntime;
let stateDir: string;
let incidentId: string;

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'responder-watch-'));
  const demo = JSON.parse(
    readFileSync('shared/local/simulated-tenant/demo-policy.json', 'utf8'),
  ) as Record<string, unknown>;
  const policyPath = join(stateDir, 'policy.json');
  writeFileSync(policyPath, JSON.stringify({ ...demo, watch: { recontainOnDrift: 'auto' } }));
  runtime = await startLocalRuntime({
    stateDir,
    env: { RESPONDER_POLICY: policyPath },
    log: silentLog,
    unpacedIdentityProtection: true,
  });
  const result = normalizeEvent(
    JSON.parse(readFileSync('examples/aitm-phished-admin.json', 'utf8')),
  );
  if (result.kind !== 'detection') throw new Error('expected a detection');
  const response = await runtime.handle(result);
  expect(response.status).toBe('contained');
  incidentId = response.incidentId;
});

afterAll(async () => {
  await runtime?.close();
  rmSync(stateDir, { recursive: true, force: true });
});

function directory() {
  const tenant = runtime.simulatedTenant;
  if (!tenant) throw new Error('expected the simulated tenant');
  return tenant.directory;
}

async function records(kind: LedgerRecord['kind']): Promise<LedgerRecord[]> {
  const page = await runtime.ledger.query({ incidentId, limit: 1000 });
  return page.records.filter((r) => r.kind === kind);
}

/** The watch at another moment, with a recording bus, on the runtime's ledger and provider. */
async function watchAt(at: Date, watch: Partial<WatchPolicy>) {
  const events: ResponderEvent[] = [];
  const report = await watchContainment({
    incidents: runtime.ledger,
    ledger: runtime.ledger,
    identityProviderFor: (d: Detection) => runtime.identityProviderFor(d),
    policy: { dryRun: false, watch: { ...DEFAULT_WATCH_POLICY, ...watch } },
    events: { publish: async (e) => void events.push(...e) },
    clock: { now: () => at },
    log: silentLog,
    intervalMinutes: 15,
  });
  return { report, events, mine: report.incidents.find((i) => i.incidentId === incidentId) };
}

function drifted(): ResponderEvent['detail'][] {
  return readFileSync(join(stateDir, 'events.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))
    .filter((e) => e['detail-type'] === 'Containment Drifted')
    .map((e) => e.detail);
}

describe('watch after containment', () => {
  it('records nothing while containment holds', async () => {
    const report = await runtime.watch();
    expect(report.incidents.find((i) => i.incidentId === incidentId)?.state).toBe('held');
    expect(await records('containment.drifted')).toEqual([]);
  });

  it('records drift once per check window when another admin re-enables the account and re-assigns a role', async () => {
    const d = directory();
    expect(d.findUser(MARIA)?.accountEnabled).toBe(false);
    expect(d.patchUser(MARIA, { accountEnabled: true }, ['Global Administrator']).status).toBe(204);
    const assigned = d.createRoleAssignment({
      principalId: MARIA,
      roleDefinitionId: GLOBAL_ADMIN,
      directoryScopeId: '/',
    });
    expect(assigned.status).toBe(201);
    const assignmentId = (assigned.body as { id: string }).id;

    // An hour on, only recording: the same window twice records and announces once.
    const windowStart = Math.floor((Date.now() + HOUR) / (15 * 60_000)) * 15 * 60_000;
    const at = new Date(windowStart + 60_000);
    const first = await watchAt(at, { recontainOnDrift: 'never' });
    expect(first.mine?.state).toBe('drifted');
    expect(first.mine?.recorded).toBe(2);
    const drift = await records('containment.drifted');
    expect(drift.map((r) => [r.data.check, r.data.target, r.status]).sort()).toEqual(
      [
        ['accountDisabled', MARIA, 'recordOnly'],
        ['noPrivilegedRole', assignmentId, 'recordOnly'],
      ].sort(),
    );
    expect(first.events).toHaveLength(1);
    expect(first.events[0]?.detailType).toBe('Containment Drifted');

    const second = await watchAt(new Date(at.getTime() + 60_000), { recontainOnDrift: 'never' });
    expect(second.mine?.state).toBe('drifted');
    expect(second.mine?.recorded).toBe(0);
    expect(second.events).toEqual([]);
    expect(await records('containment.drifted')).toHaveLength(2);
    // Recording only: the directory is as the other admin left it.
    expect(d.findUser(MARIA)?.accountEnabled).toBe(true);
  });

  it('contains again when the policy says auto, announces it, and then finds nothing drifted', async () => {
    const report = await runtime.watch();
    const mine = report.incidents.find((i) => i.incidentId === incidentId);
    expect(mine?.state).toBe('drifted');
    expect(mine?.decision).toBe('recontain');
    expect(mine?.recontainment?.every((o) => o.status === 'succeeded')).toBe(true);

    const d = directory();
    expect(d.findUser(MARIA)?.accountEnabled).toBe(false);
    expect(d.activeAssignmentsOf(MARIA)).toEqual([]);

    const again = (await records('containment.action')).filter((r) =>
      r.stepKey.startsWith('recontainment:'),
    );
    expect(again.map((r) => r.data.action).sort()).toEqual(['disableAccount', 'isolatePrivilege']);
    const [event] = drifted();
    expect(event).toMatchObject({
      incidentId,
      subject: { id: MARIA },
      recontainment: { decision: 'recontain', actions: ['isolatePrivilege', 'disableAccount'] },
      commands: { release: expect.stringContaining(`responder release ${incidentId}`) },
    });

    const after = await runtime.watch();
    expect(after.incidents.find((i) => i.incidentId === incidentId)?.state).toBe('held');
  });

  it('no longer checks an incident once the watch period is over', async () => {
    directory().patchUser(MARIA, { accountEnabled: true }, ['Global Administrator']);
    const before = (await records('containment.drifted')).length;
    const { mine } = await watchAt(new Date(Date.now() + 25 * HOUR), {});
    expect(mine === undefined || mine.state === 'periodOver').toBe(true);
    expect(await records('containment.drifted')).toHaveLength(before);
    directory().patchUser(MARIA, { accountEnabled: false }, ['Global Administrator']);
  });
});
