import { describe, expect, it } from 'vitest';
import { parseRemediationRequest } from '../../../shared/domain/tickets/remediation-request.ts';
import { containment, fixture, INCIDENT_ID, iamFindings } from './ticket-requests.ts';

const message = () => ({
  incidentId: INCIDENT_ID,
  ownerRole: 'iam',
  owner: {
    team: 'Identity Platform',
    ticket: { system: 'jira', project: 'IAM' },
    escalation: 'oncall',
  },
  detection: fixture('detection-aitm-admin.json'),
  findings: iamFindings(),
  containment: containment(),
  mode: 'simulated',
});

describe('parseRemediationRequest', () => {
  it('accepts the message the responder puts on the ticket queue', () => {
    const parsed = parseRemediationRequest(message());
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(parsed.value.containment).toHaveLength(3);
  });

  it('names every bad field', () => {
    const bad = message();
    const input = {
      ...bad,
      ownerRole: 'auditor',
      detection: { ...(bad.detection as object), severity: 'urgent' },
      findings: [{ ...bad.findings[0], status: 'broken' }],
      containment: [{ ...bad.containment[0], status: 'exploded' }],
    };
    const parsed = parseRemediationRequest(input);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'ownerRole',
        'detection.severity',
        'findings[0].status',
        'containment[0].status',
      ]),
    );
  });
});
