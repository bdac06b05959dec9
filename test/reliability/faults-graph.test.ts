import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GraphRateLimiter, LanePausedError } from '../../shared/adapters/graph/rate-limiter.ts';
import type { FaultRule } from '../../shared/local/simulated-tenant/server.ts';
import { RetryableContainmentError } from '../../shared/use-cases/respond.ts';
import { verifyLedger } from '../../shared/use-cases/verify-ledger.ts';
import {
  DEMO_USERS,
  detectionAbout,
  MAX_RECEIVE_COUNT,
  type Pipeline,
  type QueueOutcome,
  startPipeline,
  throughQueue,
  VISIBILITY_TIMEOUT_MS,
} from './pipeline.ts';
import { expectOneRecordPerStep, incidentRecords } from './support.ts';

/**
 * Graph faults, injected in the simulated tenant, on the production Graph adapter: 429 with a
 * short and a long Retry-After, 503, answers that never come, 403 and 404. Nothing is lost:
 * every detection is processed, or thrown as retryable until it dead-letters, and in both cases
 * the ledger holds what happened.
 */

let pipeline: Pipeline;
/** SQS waits out the visibility timeout before each redelivery. */
const queueOptions = () => ({ beforeRedelivery: () => pipeline.advance(VISIBILITY_TIMEOUT_MS) });

beforeAll(async () => {
  pipeline = await startPipeline({ requestTimeoutMs: 300 });
});

afterAll(async () => {
  await pipeline?.close();
});

const revokePath = (id: string) => `/users/${id}/revokeSignInSessions`;
const rolesPath = /^\/roleManagement\/directory\/roleAssignments$/;

interface Scenario {
  name: string;
  subject: string;
  faults: (subject: string) => FaultRule[];
  /** How the queue ends with it while the fault lasts. */
  expect: { kind: QueueOutcome['kind']; receives: number; status?: string };
}

const NOT_IN_TENANT = '5d5d5d5d-0000-4000-8000-000000000404';

const SCENARIOS: Scenario[] = [
  {
    name: 'no fault',
    subject: DEMO_USERS.maria,
    faults: () => [],
    expect: { kind: 'processed', receives: 1, status: 'contained' },
  },
  {
    name: '429 with a short Retry-After: waited for, then contained',
    subject: DEMO_USERS.jonas,
    faults: (id) => [{ path: revokePath(id), status: 429, retryAfter: 1 }],
    expect: { kind: 'processed', receives: 1, status: 'contained' },
  },
  {
    name: '429 with a Retry-After beyond the wait limit: thrown, contained on redelivery',
    subject: DEMO_USERS.ingrid,
    faults: (id) => [{ path: revokePath(id), status: 429, retryAfter: 120 }],
    expect: { kind: 'processed', receives: 2, status: 'contained' },
  },
  {
    name: 'one 503: retried in the call, contained',
    subject: DEMO_USERS.lars,
    faults: (id) => [{ path: revokePath(id), status: 503 }],
    expect: { kind: 'processed', receives: 1, status: 'contained' },
  },
  {
    name: '503 that does not stop: dead-lettered after every receive failed retryably',
    subject: DEMO_USERS.larsAdmin,
    faults: (id) => [{ path: revokePath(id), status: 503, times: 1000 }],
    expect: { kind: 'deadLettered', receives: MAX_RECEIVE_COUNT },
  },
  {
    name: 'an answer that never comes, once: timed out, retried, contained',
    subject: DEMO_USERS.ingridAdmin,
    faults: (id) => [{ path: revokePath(id), delayMs: 1_500 }],
    expect: { kind: 'processed', receives: 1, status: 'contained' },
  },
  {
    name: '403 on the role listing: not retried, recorded as forbidden with the permission',
    subject: DEMO_USERS.erik,
    faults: () => [{ method: 'GET', path: rolesPath, status: 403, times: 1000 }],
    expect: { kind: 'processed', receives: 1, status: 'partiallyContained' },
  },
  {
    name: '404 for a user the tenant does not know: not retried, recorded',
    subject: NOT_IN_TENANT,
    faults: () => [],
    // Isolating privilege finds no role assignment to remove: it succeeds with nothing to do.
    expect: { kind: 'processed', receives: 1, status: 'partiallyContained' },
  },
];

