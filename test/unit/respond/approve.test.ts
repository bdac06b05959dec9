import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InMemoryContainmentWindow } from '../../../shared/adapters/memory/containment-window.ts';
import { InMemoryLedgerStore } from '../../../shared/adapters/memory/ledger-store.ts';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import { defaultContainmentPolicy } from '../../../shared/config/load-policy.ts';
import type {
  ActionOutcome,
  ContainmentRequest,
  ContainmentResult,
} from '../../../shared/domain/containment.ts';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import { type Detection, parseDetection } from '../../../shared/domain/detection.ts';
import { InvalidInputError } from '../../../shared/domain/errors.ts';
import type { ContainmentPolicy } from '../../../shared/domain/guardrails.ts';
import type { EventPublisher, ResponderEvent } from '../../../shared/ports/events.ts';
import type { IdentityProvider } from '../../../shared/ports/identity-provider.ts';
import { silentLog } from '../../../shared/ports/log.ts';
import { approve, type DecisionDeps } from '../../../shared/use-cases/approve.ts';
import { deny } from '../../../shared/use-cases/deny.ts';
import { expireApprovals } from '../../../shared/use-cases/expire-approvals.ts';
import { listIncidents } from '../../../shared/use-cases/list-incidents.ts';
import { respond } from '../../../shared/use-cases/respond.ts';

/** approve, deny, expiry and bursts on the in-memory ledger, with a provider that records calls. */

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const REASON = 'confirmed with the user by phone';

