import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InMemoryLedgerStore } from '../../../shared/adapters/memory/ledger-store.ts';
import type {
  ActionOutcome,
  ContainmentResult,
  RestorableChange,
  RestoreRequest,
} from '../../../shared/domain/containment.ts';
import { type Detection, parseDetection } from '../../../shared/domain/detection.ts';
import type { EventPublisher, ResponderEvent } from '../../../shared/ports/events.ts';
import type { IdentityProvider } from '../../../shared/ports/identity-provider.ts';
import { release } from '../../../shared/use-cases/release.ts';

const clock = { now: () => new Date('2026-03-17T15:00:00Z') };
const INCIDENT = 'inc-release';

function detection(): Detection {
  const parsed = parseDetection(
    JSON.parse(readFileSync('examples/aitm-phished-admin.json', 'utf8')),
  );
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

/** Restores whatever it is handed and records what that was. */
class RecordingProvider implements IdentityProvider {
  readonly provider = 'entra' as const;
  readonly mode = 'simulated' as const;
  readonly handed: RestorableChange[][] = [];
  coversTenant(): boolean {
    return true;
  }
  async contain(): Promise<ContainmentResult> {
    return { outcomes: [] };
  }
  async verify() {
    return { verified: true, detail: '', checkedAt: clock.now().toISOString() };
  }
  async restore(request: RestoreRequest): Promise<ActionOutcome[]> {
    this.handed.push([...request.changes]);
    return request.changes.map((change) => ({
      action: 'disableAccount',
      target: change.kind === 'accountDisabled' ? change.subjectId : 'other',
      status: 'succeeded',
      startedAt: clock.now().toISOString(),
      durationMs: 1,
    }));
  }
}

async function ledgerWith(restore: unknown) {
  const ledger = new InMemoryLedgerStore(clock);
  const subject = detection();
  await ledger.append(INCIDENT, [
    { kind: 'detection.received', stepKey: 'received', data: { detection: subject } },
    {
      kind: 'containment.action',
      stepKey: 'contain:disableAccount',
      subjectId: subject.subject.id,
      status: 'succeeded',
      data: { action: 'disableAccount', restore },
    },
  ]);
  return { ledger, subjectId: subject.subject.id };
}

class RecordingBus implements EventPublisher {
  readonly events: ResponderEvent[] = [];
  failNext = false;
  async publish(events: readonly ResponderEvent[]): Promise<void> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('EventBridge rejected 1 event(s): InternalFailure');
    }
    this.events.push(...events);
  }
}

async function releaseFrom(
  ledger: InMemoryLedgerStore,
  provider: IdentityProvider = new RecordingProvider(),
  bus = new RecordingBus(),
) {
  const request = { incidentId: INCIDENT, requestedBy: 'analyst', reason: 'benign' };
  const result = await release(request, {
    ledger,
    clock,
    identityProviderFor: () => provider,
    events: bus,
  });
  return { provider: provider as RecordingProvider, result, bus };
}

/** Confirms nothing: every restore fails at the provider. */
class RefusingProvider extends RecordingProvider {
  override async restore(request: RestoreRequest): Promise<ActionOutcome[]> {
    return request.changes.map(() => ({
      action: 'disableAccount',
      target: 'x',
      status: 'failed',
      startedAt: clock.now().toISOString(),
      durationMs: 1,
      error: { class: 'transient', message: 'Graph answered 503', retryable: true },
    }));
  }
}

describe('release announces what the provider confirmed on the bus', () => {
  it('publishes Release Completed naming the re-enabled account after a confirmed restore', async () => {
    const { ledger, subjectId } = await ledgerWith([{ kind: 'accountDisabled', subjectId: 'x' }]);
    const { bus } = await releaseFrom(ledger);
    expect(bus.events).toEqual([
      {
        detailType: 'Release Completed',
        detail: expect.objectContaining({
          incidentId: INCIDENT,
          subjectId,
          requestedBy: 'analyst',
          restored: [{ action: 'disableAccount', target: 'x', kind: 'accountDisabled' }],
        }),
      },
    ]);
  });

  it('publishes nothing when the provider confirmed no restore', async () => {
    const { ledger } = await ledgerWith([{ kind: 'accountDisabled', subjectId: 'x' }]);
    const { bus, result } = await releaseFrom(ledger, new RefusingProvider());
    expect(result.status).toBe('released');
    expect(bus.events).toEqual([]);
  });

  it('announces again on a retried release when the first announcement was lost', async () => {
    const { ledger } = await ledgerWith([{ kind: 'accountDisabled', subjectId: 'x' }]);
    const bus = new RecordingBus();
    bus.failNext = true;
    await expect(releaseFrom(ledger, new RecordingProvider(), bus)).rejects.toThrow(
      /EventBridge rejected/,
    );
    const retried = await releaseFrom(ledger, new RecordingProvider(), bus);
    expect(retried.result.status).toBe('nothingToRestore');
    expect(retried.provider.handed).toEqual([]); // nothing restored twice
    expect(bus.events.map((e) => e.detailType)).toEqual(['Release Completed']);
  });
});

describe('release reads recorded changes with the schema', () => {
  it('hands the provider the recorded change and records its outcome with it', async () => {
    const { ledger, subjectId } = await ledgerWith([{ kind: 'accountDisabled', subjectId: 'x' }]);
    const { provider, result } = await releaseFrom(ledger);
    expect(provider.handed).toEqual([[{ kind: 'accountDisabled', subjectId: 'x' }]]);
    expect(result.status).toBe('released');
    const records = (await ledger.query({ incidentId: INCIDENT })).records;
    const restored = records.filter((r) => r.kind === 'restore.action');
    expect(restored.map((r) => [r.subjectId, r.status, r.data.change])).toEqual([
      [subjectId, 'succeeded', { kind: 'accountDisabled', subjectId: 'x' }],
    ]);
  });

  it('refuses a malformed record by name and never hands it to the provider', async () => {
    const { ledger } = await ledgerWith([
      { kind: 'roleAssignment', assignmentId: 'a-1' },
      { kind: 'accountDisabled', subjectId: 'x' },
    ]);
    const { provider, result } = await releaseFrom(ledger);
    expect(provider.handed).toEqual([[{ kind: 'accountDisabled', subjectId: 'x' }]]);
    if (result.status !== 'released') throw new Error(`expected released, got ${result.status}`);
    const refused = result.outcomes.find((o) => o.status === 'failed');
    expect(refused).toMatchObject({
      action: 'isolatePrivilege',
      target: 'a-1',
      error: { class: 'invalid', retryable: false },
    });
    if (refused?.status === 'failed') {
      expect(refused.error.message).toMatch(/invalid restorable change: .*roleDefinitionId/);
      expect(refused.error.message).toMatch(/refused$/);
    }
    const records = (await ledger.query({ incidentId: INCIDENT })).records;
    expect(records.filter((r) => r.kind === 'restore.action').map((r) => r.status)).toEqual([
      'succeeded',
      'failed',
    ]);
  });

  it('calls no provider when the only recorded change is unreadable', async () => {
    const { ledger } = await ledgerWith('not a list');
    const { provider, result } = await releaseFrom(ledger);
    expect(provider.handed).toEqual([]);
    expect(result.status === 'released' && result.outcomes.map((o) => o.status)).toEqual([
      'failed',
    ]);
  });
});
