import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentIdFor } from '../../shared/domain/incident.ts';
import {
  type LocalResponse,
  type LocalRuntime,
  startLocalRuntime,
} from '../../shared/local/runtime.ts';
import { type LocalServer, startLocalServer } from '../../shared/local/server.ts';
import type { SimulatedTenant } from '../../shared/local/simulated-tenant/tenant.ts';
import { silentLog } from '../../shared/ports/log.ts';
import { normalizeEvent } from '../../shared/sources/normalize.ts';
import { verifyLedger } from '../../shared/use-cases/verify-ledger.ts';
import { detectionAbout, DEMO_USERS as USERS } from './pipeline.ts';
import {
  allSamples,
  detectionSamples,
  expectOneRecordPerStep,
  incidentRecords,
  type Sample,
  ticketFiles,
  untilDelivered,
  writeDemoPolicy,
} from './support.ts';

/**
 * At-least-once delivery: every fixture that yields a detection, and every example, arrives
 * three times at once and three more times after. Exactly one containment per target, one
 * ticket per owner, one ledger record per step.
 */

let stateDir: string;
let runtime: LocalRuntime;
let server: LocalServer;
let tenant: SimulatedTenant;
/** The first (non-replayed) answer of every incident handled so far. */
const firstAnswers = new Map<string, LocalResponse>();

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'responder-redelivery-'));
  // A blast radius large enough for the whole fixture set: this file is about duplicates.
  const policy = writeDemoPolicy(stateDir, {
    blastRadius: { maxContainments: 1000, windowSeconds: 900 },
  });
  const env = { RESPONDER_POLICY: policy };
  runtime = await startLocalRuntime({
    stateDir,
    env,
    log: silentLog,
    unpacedIdentityProtection: true,
  });
  server = await startLocalServer(runtime, { env, log: silentLog });
  if (!runtime.simulatedTenant) throw new Error('expected the simulated tenant');
  tenant = runtime.simulatedTenant;
});