function example(name: string, overrides: Partial<Detection> = {}): Detection {
  const parsed = parseDetection({
    ...JSON.parse(readFileSync(`examples/${name}.json`, 'utf8')),
    ...overrides,
  });
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

class RecordingProvider implements IdentityProvider {
  readonly provider = 'entra' as const;
  readonly mode = 'simulated' as const;
  readonly requests: ContainmentRequest[] = [];
  coversTenant(tenantId: string) {
    return tenantId === TENANT;
  }
  async contain(request: ContainmentRequest): Promise<ContainmentResult> {
    this.requests.push(request);
    return {
      outcomes: request.actions.map(
        (action): ActionOutcome => ({
          action,
          target: request.subject.id,
          status: 'succeeded',
          startedAt: '2026-03-17T14:12:06Z',
          durationMs: 5,
        }),
      ),
    };
  }
  async verify() {
    return { verified: true, detail: 'sessions moved', checkedAt: '2026-03-17T14:12:07Z' };
  }
  async restore(): Promise<ActionOutcome[]> {
    return [];
  }
  /** The actions run for one subject, in call order. */
  ran(subjectId?: string): string[] {
    return this.requests
      .filter((r) => subjectId === undefined || r.subject.id === subjectId)
      .flatMap((r) => r.actions);
  }
}

class Bus implements EventPublisher {
  readonly events: ResponderEvent[] = [];
  async publish(events: readonly ResponderEvent[]) {
    this.events.push(...events);
  }
}

function setup(policy: ContainmentPolicy = defaultContainmentPolicy) {
  let now = new Date('2026-03-17T14:12:06Z');
  const clock = { now: () => now };
  const provider = new RecordingProvider();
  const events = new Bus();
  const ledger = new InMemoryLedgerStore(clock);
  const window = new InMemoryContainmentWindow();
  const deps: DecisionDeps = {
    ledger,
    identityProviderFor: () => provider,
    policy,
    events,
    clock,
    mode: 'simulated',
  };
  const detect = (detection: Detection) =>
    respond(
      { detection },
      {
        identityProviderFor: () => provider,
        policy,
        window,
        catalog: CONTROL_CATALOG,
        ownership: defaultOwnershipMap,
        ledger,
        events,
        clock,
        log: silentLog,
        mode: 'simulated',
      },
    );
  const advance = (ms: number) => {
    now = new Date(now.getTime() + ms);
  };
  return { deps, provider, events, ledger, detect, advance };
}

const HOUR = 3_600_000;

describe('approve', () => {
  it('runs the action the severity policy held, once, recorded with who, when, why and which', async () => {
    const { deps, provider, ledger, events, detect } = setup();
    const held = await detect(example('app-admin-without-step-up'));
    expect(held.approval?.actions).toEqual(['disableAccount']);
    expect(provider.ran()).not.toContain('disableAccount');

    const first = await approve(
      { incidentId: held.incidentId, by: 'analyst', reason: REASON },
      deps,
    );
    expect(first.status).toBe('approved');
    expect(provider.ran().filter((a) => a === 'disableAccount')).toHaveLength(1);
    const grant = (await ledger.query({ incidentId: held.incidentId })).records.find(
      (r) => r.kind === 'approval.granted',
    );
    expect(grant?.data).toMatchObject({
      action: 'disableAccount',
      actions: ['disableAccount'],
      by: 'analyst',
      reason: REASON,
      at: '2026-03-17T14:12:06.000Z',
    });
    const completed = events.events.filter((e) => e.detailType === 'Containment Completed').at(-1);
    expect(completed?.detail).toMatchObject({
      status: 'contained',
      approval: { approvedBy: 'analyst', actions: ['disableAccount'] },
    });

    const second = await approve(
      { incidentId: held.incidentId, by: 'analyst', reason: REASON },
      deps,
    );
    expect(second.status).toBe('nothingAwaiting');
    expect(provider.ran().filter((a) => a === 'disableAccount')).toHaveLength(1);
  });

  it('answers a later request on the same incident (drift) with a grant of its own, and runs it once', async () => {
    const { deps, provider, ledger, detect } = setup();
    const held = await detect(example('app-admin-without-step-up'));
    await approve({ incidentId: held.incidentId, by: 'analyst', reason: REASON }, deps);
    expect(provider.ran().filter((a) => a === 'disableAccount')).toHaveLength(1);

    // The watch found the account re-enabled and asks again, as watch-containment records it.
    await ledger.append(held.incidentId, [
      {
        kind: 'approval.required',
        stepKey: 'approval:drift:2026-03-17T15:00:00.000Z',
        subjectId: 'x',
        status: 'pending',
        data: { causes: ['drift'], actions: ['disableAccount'], why: 'the account was re-enabled' },
      },
    ]);
    const again = { incidentId: held.incidentId, by: 'lead', reason: REASON };
    expect((await approve(again, deps)).status).toBe('approved');
    expect((await approve(again, deps)).status).toBe('nothingAwaiting');
    expect(provider.ran().filter((a) => a === 'disableAccount')).toHaveLength(2);
    const grants = (await ledger.query({ incidentId: held.incidentId })).records.filter(
      (r) => r.kind === 'approval.granted',
    );
    expect(grants.map((g) => g.data.by)).toEqual(['analyst', 'lead']);
  });

  it('acts once when two approvals race', async () => {
    const { deps, provider, detect } = setup();
    const held = await detect(example('app-admin-without-step-up'));
    const request = { incidentId: held.incidentId, by: 'analyst', reason: REASON };
    await Promise.all([approve(request, deps), approve(request, deps)]);
    expect(provider.ran().filter((a) => a === 'disableAccount')).toHaveLength(1);
  });

  it('runs only the actions named, and leaves the others awaiting approval', async () => {
    const { deps, provider, detect } = setup();
    const held = await detect(example('fully-controlled-tenant'));
    expect(held.approval?.actions.length).toBeGreaterThan(1);
    const [first, ...rest] = held.approval?.actions ?? [];
    const result = await approve(
      { incidentId: held.incidentId, by: 'analyst', reason: REASON, actions: [first as never] },
      deps,
    );
    expect(result.status).toBe('approved');
    expect(provider.ran().filter((a) => held.approval?.actions.includes(a as never))).toEqual([
      first,
    ]);
    const [listed] = await listIncidents({}, deps);
    expect(listed?.status).toBe('awaitingApproval');
    expect(listed?.awaiting?.actions).toEqual(rest);
  });

  it('refuses an action that is not awaiting approval, naming the field, and runs nothing', async () => {
    const { deps, provider, detect } = setup();
    const held = await detect(example('app-admin-without-step-up'));
    const before = provider.requests.length;
    await expect(
      approve(
        { incidentId: held.incidentId, by: 'a', reason: REASON, actions: ['revokeSessions'] },
        deps,
      ),
    ).rejects.toThrow(InvalidInputError);
    await expect(
      approve(
        { incidentId: held.incidentId, by: 'a', reason: REASON, actions: ['revokeSessions'] },
        deps,
      ),
    ).rejects.toThrow(/actions: revokeSessions not awaiting approval/);
    expect(provider.requests.length).toBe(before);
  });

  it('still refuses a subject that became a protected identity after it was held', async () => {
    const { deps, provider, detect } = setup();
    const detection = example('app-admin-without-step-up');
    const held = await detect(detection);
    const protectedNow: DecisionDeps = {
      ...deps,
      policy: {
        ...defaultContainmentPolicy,
        protectedIdentities: [{ id: detection.subject.id, reason: 'break-glass account' }],
      },
    };
    const result = await approve(
      { incidentId: held.incidentId, by: 'a', reason: REASON },
      protectedNow,
    );
    expect(result.status === 'approved' && result.detections[0]?.containment[0]).toMatchObject({
      action: 'disableAccount',
      status: 'skipped',
    });
    expect(provider.ran()).not.toContain('disableAccount');
  });

  it('says nothing awaits approval when nothing was held, and unknown for an unknown incident', async () => {
    const { deps, detect } = setup();
    const critical = await detect(example('aitm-phished-admin'));
    expect(
      (await approve({ incidentId: critical.incidentId, by: 'a', reason: REASON }, deps)).status,
    ).toBe('nothingAwaiting');
    expect((await approve({ incidentId: 'inc-nope', by: 'a', reason: REASON }, deps)).status).toBe(
      'unknownIncident',
    );
  });
});

describe('deny', () => {
  it('closes the request without acting; a later approve finds nothing awaiting', async () => {
    const { deps, provider, ledger, detect } = setup();
    const held = await detect(example('app-admin-without-step-up'));
    const denied = await deny(
      { incidentId: held.incidentId, by: 'lead', reason: 'false positive: VPN' },
      deps,
    );
    expect(denied.status).toBe('denied');
    const record = (await ledger.query({ incidentId: held.incidentId })).records.find(
      (r) => r.kind === 'approval.denied',
    );
    expect(record?.data).toMatchObject({
      by: 'lead',
      reason: 'false positive: VPN',
      actions: ['disableAccount'],
    });
    const later = await approve({ incidentId: held.incidentId, by: 'a', reason: REASON }, deps);
    expect(later).toMatchObject({
      status: 'nothingAwaiting',
      why: expect.stringContaining('denied'),
    });
    expect(provider.ran()).not.toContain('disableAccount');
    expect((await listIncidents({}, deps))[0]?.status).toBe('denied');
  });
});

describe('expiry', () => {
  it('expires after the default 4 hours: recorded, announced once, never acted on', async () => {
    const { deps, provider, events, detect, advance } = setup();
    const held = await detect(example('app-admin-without-step-up'));
    expect(held.approval?.expiresAt).toBe('2026-03-17T18:12:06.000Z');
    advance(4 * HOUR - 1);
    expect(await expireApprovals(deps)).toEqual([]);
    advance(1);
    expect(await expireApprovals(deps)).toEqual([held.incidentId]);
    expect(await expireApprovals(deps)).toEqual([]);
    expect(events.events.filter((e) => e.detailType === 'Approval Expired')).toHaveLength(1);
    const later = await approve({ incidentId: held.incidentId, by: 'a', reason: REASON }, deps);
    expect(later.status).toBe('nothingAwaiting');
    expect(provider.ran()).not.toContain('disableAccount');
    expect((await listIncidents({ status: 'expired' }, deps)).map((i) => i.incidentId)).toEqual([
      held.incidentId,
    ]);
  });

  it('closes an expired request when approve meets it before the sweep, per the policy severity', async () => {
    const policy = { ...defaultContainmentPolicy, approvalExpiryHours: { high: 1 } };
    const { deps, provider, ledger, detect, advance } = setup(policy);
    const held = await detect(example('app-admin-without-step-up'));
    advance(HOUR);
    const result = await approve({ incidentId: held.incidentId, by: 'a', reason: REASON }, deps);
    expect(result.status).toBe('expired');
    expect(provider.ran()).not.toContain('disableAccount');
    const kinds = (await ledger.query({ incidentId: held.incidentId })).records.map((r) => r.kind);
    expect(kinds).toContain('approval.expired');
  });
});

describe('a burst held by the blast radius', () => {
  const policy: ContainmentPolicy = {
    ...defaultContainmentPolicy,
    blastRadius: { maxContainments: 1, windowSeconds: 900 },
  };
  const burst = (n: number) =>
    Array.from({ length: n }, (_, i) =>
      example('aitm-phished-admin', {
        detectionId: `burst-${i}`,
        subject: {
          type: 'user',
          id: `00000000-0000-4000-8000-00000000000${i}`,
          userPrincipalName: `user${i}@halvorsenfreight.example`,
        },
      } as Partial<Detection>),
    );

  async function held(s: ReturnType<typeof setup>) {
    const results = [];
    for (const detection of burst(4)) {
      results.push(await s.detect(detection));
      s.advance(1000);
    }
    return results;
  }

  it('is announced once, by the detection that crossed the limit', async () => {
    const s = setup(policy);
    const results = await held(s);
    expect(results.map((r) => r.status)).toEqual([
      'contained',
      'awaitingApproval',
      'awaitingApproval',
      'awaitingApproval',
    ]);
    const announced = s.events.events.filter((e) => e.detailType === 'Approval Required');
    expect(announced.map((e) => e.detail.incidentId)).toEqual([results[1]?.incidentId]);
    expect(announced[0]?.detail).toMatchObject({
      severity: 'critical',
      decide: {
        approve: { route: `POST /v1/incidents/${results[1]?.incidentId}/approve` },
        deny: { command: expect.stringContaining(`responder deny ${results[1]?.incidentId}`) },
      },
      expiresAt: expect.any(String),
    });
  });

  it('releases every held detection in order when its request is approved', async () => {
    const s = setup(policy);
    const results = await held(s);
    const before = s.provider.requests.length;
    const result = await approve(
      { incidentId: results[1]?.incidentId as string, by: 'a', reason: REASON },
      s.deps,
    );
    expect(result.status === 'approved' && result.detections.map((d) => d.detectionId)).toEqual([
      'burst-1',
      'burst-2',
      'burst-3',
    ]);
    expect(s.provider.requests.slice(before).map((r) => r.subject.id)).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
    ]);
  });

  it('releases only the subjects or detections named; the rest stay awaiting approval', async () => {
    const s = setup(policy);
    const results = await held(s);
    const requestId = results[1]?.incidentId as string;
    const part = await approve(
      {
        incidentId: requestId,
        by: 'a',
        reason: REASON,
        subjects: ['user3@halvorsenfreight.example'],
        detections: ['burst-1'],
      },
      s.deps,
    );
    expect(part.status === 'approved' && part.detections.map((d) => d.detectionId)).toEqual([
      'burst-1',
      'burst-3',
    ]);
    const awaiting = await listIncidents({ status: 'awaitingApproval' }, s.deps);
    expect(awaiting.map((i) => i.detectionId)).toEqual(['burst-2']);
    await expect(
      approve({ incidentId: requestId, by: 'a', reason: REASON, detections: ['burst-9'] }, s.deps),
    ).rejects.toThrow(/detections: burst-9/);
  });
});
