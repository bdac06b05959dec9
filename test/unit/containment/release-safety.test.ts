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
import type { LedgerEntry } from '../../../shared/domain/ledger/record.ts';
import { selectRestorable } from '../../../shared/domain/restore-safety.ts';
import type { IdentityProvider } from '../../../shared/ports/identity-provider.ts';
import { release } from '../../../shared/use-cases/release.ts';

const clock = { now: () => new Date('2026-03-18T09:00:00Z') };
const INCIDENT = 'inc-safe-release';
// examples/aitm-phished-admin.json: token issued 14:09:31, detected 14:12:05.
const ISSUED = '2026-03-17T14:09:31Z';

function detection(): Detection {
  const parsed = parseDetection(
    JSON.parse(readFileSync('examples/aitm-phished-admin.json', 'utf8')),
  );
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

const role = (id: string, startDateTime?: string): RestorableChange => ({
  kind: 'roleAssignment',
  assignmentType: 'permanent',
  assignmentId: id,
  roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
  directoryScopeId: '/',
  principalId: '1b688927-349c-4622-845d-03aefbc01f62',
  ...(startDateTime ? { startDateTime } : {}),
});

class RecordingProvider implements IdentityProvider {
  readonly provider = 'entra' as const;
  readonly mode = 'simulated' as const;
  readonly handed: RestorableChange[][] = [];
  /** Holds every restore until released, to race two releases. */
  gate: Promise<void> = Promise.resolve();
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
    await this.gate;
    return request.changes.map(() => ({
      action: 'isolatePrivilege',
      target: 'x',
      status: 'succeeded',
      startedAt: clock.now().toISOString(),
      durationMs: 1,
    }));
  }
}

async function incident(subject: Detection, entries: LedgerEntry[]) {
  const ledger = new InMemoryLedgerStore(clock);
  await ledger.append(INCIDENT, [
    { kind: 'detection.received', stepKey: 'detection', data: { detection: subject } },
    ...entries,
  ]);
  return ledger;
}

const intent = (change: RestorableChange): LedgerEntry => ({
  kind: 'containment.intent',
  stepKey: `intent:${change.kind}:${JSON.stringify(change).length}:${Math.random()}`,
  status: 'intended',
  data: { change },
});

describe('which recorded changes release puts back', () => {
  it.each([
    {
      name: 'began before the stolen token was issued',
      startDateTime: '2026-03-01T08:00:00Z',
      restored: true,
    },
    {
      name: 'began after the stolen token was issued',
      startDateTime: '2026-03-17T14:10:00Z',
      restored: false,
    },
    { name: 'began exactly when it was issued', startDateTime: ISSUED, restored: false },
  ])('a role that $name', ({ startDateTime, restored }) => {
    const selection = selectRestorable([role('a', startDateTime)], detection());
    expect(selection.attackWindow).toEqual({
      since: '2026-03-17T14:09:31.000Z',
      basis: 'tokenIssuedAt',
    });
    expect(selection.restore).toHaveLength(restored ? 1 : 0);
    expect(selection.createdDuringAttack).toHaveLength(restored ? 0 : 1);
  });

  it('without the token time, looks back from the detection by the configured hours', () => {
    const subject = detection();
    const { tokenIssuedAt: _, ...session } = subject.session ?? {};
    const withoutToken = { ...subject, session };
    const selection = selectRestorable([role('a', '2026-03-17T10:00:00Z')], withoutToken, 6);
    expect(selection.attackWindow).toEqual({
      since: '2026-03-17T08:12:05.000Z',
      basis: 'lookback',
    });
    expect(selection.createdDuringAttack).toHaveLength(1);
    expect(
      selectRestorable([role('a', '2026-03-17T10:00:00Z')], withoutToken, 3).restore,
    ).toHaveLength(1);
  });

  const PRINCIPAL = '1b688927-349c-4622-845d-03aefbc01f62';
  const GROUP = '5f0c1a2b-8d3e-4c6f-9a7b-2e1d0c9b8a76';
  const grants: Array<{ kind: string; at: (start: string) => RestorableChange }> = [
    { kind: 'roleAssignment', at: (start) => role('a', start) },
    {
      kind: 'roleEligibility',
      at: (start) => ({
        kind: 'roleEligibility',
        eligibilityId: 'e1',
        roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
        directoryScopeId: '/',
        principalId: PRINCIPAL,
        startDateTime: start,
      }),
    },
    {
      kind: 'groupMembership',
      at: (start) => ({
        kind: 'groupMembership',
        groupId: GROUP,
        memberId: PRINCIPAL,
        groupRoles: ['62e90394-69f5-4237-9190-012177145e10'],
        startDateTime: start,
      }),
    },
    {
      kind: 'pimGroupAccess',
      at: (start) => ({
        kind: 'pimGroupAccess',
        schedule: 'eligible',
        accessId: 'member',
        groupId: GROUP,
        principalId: PRINCIPAL,
        instanceId: 'i1',
        startDateTime: start,
      }),
    },
    {
      kind: 'oktaRoleAssignment',
      at: (start) => ({
        kind: 'oktaRoleAssignment',
        userId: '00u1a2b3c4d5e6f7g8h9',
        assignmentId: 'ra1',
        roleType: 'SUPER_ADMIN',
        startDateTime: start,
      }),
    },
  ];
  it.each(grants)('a $kind that began during the attack is kept out', ({ at }) => {
    const selection = selectRestorable([at('2026-03-17T14:10:00Z')], detection());
    expect(selection.restore).toHaveLength(0);
    expect(selection.createdDuringAttack).toHaveLength(1);
  });
  it.each(grants)('a $kind whose start is `unknown` is restored and listed', ({ at }) => {
    const selection = selectRestorable([at('unknown')], detection());
    expect(selection.restore).toHaveLength(1);
    expect(selection.startUnknown).toHaveLength(1);
  });

  it('restores a role whose start the provider did not give, and says so', () => {
    const selection = selectRestorable([role('a')], detection());
    expect(selection.restore).toHaveLength(1);
    expect(selection.startUnknown).toHaveLength(1);
  });

  it('never re-activates the access key the finding named as stolen', () => {
    const subject = { ...detection(), session: { sessionId: 'AKIAWJ6KQ3XRB7NDL2FE' } };
    const selection = selectRestorable(
      [
        { kind: 'awsAccessKeyDeactivated', userName: 'svc', accessKeyId: 'AKIAWJ6KQ3XRB7NDL2FE' },
        { kind: 'awsAccessKeyDeactivated', userName: 'svc', accessKeyId: 'AKIAOTHERKEY00000000' },
      ],
      subject,
    );
    expect(selection.refused.map((r) => r.why)).toEqual([expect.stringMatching(/new key/)]);
    expect(selection.restore).toHaveLength(1);
  });
});