afterAll(async () => {
  await server?.close();
  await runtime?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** One delivery: the raw event normalized again, as the respond function does per message. */
function deliverOnce(sample: Sample): Promise<LocalResponse> {
  const result = normalizeEvent(sample.raw);
  if (result.kind !== 'detection') throw new Error(`${sample.name} is ${result.kind}`);
  return runtime.handle({
    detection: result.detection,
    sourceEventId: result.sourceEventId,
    rawSha256: result.rawSha256,
  });
}

const DEMO_USERS = Object.values(USERS);
const isInProgress = (error: unknown) => error instanceof IdempotencyAlreadyInProgressError;

/** Graph and Okta writes that name one object: each must happen at most once per incident. */
function keyedWrites(): string[] {
  const graph = tenant
    .requests()
    .filter(
      (r) =>
        r.listener === 'graph' &&
        r.method !== 'GET' &&
        !r.path.endsWith('/roleAssignmentScheduleRequests'),
    )
    .map((r) => `${r.method} ${r.path}`);
  const okta = (runtime.simulatedOkta?.requests() ?? [])
    .filter((r) => r.method !== 'GET' && r.operation !== 'token')
    .map((r) => `${r.method} ${r.path}`);
  return [...graph, ...okta];
}

describe('redelivery of every detection three times, concurrently, then three times more', () => {
  const samples = detectionSamples();

  it('covers every source folder and every example', () => {
    const folders = new Set(samples.map((s) => s.name.split('/').slice(0, -1).join('/')));
    expect([...folders].sort()).toEqual([
      'examples',
      'test/fixtures/entra',
      'test/fixtures/guardduty',
      'test/fixtures/native',
      'test/fixtures/okta',
      'test/fixtures/securityhub',
    ]);
  });

  it.each(samples.map((sample) => [sample.name, sample] as const))(
    '%s: one containment, one ticket per owner, one record per step',
    async (_name, sample) => {
      const incidentId = incidentIdFor(sample.result.detection);
      const seenBefore = firstAnswers.has(incidentId);
      tenant.clearRequests();
      runtime.simulatedOkta?.clearRequests();

      // Three copies at once: one runs, the others find it in progress and are redelivered.
      const concurrent = await Promise.allSettled([1, 2, 3].map(() => deliverOnce(sample)));
      const answers: LocalResponse[] = [];
      for (const settled of concurrent) {
        if (settled.status === 'fulfilled') answers.push(settled.value);
        else {
          expect(isInProgress(settled.reason), String(settled.reason)).toBe(true);
          answers.push(
            (await untilDelivered(() => deliverOnce(sample), { retryIf: isInProgress })).value,
          );
        }
      }
      const recordsAfterFirst = await incidentRecords(runtime.ledger, incidentId);
      for (let i = 0; i < 3; i++) answers.push(await deliverOnce(sample));

      const fresh = answers.filter((answer) => !answer.replayed);
      expect(fresh).toHaveLength(seenBefore ? 0 : 1);
      const first = fresh[0] ?? firstAnswers.get(incidentId);
      if (!first) throw new Error(`no answer for ${incidentId}`);
      firstAnswers.set(incidentId, first);
      for (const answer of answers) {
        expect(answer.incidentId).toBe(incidentId);
        expect(answer.status).toBe(first.status);
      }

      // Containment: the revoke (and every keyed write) went out once, on the first run only.
      const writes = keyedWrites();
      expect(new Set(writes).size).toBe(writes.length);
      const revoked = first.containment.some(
        (line) => line.action === 'revokeSessions' && line.status !== 'skipped',
      );
      const revokes = writes.filter(
        (w) => w.endsWith('/revokeSignInSessions') || w.endsWith('/sessions?oauthTokens=true'),
      );
      expect(revokes).toHaveLength(!seenBefore && revoked ? 1 : 0);
      if (seenBefore) expect(writes).toEqual([]);

      // Tickets: one file per accountable owner, however often the detection came.
      const owners = first.remediation.map((owner) => owner.ownerTeam);
      expect(new Set(owners).size).toBe(owners.length);
      expect(ticketFiles(stateDir, incidentId)).toHaveLength(owners.length);
      expect(first.tickets.filter((t) => t.status === 'opened')).toHaveLength(owners.length);

      // Ledger: one record per step, and nothing added by the redeliveries.
      const records = await incidentRecords(runtime.ledger, incidentId);
      expectOneRecordPerStep(records);
      expect(records).toHaveLength(recordsAfterFirst.length);
    },
  );

  it('refuses a malformed event delivered three times at once with one rejection record', async () => {
    const malformed = allSamples().filter((sample) => sample.result.kind === 'invalid');
    expect(malformed.length).toBeGreaterThanOrEqual(5);
    for (const sample of malformed) {
      const body = JSON.stringify(sample.raw);
      const responses = await Promise.all(
        [1, 2, 3].map(() =>
          fetch(`${server.url}/v1/detections`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          }),
        ),
      );
      const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{
        rejectionRecord: string;
      }>;
      expect(responses.map((r) => r.status)).toEqual([400, 400, 400]);
      const record = bodies[0]?.rejectionRecord ?? '';
      expect(bodies.every((b) => b.rejectionRecord === record)).toBe(true);
      const records = await incidentRecords(runtime.ledger, record);
      expect(records.map((r) => r.kind)).toEqual(['detection.rejected']);
    }
  });

  it('handles many different detections at once without failing any of them', async () => {
    const detections = Array.from({ length: 20 }, (_, n) =>
      detectionAbout(DEMO_USERS[n % DEMO_USERS.length] ?? '', `redelivery-at-once-${n}`),
    );
    const settled = await Promise.allSettled(
      detections.map((detection) => runtime.handle({ detection })),
    );
    const failures = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    expect(failures).toEqual([]);
    const verification = await verifyLedger(runtime.ledger);
    expect(verification.unattestedRecords).toBe(0);
  });

  it('tells a sender to deliver again when its copy is still in progress or failed transiently', async () => {
    const post = (detection: object) =>
      fetch(`${server.url}/v1/detections`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(detection),
      });
    const copies = detectionAbout(DEMO_USERS[1] ?? '', 'redelivery-http-copies');
    const answers = await Promise.all([1, 2, 3].map(() => post(copies)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses[0]).toBe(202);
    for (const answer of answers.filter((a) => a.status !== 202)) {
      expect(answer.status).toBe(409);
      expect(answer.headers.get('retry-after')).toBe('1');
      expect(await answer.json()).toMatchObject({ error: 'in_progress' });
    }
    const again = (await (await post(copies)).json()) as { result: LocalResponse };
    expect(again.result.replayed).toBe(true);

    // Every attempt of the revocation answered 503: the answer says so, and to come back.
    const flaky = detectionAbout(DEMO_USERS[2] ?? '', 'redelivery-http-transient');
    tenant.faults.inject({
      path: `/users/${flaky.subject.id}/revokeSignInSessions`,
      status: 503,
      times: 4,
    });
    const failed = await post(flaky);
    expect(failed.status).toBe(503);
    expect(failed.headers.get('retry-after')).toBe('1');
    const body = (await failed.json()) as { error: string; result: LocalResponse };
    expect(body.error).toBe('retry_later');
    expect(body.result.containment.find((l) => l.action === 'revokeSessions')?.status).toBe(
      'failed',
    );
    const redelivered = (await (await post(flaky)).json()) as { result: LocalResponse };
    expect(redelivered.result.status).toBe('contained');
    expect(redelivered.result.replayed).toBe(false);
  });

  it('leaves the ledger intact and every incident attested', async () => {
    const verification = await verifyLedger(runtime.ledger);
    expect(verification.intact).toBe(true);
    expect(verification.broken).toEqual([]);
    expect(verification.incidents).toBeGreaterThanOrEqual(firstAnswers.size);
  });
});
