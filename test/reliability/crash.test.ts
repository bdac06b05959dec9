import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { type Detection, parseDetection } from '../../shared/domain/detection.ts';
import { incidentIdFor } from '../../shared/domain/incident.ts';
import {
  type SimulatedTenant,
  startSimulatedTenant,
} from '../../shared/local/simulated-tenant/tenant.ts';
import { release } from '../../shared/use-cases/release.ts';
import { respond } from '../../shared/use-cases/respond.ts';
import { createTestTable, type TestTable } from '../support/dynamodb-local.ts';
import { type CrashResponderConfig, crashResponderDeps } from './crash-responder.ts';
import { ROOT } from './support.ts';

/**
 * A crash between two role removals loses nothing: the responder process is killed after the
 * first removal was applied and while the second is in flight; the detection is redelivered;
 * the release then puts back every removed role, and the ledger shows each step.
 */

const MARIA = '1b688927-349c-4622-845d-03aefbc01f62';
const PERMANENT_GA = 'lAPpYvVpN0KRkAEhdxReEJ2SvT9WjGJEhR4OuaezoqU-1';
const PIM_EXCHANGE = 'uDmgCp8Zx0yTgTLn2P1Ek0Br8-xO2E5Lhs4ZHb0y-2';
const PIM_REQUESTS = '/roleManagement/directory/roleAssignmentScheduleRequests';

function aitmDetection(): Detection {
  const raw = JSON.parse(readFileSync(join(ROOT, 'examples/aitm-phished-admin.json'), 'utf8'));
  const parsed = parseDetection(raw);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

describe('a responder killed between two role removals', () => {
  let tenant: SimulatedTenant;
  let table: TestTable;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    table = await createTestTable('crash');
    tenant = await startSimulatedTenant({
      seed: join(ROOT, 'shared/local/simulated-tenant/demo-seed.json'),
    });
  });

  afterAll(async () => {
    child?.kill('SIGKILL');
    await tenant?.close();
    await table?.drop();
  });

  it('is finished by the redelivery and fully undone by the release, with every step in the ledger', async () => {
    const detection = aitmDetection();
    const incidentId = incidentIdFor(detection);
    const config: CrashResponderConfig = {
      dynamodbEndpoint: inject('dynamodbEndpoint'),
      tableName: table.tableName,
      graphBaseUrl: tenant.graphBaseUrl,
      authorityHost: tenant.authorityHost,
      credentials: tenant.credentials,
      ca: tenant.ca,
      detection,
    };
    // The PIM removal is held (and then fails): the process dies while it is in flight.
    tenant.faults.inject({ method: 'POST', path: PIM_REQUESTS, status: 503, delayMs: 120_000 });
    child = spawn(
      process.execPath,
      [join(import.meta.dirname, 'crash-responder.ts'), JSON.stringify(config)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child?.once('exit', (_code, signal) => resolve(signal)),
    );

    // No timing guess: wait until the tenant has applied the first removal and holds the second.
    await vi.waitFor(
      () => {
        const requests = tenant.requests();
        const deleted = requests.some(
          (r) => r.method === 'DELETE' && r.path.endsWith(PERMANENT_GA) && r.status === 204,
        );
        const held = requests.some((r) => r.method === 'POST' && r.path === PIM_REQUESTS);
        expect(deleted && held).toBe(true);
      },
      { timeout: 60_000, interval: 20 },
    );
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const roles = () =>
      tenant.directory
        .activeAssignmentsOf(MARIA)
        .map((a) => a.roleDefinitionId)
        .sort();
    // The crash: the permanent assignment is gone, the PIM one is still there.
    expect(tenant.directory.roleAssignments.has(PERMANENT_GA)).toBe(false);
    expect(tenant.directory.roleAssignments.has(PIM_EXCHANGE)).toBe(true);

    const { deps, provider, ledger } = crashResponderDeps(config);
    try {
      const kindsAfterCrash = (await ledger.query({ incidentId })).records.map((r) => r.stepKey);
      // Written ahead: the detection and both intents survived the kill; no outcome did.
      expect(kindsAfterCrash).toEqual(
        expect.arrayContaining([
          'detection',
          `intent:isolatePrivilege:role:${PERMANENT_GA}`,
          `intent:isolatePrivilege:role:${PIM_EXCHANGE}`,
        ]),
      );
      expect(kindsAfterCrash.some((key) => key.startsWith('containment:'))).toBe(false);

      // Redelivery finishes the containment: the PIM assignment goes too.
      const redelivered = await respond({ detection, sender: 'local:cli' }, deps);
      expect(redelivered.containment).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            action: 'isolatePrivilege',
            target: PIM_EXCHANGE,
            status: 'succeeded',
          }),
        ]),
      );
      expect(roles()).toEqual([]);

      const released = await release(
        {
          incidentId,
          requestedBy: 'soc-analyst@example.test',
          reason: 'crash test: false positive',
        },
        {
          ledger,
          identityProviderFor: deps.identityProviderFor,
          clock: deps.clock,
          events: deps.events,
        },
      );
      expect(released.status).toBe('released');
      // Every removed role is back, the one whose outcome was lost in the crash included.
      expect(roles()).toEqual(
        ['29232cdf-9323-42fd-ade2-1d097af3e4de', '62e90394-69f5-4237-9190-012177145e10'].sort(),
      );
      if (released.status === 'released') {
        // The simulated tenant does not say when an assignment began: restored, and said so.
        expect(released.startUnknown).toHaveLength(2);
      }

      const records = (await ledger.query({ incidentId, limit: 1000 })).records;
      const steps = records.map((r) => `${r.kind} ${r.stepKey.split(':').slice(0, 3).join(':')}`);
      for (const id of [PERMANENT_GA, PIM_EXCHANGE]) {
        expect(records.some((r) => r.kind === 'containment.intent' && r.stepKey.endsWith(id))).toBe(
          true,
        );
        expect(
          records.some(
            (r) =>
              r.kind === 'restore.action' &&
              r.status === 'succeeded' &&
              (r.data.change as { assignmentId?: string }).assignmentId === id,
          ),
        ).toBe(true);
      }
      expect(steps).toEqual(
        expect.arrayContaining([
          'detection.received detection',
          'containment.action containment:isolatePrivilege:' + PIM_EXCHANGE,
          'release.requested release:claim:1',
          'release.completed release:done:1',
        ]),
      );
    } finally {
      provider.close();
    }
  });
});
