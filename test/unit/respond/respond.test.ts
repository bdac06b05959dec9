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
import type { ContainmentPolicy } from '../../../shared/domain/guardrails.ts';
import type { EventPublisher, ResponderEvent } from '../../../shared/ports/events.ts';
import type { IdentityProvider } from '../../../shared/ports/identity-provider.ts';
import { silentLog } from '../../../shared/ports/log.ts';
import {
  type RespondDeps,
  RetryableContainmentError,
  respond,
} from '../../../shared/use-cases/respond.ts';

const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';

function example(name: string): Detection {
  const parsed = parseDetection(JSON.parse(readFileSync(`examples/${name}.json`, 'utf8')));
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

/** An identity provider that records what it was asked and answers as told. */
class RecordingProvider implements IdentityProvider {
  readonly provider = 'entra' as const;
  readonly mode = 'simulated' as const;
  readonly requests: ContainmentRequest[] = [];
  readonly calls: string[];
  answer: (request: ContainmentRequest) => ActionOutcome[] = (request) =>
    request.actions.map((action) => ({
      action,
      target: request.subject.id,
      status: 'succeeded',
      startedAt: '2026-03-17T14:12:06Z',
      durationMs: 50,
    }));

  constructor(calls: string[]) {
    this.calls = calls;
  }

  coversTenant(tenantId: string): boolean {
    return tenantId === TENANT;
  }

  async contain(request: ContainmentRequest): Promise<ContainmentResult> {
    this.calls.push('contain');
    this.requests.push(request);
    return { outcomes: this.answer(request), timeToContainMs: 51 };
  }

  async verify() {
    this.calls.push('verify');
    return { verified: true, detail: 'sessions moved', checkedAt: '2026-03-17T14:12:07Z' };
  }

  async restore(): Promise<ActionOutcome[]> {
    return [];
  }
}

class RecordingBus implements EventPublisher {
  readonly events: ResponderEvent[] = [];
  readonly calls: string[];
  constructor(calls: string[]) {
    this.calls = calls;
  }
  async publish(events: readonly ResponderEvent[]): Promise<void> {
    this.calls.push('publish');
    this.events.push(...events);
  }
  types(): string[] {
    return this.events.map((event) => event.detailType);
  }
}

function setup(policy: ContainmentPolicy = defaultContainmentPolicy) {
  const calls: string[] = [];
  const provider = new RecordingProvider(calls);
  const bus = new RecordingBus(calls);
  const ledger = new InMemoryLedgerStore({ now: () => new Date('2026-03-17T14:12:06Z') });
  const append = ledger.append.bind(ledger);
  ledger.append = async (incidentId, entries) => {
    calls.push('ledger');
    return append(incidentId, entries);
  };
  const deps: RespondDeps = {
    identityProviderFor: (detection) =>
      detection.tenant.provider === 'entra' ? provider : undefined,
    policy,
    window: new InMemoryContainmentWindow(),
    catalog: CONTROL_CATALOG,
    ownership: defaultOwnershipMap,
    ledger,
    events: bus,
    clock: { now: () => new Date('2026-03-17T14:12:06Z') },
    log: silentLog,
    mode: 'simulated',
  };
  return { deps, provider, bus, ledger, calls };
}

describe('respond', () => {
  it('contains first, records the detection alongside, and records the rest and announces after', async () => {
    const { deps, calls } = setup();
    await respond({ detection: example('aitm-phished-admin') }, deps);
    expect(calls).toEqual(['contain', 'ledger', 'verify', 'ledger', 'publish']);
  });

  it('records an intent asked for before contain first yields, after the detection, before the outcome', async () => {
    const { deps, provider, ledger } = setup();
    const subjectId = example('aitm-phished-admin').subject.id;
    provider.contain = (request) => {
      // Called synchronously, as an adapter with nothing to await before its first removal.
      const intent = request.recordIntent?.([{ kind: 'accountDisabled', subjectId }]);
      return (async () => {
        await intent;
        return { outcomes: provider.answer(request) };
      })();
    };
    const result = await respond({ detection: example('aitm-phished-admin') }, deps);
    expect(result.containment.every((line) => line.status !== 'failed')).toBe(true);
    const steps = ledger.all().map((record) => record.stepKey);
    expect(steps.slice(0, 2)).toEqual([
      'detection',
      `intent:disableAccount:accountDisabled:${subjectId}`,
    ]);
  });

  it('runs exactly the actions the severity policy allows automatically', async () => {
    const { deps, provider } = setup();
    const result = await respond(
      { detection: { ...example('aitm-phished-admin'), severity: 'medium' } },
      deps,
    );
    expect(provider.requests[0]?.actions).toEqual(['revokeSessions']);
    expect(result.approval?.actions).toEqual([
      'isolatePrivilege',
      'markCompromised',
      'disableAccount',
    ]);
    expect(result.status).toBe('contained');
  });

  it('records the detection, the guardrail decision, every outcome, the verification and every finding', async () => {
    const { deps, ledger } = setup();
    const result = await respond(
      {
        detection: example('aitm-phished-admin'),
        sourceEventId: 'soc-1',
        rawSha256: 'a'.repeat(64),
      },
      deps,
    );
    const kinds = ledger.all().map((record) => record.kind);
    expect(kinds.slice(0, 2)).toEqual(['detection.received', 'guardrail.decision']);
    expect(kinds.filter((kind) => kind === 'containment.action')).toHaveLength(4);
    expect(kinds).toContain('containment.verified');
    expect(kinds.filter((kind) => kind === 'finding')).toHaveLength(result.findings.length);
    expect(ledger.all()[0]?.data).toMatchObject({
      sourceEventId: 'soc-1',
      rawSha256: 'a'.repeat(64),
    });
    expect(result.ledger).toMatchObject({
      records: kinds.length,
      appended: kinds.length,
      duplicates: 0,
    });
  });

  it('asks each accountable team for one remediation, then announces completion', async () => {
    const { deps, bus } = setup();
    const result = await respond({ detection: example('aitm-phished-admin') }, deps);
    const teams = result.remediation.map((owner) => owner.ownerTeam);
    expect(new Set(teams).size).toBe(teams.length);
    expect(bus.types()).toEqual([
      ...teams.map(() => 'Remediation Requested'),
      'Containment Completed',
    ]);
    for (const event of bus.events.filter((e) => e.detailType === 'Remediation Requested')) {
      const findings = event.detail.findings as Array<{ status: string; ownerTeam: string }>;
      expect(findings.some((f) => f.status === 'failed')).toBe(true);
      expect(findings.every((f) => f.status !== 'held')).toBe(true);
    }
  });

  it('opens nothing for a tenant where every control held', async () => {
    const { deps, bus } = setup();
    const result = await respond({ detection: example('fully-controlled-tenant') }, deps);
    expect(result.remediation).toEqual([]);
    expect(bus.types()).not.toContain('Remediation Requested');
    expect(bus.types().at(-1)).toBe('Containment Completed');
  });

  it('never contains a protected identity, and says so', async () => {
    const policy: ContainmentPolicy = {
      ...defaultContainmentPolicy,
      protectedIdentities: [
        { id: '1b688927-349c-4622-845d-03aefbc01f62', reason: 'break-glass account' },
      ],
    };
    const { deps, provider } = setup(policy);
    const result = await respond({ detection: example('aitm-phished-admin') }, deps);
    expect(provider.requests).toEqual([]);
    expect(result.status).toBe('protectedIdentity');
    expect(result.containment.every((line) => line.note?.startsWith('protectedIdentity'))).toBe(
      true,
    );
  });

  it('records a tenant no credentials cover, and acts on nothing', async () => {
    const { deps, provider, ledger } = setup();
    const detection = example('aitm-phished-admin');
    const result = await respond(
      {
        detection: {
          ...detection,
          tenant: { ...detection.tenant, tenantId: '0a1b2c3d-0000-4000-8000-00000000beef' },
        },
      },
      deps,
    );
    expect(provider.requests).toEqual([]);
    expect(result.status).toBe('notCovered');
    expect(ledger.all().map((r) => r.kind)).toContain('detection.notCovered');
  });

  it.each([
    { limit: 'the tenant', blastRadius: { maxContainments: 3, windowSeconds: 900 }, contained: 3 },
    {
      limit: 'one source',
      blastRadius: { maxContainments: 10, maxContainmentsPerSource: 2, windowSeconds: 900 },
      contained: 2,
    },
  ])(
    'turns a burst past $limit limit into one approval request, not a lock-out',
    async ({ blastRadius, contained }) => {
      const { deps, provider, bus } = setup({ ...defaultContainmentPolicy, blastRadius });
      const base = example('aitm-phished-admin');
      const results = [];
      for (let i = 0; i < 6; i++) {
        const detection = {
          ...base,
          detectionId: `burst-${i}`,
          subject: { ...base.subject, id: `user-${i}@halvorsenfreight.example` },
        };
        results.push(await respond({ detection }, deps));
      }
      expect(provider.requests).toHaveLength(contained);
      expect(results.map((r) => r.status)).toEqual([
        ...Array(contained).fill('contained'),
        ...Array(6 - contained).fill('awaitingApproval'),
      ]);
      expect(bus.types().filter((type) => type === 'Approval Required')).toHaveLength(1);
    },
  );

  it('plans and records in a dry run, calls nothing, and says so in every line', async () => {
    const { deps, provider, bus } = setup({ ...defaultContainmentPolicy, dryRun: true });
    const result = await respond({ detection: example('aitm-phished-admin') }, deps);
    expect(provider.requests).toEqual([]);
    expect(result.mode).toBe('dry-run');
    expect(result.status).toBe('dryRun');
    expect(result.containment.length).toBeGreaterThan(0);
    expect(
      result.containment.every(
        (line) => line.status === 'skipped' && line.note?.startsWith('dryRun'),
      ),
    ).toBe(true);
    expect(bus.types()).not.toContain('Approval Required');
  });

  it('records a transient failure, then throws so the queue redelivers', async () => {
    const { deps, provider, ledger } = setup();
    provider.answer = (request) => [
      {
        action: 'revokeSessions',
        target: request.subject.id,
        status: 'failed',
        startedAt: '2026-03-17T14:12:06Z',
        durationMs: 30_000,
        error: { class: 'throttled', message: '429 TooManyRequests', retryable: true },
      },
    ];
    await expect(
      respond({ detection: example('aitm-phished-admin') }, deps),
    ).rejects.toBeInstanceOf(RetryableContainmentError);
    expect(ledger.all().some((r) => r.kind === 'containment.action' && r.status === 'failed')).toBe(
      true,
    );
  });

  it('records nothing twice when the same detection is delivered again', async () => {
    const { deps, ledger } = setup();
    const detection = example('aitm-phished-admin');
    const first = await respond({ detection }, deps);
    const second = await respond({ detection }, deps);
    expect(second.ledger.appended).toBe(0);
    expect(second.ledger.duplicates).toBe(first.ledger.appended);
    expect(ledger.all()).toHaveLength(first.ledger.records);
  });
});
