import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../shared/domain/accountability.ts';
import type { ResolvedOwners } from '../../../shared/domain/ownership.ts';
import { ticketScopes } from '../../../shared/domain/tickets/owners.ts';

const assignment = (team: string) => ({
  team,
  ticket: { system: 'file' as const },
  escalation: 'oncall',
});

function finding(
  ownerRole: Finding['ownerRole'],
  status: Finding['status'],
  controlId: string,
): Finding {
  return {
    controlId,
    ownerRole,
    ownerTeam: 'n/a',
    status,
    question: 'session-validity',
    reason: 'r',
    evidence: [],
    frameworks: [],
  };
}

describe('ticketScopes', () => {
  const owners: ResolvedOwners = {
    iam: assignment('Identity'),
    endpoint: assignment('Endpoint'),
    application: assignment('Apps'),
    partner: assignment('Contoso MSP'),
  };

  it('gives one scope per owner team with a failed control, with its undetermined ones', () => {
    const scopes = ticketScopes(
      [
        finding('iam', 'failed', 'iam.a'),
        finding('iam', 'undetermined', 'iam.b'),
        finding('iam', 'held', 'iam.c'),
        finding('endpoint', 'undetermined', 'endpoint.a'),
        finding('partner', 'failed', 'partner.a'),
      ],
      owners,
    );
    expect(
      scopes.map((s) => [s.ownerRole, s.owner.team, s.findings.map((f) => f.controlId)]),
    ).toEqual([
      ['iam', 'Identity', ['iam.a', 'iam.b']],
      ['partner', 'Contoso MSP', ['partner.a']],
    ]);
  });

  it('merges the roles of a team that holds two, so it gets one ticket', () => {
    const shared = { ...owners, application: assignment('Identity') };
    const scopes = ticketScopes(
      [finding('iam', 'failed', 'iam.a'), finding('application', 'failed', 'application.a')],
      shared,
    );
    expect(scopes).toHaveLength(1);
    expect(scopes[0]?.ownerRole).toBe('iam');
    expect(scopes[0]?.findings.map((f) => f.controlId)).toEqual(['iam.a', 'application.a']);
  });

  it('opens nothing for a partner the detection does not name', () => {
    const { partner: _partner, ...tenantOnly } = owners;
    expect(ticketScopes([finding('partner', 'failed', 'partner.a')], tenantOnly)).toEqual([]);
  });
});
