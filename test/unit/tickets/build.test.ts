import { describe, expect, it } from 'vitest';
import { buildTicketDocument } from '../../../shared/domain/tickets/build.ts';
import {
  type Line,
  lineText,
  type TicketDocument,
} from '../../../shared/domain/tickets/document.ts';
import {
  detection,
  INCIDENT_ID,
  invisibles,
  oversizedDetection,
  ticketRequest,
} from './ticket-requests.ts';

function section(document: TicketDocument, heading: string) {
  const found = document.sections.find((s) => s.heading.startsWith(heading));
  if (!found) throw new Error(`no section ${heading}`);
  return found;
}

/** Every line of a section, as plain text, for content assertions. */
function sectionText(document: TicketDocument, heading: string): string {
  return section(document, heading)
    .blocks.flatMap((block): Line[] => {
      if (block.kind === 'paragraph') return [block.line];
      if (block.kind === 'bullets') return [...block.items];
      return block.rows.map((row) => [{ text: `${row.label}: `, trusted: true }, ...row.value]);
    })
    .map(lineText)
    .join('\n');
}

function allRuns(document: TicketDocument) {
  return [
    ...document.title,
    ...document.sections.flatMap((s) =>
      s.blocks.flatMap((b) =>
        b.kind === 'paragraph'
          ? [...b.line]
          : b.kind === 'bullets'
            ? b.items.flat()
            : b.rows.flatMap((r) => [...r.value]),
      ),
    ),
  ];
}