describe('Graph faults through the respond queue', () => {
  const outcomes = new Map<string, QueueOutcome>();

  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const { tenant, ledger } = pipeline;
    tenant.faults.clear();
    for (const fault of scenario.faults(scenario.subject)) tenant.faults.inject(fault);
    const detection = detectionAbout(scenario.subject, `fault-${scenario.subject}`);

    const outcome = await throughQueue(detection, pipeline.deps(), queueOptions());
    outcomes.set(scenario.name, outcome);
    expect(outcome.kind).toBe(scenario.expect.kind);
    expect(outcome.receives).toBe(scenario.expect.receives);
    if (outcome.kind === 'processed') expect(outcome.result.status).toBe(scenario.expect.status);

    // Whatever happened is in the ledger, once per step.
    const incidentId =
      outcome.kind === 'processed'
        ? outcome.result.incidentId
        : (outcome.error as RetryableContainmentError).result.incidentId;
    const records = await incidentRecords(ledger, incidentId);
    expectOneRecordPerStep(records);
    expect(records.map((r) => r.kind)).toContain('detection.received');
    const actions = records.filter((r) => r.kind === 'containment.action');
    expect(actions.length).toBeGreaterThan(0);

    if (outcome.kind === 'deadLettered') {
      // Dead-lettered with a retryable error, and the failed revocation is on record.
      expect(outcome.error).toBeInstanceOf(RetryableContainmentError);
      const failed = actions.filter(
        (r) => r.status === 'failed' && (r.data.action as string) === 'revokeSessions',
      );
      expect(failed).toHaveLength(1);
      expect(failed[0]?.data.error).toMatchObject({ class: 'transient', retryable: true });
    }
    if (scenario.subject === NOT_IN_TENANT) {
      const revoke = actions.find((r) => (r.data.action as string) === 'revokeSessions');
      expect(revoke?.data.error).toMatchObject({ class: 'notFound', retryable: false });
    }
    if (outcome.kind === 'processed' && outcome.receives > 1) {
      // The first receive's failure and the redelivery's success are both on record.
      const revokes = actions.filter((r) => (r.data.action as string) === 'revokeSessions');
      expect(revokes.map((r) => r.status)).toEqual(['failed', 'succeeded']);
    }
  });

  it('answers a Retry-After the adapter can wait for by waiting exactly that long', () => {
    expect(pipeline.waits).toContain(1_000);
  });

  it('records a permission failure with the permission to grant, and does not retry it', async () => {
    const outcome = outcomes.get(SCENARIOS[6]?.name ?? '');
    if (outcome?.kind !== 'processed') throw new Error('expected the 403 scenario processed');
    const forbidden = outcome.result.containment.filter((line) => line.status === 'failed');
    expect(forbidden.map((line) => line.action)).toEqual(['isolatePrivilege']);
    expect(forbidden[0]?.note).toMatch(/^forbidden: /);
    const records = await incidentRecords(pipeline.ledger, outcome.result.incidentId);
    const failed = records.find((r) => r.kind === 'containment.action' && r.status === 'failed');
    expect(failed?.data.error).toMatchObject({
      class: 'forbidden',
      retryable: false,
      missingPermission: expect.stringMatching(/RoleManagement/),
    });
    const listings = pipeline.tenant
      .requests()
      .filter((r) => r.method === 'GET' && rolesPath.test(r.path) && r.injected);
    expect(listings.length).toBeGreaterThan(0);
  });

  it('contains the dead-lettered detection when the outage ends and the queue is redriven', async () => {
    const scenario = SCENARIOS[4];
    if (!scenario) throw new Error('scenario missing');
    pipeline.tenant.faults.clear();
    const detection = detectionAbout(scenario.subject, `fault-${scenario.subject}`);
    const redriven = await throughQueue(detection, pipeline.deps(), queueOptions());
    expect(redriven).toMatchObject({ kind: 'processed', receives: 1 });
    if (redriven.kind !== 'processed') return;
    expect(redriven.result.status).toBe('contained');
    const records = await incidentRecords(pipeline.ledger, redriven.result.incidentId);
    expectOneRecordPerStep(records);
    const revokes = records.filter(
      (r) => r.kind === 'containment.action' && (r.data.action as string) === 'revokeSessions',
    );
    expect(revokes.map((r) => r.status)).toEqual(['failed', 'succeeded']);
  });

  it('does not hold the next detection behind a long Retry-After: it fails at once, retryably, on record', async () => {
    const { tenant } = pipeline;
    tenant.faults.clear();
    tenant.faults.inject({ path: revokePath(DEMO_USERS.maria), status: 429, retryAfter: 600 });
    const throttledFirst = detectionAbout(DEMO_USERS.maria, 'pause-first');
    const next = detectionAbout(DEMO_USERS.jonas, 'pause-next');
    const first = await throughQueue(throttledFirst, pipeline.deps(), { maxReceiveCount: 1 });
    expect(first.kind).toBe('deadLettered');
    const writesBefore = tenant.requests().length;

    // Graph asked the tenant's writes to wait 10 minutes: the next detection does not queue for
    // that long inside one invocation, it is handed back to the queue with its state recorded.
    const held = await throughQueue(next, pipeline.deps(), { maxReceiveCount: 1 });
    if (held.kind !== 'deadLettered') throw new Error('expected the next detection handed back');
    expect(held.error).toBeInstanceOf(RetryableContainmentError);
    const heldResult = (held.error as RetryableContainmentError).result;
    const revoke = heldResult.containment.find((line) => line.action === 'revokeSessions');
    expect(revoke).toMatchObject({ status: 'failed', note: expect.stringMatching(/^throttled: /) });
    const sent = tenant.requests().slice(writesBefore);
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    const records = await incidentRecords(pipeline.ledger, heldResult.incidentId);
    expect(records.some((r) => r.kind === 'containment.action' && r.status === 'failed')).toBe(
      true,
    );

    // Once the wait is over, the queue's redeliveries contain both.
    pipeline.advance(600_000);
    for (const detection of [throttledFirst, next]) {
      const redelivered = await throughQueue(detection, pipeline.deps(), queueOptions());
      expect(redelivered).toMatchObject({ kind: 'processed', receives: 1 });
    }
  });

  it('processes a concurrent mix of every fault without losing a detection', async () => {
    const { tenant } = pipeline;
    tenant.faults.clear();
    const users = Object.values(DEMO_USERS);
    const kinds: Array<(id: string) => FaultRule[]> = [
      () => [],
      (id) => [{ path: revokePath(id), status: 429, retryAfter: 1 }],
      (id) => [{ path: revokePath(id), status: 429, retryAfter: 300 }],
      (id) => [{ path: revokePath(id), status: 503, times: 2 }],
      (id) => [{ path: revokePath(id), status: 503, times: 1000 }],
      (id) => [{ path: revokePath(id), delayMs: 1_000 }],
      (id) => [{ path: revokePath(id), status: 403, times: 1000 }],
    ];
    const detections = users.map((id, n) => {
      for (const fault of kinds[n % kinds.length]?.(id) ?? []) tenant.faults.inject(fault);
      return detectionAbout(id, `mix-${n}`);
    });
    const outcomes = await Promise.all(
      detections.map((d) => throughQueue(d, pipeline.deps(), queueOptions())),
    );

    for (const [n, outcome] of outcomes.entries()) {
      const detection = detections[n];
      if (!detection) continue;
      const incidentId =
        outcome.kind === 'processed'
          ? outcome.result.incidentId
          : (outcome.error as RetryableContainmentError).result.incidentId;
      const records = await incidentRecords(pipeline.ledger, incidentId);
      expectOneRecordPerStep(records);
      expect(records[0]?.data.detection).toMatchObject({ detectionId: detection.detectionId });
      if (outcome.kind === 'deadLettered') {
        expect(outcome.error).toBeInstanceOf(RetryableContainmentError);
        expect(records.some((r) => r.kind === 'containment.action' && r.status === 'failed')).toBe(
          true,
        );
      }
    }
    const kindsSeen = outcomes.map((o) => o.kind);
    expect(kindsSeen.filter((k) => k === 'deadLettered')).toHaveLength(1);
    expect(kindsSeen.filter((k) => k === 'processed')).toHaveLength(users.length - 1);
    const verification = await verifyLedger(pipeline.ledger);
    expect(verification.intact).toBe(true);
    // Every containment now lists every path to privilege (eligible, groups, PIM for Groups):
    // a bound on a hang, not a performance assertion.
  }, 90_000);
});

describe('the Graph write lane under a Retry-After longer than its callers wait', () => {
  it('refuses at once, and refuses those already queued, instead of holding them', async () => {
    // The lane's own timers are faked: nothing is left waiting when the test ends.
    vi.useFakeTimers();
    try {
      let now = 1_000_000;
      const limiter = new GraphRateLimiter({}, () => now);
      limiter.pauseWrites('t', now + 5_000);
      const queued = limiter.acquireWrite('t', 10_000);
      const patient = limiter.acquireWrite('t');
      expect(queued).toBeInstanceOf(Promise);
      limiter.pauseWrites('t', now + 600_000);
      await expect(queued).rejects.toBeInstanceOf(LanePausedError);
      await expect(limiter.acquireWrite('t', 10_000)).rejects.toMatchObject({
        pausedForMs: 600_000,
      });
      // Another tenant is not held; a caller without a deadline waits its turn, and gets it.
      expect(limiter.acquireWrite('other', 10_000)).toBeUndefined();
      expect(limiter.queuedWrites('t')).toBe(1);
      now += 600_000;
      await vi.advanceTimersByTimeAsync(600_000);
      await expect(patient).resolves.toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });
});