/** These tests read the ledger; release's bus announcement is tested in release.test.ts. */
const silentBus = { publish: async () => undefined };

describe('release', () => {
  it('restores from intents whose outcome was never recorded, lists what began during the attack, and records who and why', async () => {
    const ledger = await incident(detection(), [
      intent(role('before', '2026-03-01T08:00:00Z')),
      intent(role('during', '2026-03-17T14:11:00Z')),
    ]);
    const provider = new RecordingProvider();
    const result = await release(
      { incidentId: INCIDENT, requestedBy: 'analyst', reason: 'false positive: travel' },
      { ledger, clock, identityProviderFor: () => provider, events: silentBus },
    );
    expect(provider.handed).toEqual([[role('before', '2026-03-01T08:00:00Z')]]);
    expect(result).toMatchObject({
      status: 'released',
      notRestored: [
        { why: expect.stringMatching(/^not restored: created during the attack window/) },
      ],
    });
    const records = (await ledger.query({ incidentId: INCIDENT })).records;
    expect(records.find((r) => r.kind === 'release.requested')?.data).toMatchObject({
      by: 'analyst',
      reason: 'false positive: travel',
    });
    expect(records.find((r) => r.kind === 'release.completed')?.data).toMatchObject({
      notRestored: [{ target: 'during' }],
    });
  });

  it('acts once when two releases run at the same time: the other is told it is already releasing', async () => {
    const ledger = await incident(detection(), [intent(role('before', '2026-03-01T08:00:00Z'))]);
    const provider = new RecordingProvider();
    let open: () => void = () => undefined;
    provider.gate = new Promise((resolve) => {
      open = resolve;
    });
    const deps = { ledger, clock, identityProviderFor: () => provider, events: silentBus };
    const first = release(
      { incidentId: INCIDENT, requestedBy: 'a', reason: 'benign sign-in' },
      deps,
    );
    const second = release(
      { incidentId: INCIDENT, requestedBy: 'b', reason: 'benign sign-in' },
      deps,
    );
    const early = await second;
    open();
    const results = [await first, early].map((r) => r.status).sort();
    expect(results).toEqual(['alreadyReleasing', 'released']);
    expect(provider.handed).toHaveLength(1);
    // Once the first has finished, a later release runs (and finds nothing left to restore).
    const later = await release(
      { incidentId: INCIDENT, requestedBy: 'c', reason: 'checking again' },
      deps,
    );
    expect(later.status).toBe('nothingToRestore');
  });

  it('refuses to act on an incident whose chain does not verify', async () => {
    const ledger = await incident(detection(), [intent(role('before', '2026-03-01T08:00:00Z'))]);
    const stored = ledger.all().find((r) => r.kind === 'containment.intent');
    if (stored) (stored.data.change as { assignmentId: string }).assignmentId = 'someone-elses';
    const provider = new RecordingProvider();
    const result = await release(
      { incidentId: INCIDENT, requestedBy: 'analyst', reason: 'false positive: travel' },
      { ledger, clock, identityProviderFor: () => provider, events: silentBus },
    );
    expect(result).toMatchObject({ status: 'ledgerBroken', break: { problem: 'changed' } });
    expect(provider.handed).toEqual([]);
  });
});