describe('buildTicketDocument', () => {
  it('titles the ticket with the subject and the owner’s failed controls', () => {
    const document = buildTicketDocument(ticketRequest());
    expect(lineText(document.title)).toBe(
      'Session compromise of Maria Keller: failed iam.phishing-resistant-mfa, iam.token-binding',
    );
  });

  it('marks the subject’s name as untrusted and our words as trusted', () => {
    const document = buildTicketDocument(ticketRequest());
    expect(document.title).toContainEqual({ text: 'Maria Keller', trusted: false });
    expect(document.title[0]?.trusted).toBe(true);
  });

  it('summarises the incident: subject, tenant, severity, source and time', () => {
    const text = sectionText(buildTicketDocument(ticketRequest()), 'Incident');
    expect(text).toContain(
      'Subject: Maria Keller, maria.keller@halvorsenfreight.example, user 1b688927',
    );
    expect(text).toContain('Tenant: entra 395979b2-3921-4e47-adf8-f76fc76c27fc');
    expect(text).toContain('Severity: critical');
    expect(text).toContain('Detected at: 2026-03-17T09:42:11Z');
    expect(text).toContain('Detected by: Microsoft Entra ID Protection, rule anomalousToken');
    expect(text).toContain('Accountable owner: Identity Platform (iam owner)');
  });

  it('answers the three incident-time questions in plain words from the findings', () => {
    const text = sectionText(buildTicketDocument(ticketRequest()), 'What happened');
    expect(text).toContain(
      'The stolen session was accepted because these controls you own failed: iam.phishing-resistant-mfa, iam.token-binding. Also not known from the detection; please confirm iam.conditional-access.',
    );
    expect(text).toContain(
      'Did the endpoint permit the theft?: No control you own on this question failed or is in doubt.',
    );
    expect(text).toContain('Could the tenant be administered without step-up');
    expect(text).not.toContain('delegated partner');
  });

  it('asks the delegation question only when a finding is about it', () => {
    const request = ticketRequest({
      ownerRole: 'partner',
      findings: [
        {
          controlId: 'partner.trust-boundary',
          ownerRole: 'partner',
          ownerTeam: 'Contoso MSP',
          status: 'failed',
          question: 'delegation',
          reason: 'The partner held standing GDAP admin roles.',
          evidence: ['partnerSessionUsed=true'],
          frameworks: ['NIST CSF 2.0 GV.SC-08'],
        },
      ],
    });
    const text = sectionText(buildTicketDocument(request), 'What happened');
    expect(text).toContain(
      "Did a delegated partner's access carry the session?: Yes. The delegated trust boundary did not hold; these controls you own failed: partner.trust-boundary.",
    );
  });

  it('lists containment done and, for the IAM owner, what needs its action', () => {
    const text = sectionText(buildTicketDocument(ticketRequest()), 'Containment');
    expect(text).toContain(
      'Revoke sessions and refresh tokens on 1b688927-349c-4622-845d-03aefbc01f62: done',
    );
    expect(text).toContain('Not done, and needs your action');
    expect(text).toContain(
      'Remove active privileged roles on 1b688927-349c-4622-845d-03aefbc01f62: FAILED (forbidden, needs RoleManagement.ReadWrite.Directory)',
    );
    expect(text).toContain(
      'Disable the account on 1b688927-349c-4622-845d-03aefbc01f62: skipped (approvalRequired)',
    );
  });

  it('tells other owners that unfinished containment is the identity owner’s', () => {
    const text = sectionText(
      buildTicketDocument(ticketRequest({ ownerRole: 'endpoint' })),
      'Containment',
    );
    expect(text).toContain('the identity owner completes these');
    expect(text).not.toContain('needs your action');
  });

  it('says so when no containment was recorded', () => {
    const text = sectionText(
      buildTicketDocument(ticketRequest({ containment: [] })),
      'Containment',
    );
    expect(text).toBe('No containment action was recorded for this incident.');
  });

  it('gives each failed control its reason, evidence, guidance and framework references', () => {
    const document = buildTicketDocument(ticketRequest(), {
      guidanceFor: (id) =>
        id === 'iam.token-binding' ? 'Enforce token protection for sign-in sessions.' : undefined,
    });
    const text = sectionText(document, 'Failed controls');
    expect(section(document, 'Failed controls').heading).toBe(
      'Failed controls: action required by Identity Platform',
    );
    expect(text).toContain('Why: The session token was not bound to the device');
    expect(text).toContain('Evidence: tokenBindingEnforced=false');
    expect(text).toContain('Remediation: Enforce token protection for sign-in sessions.');
    expect(text).toContain('Framework references: NIST CSF 2.0 PR.AA-04; NIST SP 800-53 SC-23');
    expect(text).toContain('Remediation: No guidance is recorded for this control in the catalog.');
  });

  it('asks the owner to confirm the undetermined controls', () => {
    const text = sectionText(buildTicketDocument(ticketRequest()), 'Please confirm');
    expect(text).toContain(
      'iam.conditional-access: The detection did not say whether conditional access applied.',
    );
  });

  it('carries the due date and a link back to the ledger', () => {
    const document = buildTicketDocument(ticketRequest());
    expect(sectionText(document, 'Due date')).toContain('Due by: 2026-03-18T09:42:11.000Z');
    const link = sectionText(document, 'Link back');
    expect(link).toContain(`Incident: ${INCIDENT_ID}`);
    expect(link).toContain(`Ledger: responder ledger query --incident ${INCIDENT_ID}`);
    expect(document.meta.ledgerCommand).toBe(`responder ledger query --incident ${INCIDENT_ID}`);
  });

  it.each([
    ['simulated', /^SIMULATED: .*simulated tenant/, '[SIMULATED] '],
    ['dry-run', /^DRY RUN: nothing was contained/, '[DRY RUN] '],
  ] as const)('says prominently that a %s ticket is not live', (mode, banner, prefix) => {
    const document = buildTicketDocument(ticketRequest({ mode }));
    expect(document.banner).toMatch(banner);
    expect(lineText(document.title).startsWith(prefix)).toBe(true);
  });

  it('has no banner in live mode', () => {
    const document = buildTicketDocument(ticketRequest({ mode: 'live' }));
    expect(document.banner).toBeUndefined();
    expect(lineText(document.title)).not.toContain('[');
  });

  it('truncates oversized detection text with a visible note', () => {
    const document = buildTicketDocument(ticketRequest({ detection: oversizedDetection() }));
    const subject = sectionText(document, 'Incident');
    expect(subject).toMatch(/Maria A{114} \[truncated: 386 more characters\]/);
    const untrusted = allRuns(document).filter((run) => !run.trusted);
    for (const run of untrusted) expect(Array.from(run.text).length).toBeLessThanOrEqual(400);
  });

  it('bounds the detection text of a whole ticket and says what was omitted', () => {
    const findings = Array.from({ length: 30 }, (_, i) => ({
      controlId: `iam.control-${i}`,
      ownerRole: 'iam' as const,
      ownerTeam: 'Identity Platform',
      status: 'failed' as const,
      question: 'session-validity' as const,
      reason: 'r'.repeat(400),
      evidence: Array.from({ length: 20 }, () => 'e'.repeat(200)),
      frameworks: [],
    }));
    const document = buildTicketDocument(ticketRequest({ findings }), { untrustedBudget: 5000 });
    const untrusted = allRuns(document).filter((run) => !run.trusted);
    const total = untrusted.reduce((sum, run) => sum + run.text.length, 0);
    expect(total).toBeLessThanOrEqual(5000);
    expect(sectionText(document, 'Failed controls')).toContain(
      '[omitted: this ticket reached its limit for detection text]',
    );
    expect(sectionText(document, 'Failed controls')).toContain('(+12 more in the ledger)');
  });

  it('strips control and direction-override characters from detection text', () => {
    const document = buildTicketDocument(
      ticketRequest({ detection: detection('detection-hostile.json') }),
    );
    for (const run of allRuns(document)) {
      expect(invisibles(run.text)).toEqual([]);
    }
  });

  it('names an owner with only undetermined controls what to confirm in the title', () => {
    const findings = ticketRequest().findings.filter((f) => f.status === 'undetermined');
    const document = buildTicketDocument(ticketRequest({ findings }));
    expect(lineText(document.title)).toBe(
      'Session compromise of Maria Keller: confirm 1 control(s)',
    );
  });
});
