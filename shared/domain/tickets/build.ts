import type { Finding, Question } from '../accountability.ts';
import type { ActionOutcome, ContainmentAction } from '../containment.ts';
import { CONTROL_CATALOG } from '../controls/catalog.ts';
import {
  type Block,
  type Line,
  ours,
  type Section,
  type TextRun,
  type TicketDocument,
  UntrustedBudget,
} from './document.ts';
import type { TicketRequest } from './ticket-request.ts';

export interface TicketContentOptions {
  /** Remediation guidance for a control; defaults to the controls catalog's one sentence. */
  guidanceFor?: (controlId: string) => string | undefined;
  /** Characters of detection text one ticket may carry in all (default 8000). */
  untrustedBudget?: number;
}

export type TicketDocumentBuilder = (request: TicketRequest) => TicketDocument;

// Per-piece bounds on detection text: enough to identify, too little to smuggle a payload.
const LIMIT = { name: 120, id: 256, text: 400, evidenceItem: 200 } as const;
const EVIDENCE_ITEMS = 8;
const TITLE_CONTROLS = 3;

function ledgerQueryCommand(incidentId: string): string {
  return `responder ledger query --incident ${incidentId}`;
}

const QUESTION_TEXT: Record<Question, { ask: string; failed: string }> = {
  'session-validity': {
    ask: 'Was the session valid because the identity provider allowed it, or because the application accepted it unchecked?',
    failed: 'The stolen session was accepted because these controls you own failed:',
  },
  endpoint: {
    ask: 'Did the endpoint permit the theft?',
    failed: 'Yes. The endpoint let the session be stolen; these controls you own failed:',
  },
  'tenant-admin': {
    ask: 'Could the tenant be administered without step-up or privileged-access controls?',
    failed: 'Yes. The session could administer the tenant; these controls you own failed:',
  },
  delegation: {
    ask: "Did a delegated partner's access carry the session?",
    failed: 'Yes. The delegated trust boundary did not hold; these controls you own failed:',
  },
  'non-human': {
    ask: 'Were workload credentials reachable from the stolen session?',
    failed: 'Yes. Workload credentials were exposed; these controls you own failed:',
  },
};

const ALWAYS_ASKED: readonly Question[] = ['session-validity', 'endpoint', 'tenant-admin'];
const SOMETIMES_ASKED: readonly Question[] = ['delegation', 'non-human'];

const ACTION_LABEL: Record<ContainmentAction, string> = {
  revokeSessions: 'Revoke sessions and refresh tokens',
  isolatePrivilege: 'Remove active privileged roles',
  markCompromised: 'Mark the account compromised',
  disableAccount: 'Disable the account',
  removeCredentials: 'Remove workload credentials',
  denyOlderSessions: 'Deny role sessions issued before containment',
};

const BANNER = {
  simulated:
    'SIMULATED: containment ran against the simulated tenant, not a real identity provider. No real account was changed.',
  'dry-run':
    'DRY RUN: nothing was contained. This ticket shows what the responder would have done.',
} as const;

const TITLE_PREFIX = { live: '', simulated: '[SIMULATED] ', 'dry-run': '[DRY RUN] ' } as const;

/** The remediation ticket for one owner of one incident, in no particular ticket format. */
export function buildTicketDocument(
  request: TicketRequest,
  options: TicketContentOptions = {},
): TicketDocument {
  const budget = new UntrustedBudget(options.untrustedBudget ?? 8000);
  const { detection, owner, ownerRole, mode, incidentId } = request;
  const failed = request.findings.filter((f) => f.status === 'failed');
  const undetermined = request.findings.filter((f) => f.status === 'undetermined');
  const subject = detection.subject;
  const subjectName = subject.displayName ?? subject.userPrincipalName ?? subject.id;
  const ledgerCommand = ledgerQueryCommand(incidentId);

  const title: TextRun[] = [
    ours(`${TITLE_PREFIX[mode]}Session compromise of `),
    ...budget.take(subjectName, 80),
    ours(`: ${titleControls(failed, undetermined)}`),
  ];

  const summary: Section = {
    heading: 'Incident',
    keep: true,
    blocks: [
      {
        kind: 'fields',
        rows: [
          { label: 'Subject', value: subjectLine(request, budget) },
          {
            label: 'Tenant',
            value: [
              ours(`${detection.tenant.provider} `),
              ...budget.take(detection.tenant.tenantId, LIMIT.id),
            ],
          },
          ...(detection.tenant.partner
            ? [
                {
                  label: 'Delegated partner',
                  value: [
                    ...budget.take(detection.tenant.partner.name, LIMIT.name),
                    ours(` (${detection.tenant.partner.relationship})`),
                  ],
                },
              ]
            : []),
          { label: 'Severity', value: [ours(detection.severity, 'strong')] },
          { label: 'Detected at', value: [ours(detection.detectedAt)] },
          { label: 'Detected by', value: sourceLine(request, budget) },
          { label: 'Detection id', value: budget.take(detection.detectionId, LIMIT.id) },
          { label: 'Accountable owner', value: [ours(`${owner.team} (${ownerRole} owner)`)] },
          { label: 'Mode', value: [ours(mode, 'strong')] },
        ],
      },
    ],
  };

  const sections: Section[] = [
    summary,
    { heading: 'What happened, in plain words', blocks: questionBlocks(request.findings) },
    { heading: 'Containment: done, and what is left', blocks: containmentBlocks(request, budget) },
    {
      heading: `Failed controls: action required by ${owner.team}`,
      blocks: failedBlocks(failed, budget, options),
    },
  ];
  if (undetermined.length > 0) {
    sections.push({
      heading: 'Please confirm: controls the detection could not judge',
      blocks: [
        {
          kind: 'paragraph',
          line: [
            ours(
              'The detection did not say whether these controls were in force. Confirm each one, and fix it if it was not.',
            ),
          ],
        },
        {
          kind: 'bullets',
          items: undetermined.map((f) => [
            ours(f.controlId, 'code'),
            ours(': '),
            ...budget.take(f.reason, LIMIT.text),
          ]),
        },
      ],
    });
  }
  sections.push(
    {
      heading: 'Due date',
      keep: true,
      blocks: [
        {
          kind: 'fields',
          rows: [
            { label: 'Due by', value: [ours(request.dueDate, 'strong')] },
            { label: 'Set by', value: [ours(`the ${detection.severity}-severity SLA`)] },
            { label: 'Escalation', value: [ours(owner.escalation)] },
          ],
        },
      ],
    },
    {
      heading: 'Link back',
      keep: true,
      blocks: [
        {
          kind: 'fields',
          rows: [
            { label: 'Incident', value: [ours(incidentId, 'code')] },
            { label: 'Ledger', value: [ours(ledgerCommand, 'code')] },
            { label: 'Dedupe key', value: [ours(request.dedupeKey, 'code')] },
          ],
        },
      ],
    },
  );

  const document: TicketDocument = {
    title,
    sections,
    meta: {
      incidentId,
      dedupeKey: request.dedupeKey,
      severity: detection.severity,
      ownerRole,
      ownerTeam: owner.team,
      dueDate: request.dueDate,
      mode,
      failedControls: failed.map((f) => f.controlId),
      undeterminedControls: undetermined.map((f) => f.controlId),
      ledgerCommand,
    },
  };
  return mode === 'live' ? document : { ...document, banner: BANNER[mode] };
}

function titleControls(failed: readonly Finding[], undetermined: readonly Finding[]): string {
  if (failed.length === 0) return `confirm ${undetermined.length} control(s)`;
  const named = failed.slice(0, TITLE_CONTROLS).map((f) => f.controlId);
  const more = failed.length - named.length;
  return `failed ${named.join(', ')}${more > 0 ? ` (+${more} more)` : ''}`;
}

function subjectLine(request: TicketRequest, budget: UntrustedBudget): Line {
  const { subject } = request.detection;
  const line: TextRun[] = [];
  if (subject.displayName !== undefined) {
    line.push(...budget.take(subject.displayName, LIMIT.name), ours(', '));
  }
  if (subject.userPrincipalName !== undefined) {
    line.push(...budget.take(subject.userPrincipalName, LIMIT.name), ours(', '));
  }
  line.push(ours(`${subject.type} `), ...budget.take(subject.id, LIMIT.id));
  return line;
}

function sourceLine(request: TicketRequest, budget: UntrustedBudget): Line {
  const { source } = request.detection;
  const line: TextRun[] = [
    ...budget.take(source.vendor, LIMIT.name),
    ours(' '),
    ...budget.take(source.product, LIMIT.name),
  ];
  if (source.ruleId !== undefined)
    line.push(ours(', rule '), ...budget.take(source.ruleId, LIMIT.name));
  // The source's URL is shown defanged, never as a link: it came from the sender.
  if (source.url !== undefined)
    line.push(ours(', reference '), ...budget.take(source.url, LIMIT.text));
  return line;
}

function questionBlocks(findings: readonly Finding[]): Block[] {
  const asked = [
    ...ALWAYS_ASKED,
    ...SOMETIMES_ASKED.filter((q) => findings.some((f) => f.question === q)),
  ];
  return [
    {
      kind: 'fields',
      rows: asked.map((question) => ({
        label: QUESTION_TEXT[question].ask,
        value: [ours(answer(question, findings))],
      })),
    },
  ];
}

/** Plain words from this owner's findings: control ids are ours, so the answer is trusted. */
function answer(question: Question, findings: readonly Finding[]): string {
  const about = findings.filter((f) => f.question === question);
  const failed = about.filter((f) => f.status === 'failed').map((f) => f.controlId);
  const unknown = about.filter((f) => f.status === 'undetermined').map((f) => f.controlId);
  const parts: string[] = [];
  if (failed.length > 0) parts.push(`${QUESTION_TEXT[question].failed} ${failed.join(', ')}.`);
  if (unknown.length > 0) {
    parts.push(
      `${failed.length > 0 ? 'Also not known' : 'Not known'} from the detection; please confirm ${unknown.join(', ')}.`,
    );
  }
  if (parts.length === 0) parts.push('No control you own on this question failed or is in doubt.');
  return parts.join(' ');
}

function containmentBlocks(request: TicketRequest, budget: UntrustedBudget): Block[] {
  const outcomes = request.containment;
  if (outcomes.length === 0) {
    return [
      { kind: 'paragraph', line: [ours('No containment action was recorded for this incident.')] },
    ];
  }
  const done = outcomes.filter((o) => o.status === 'succeeded');
  const notDone = outcomes.filter((o) => o.status !== 'succeeded');
  const where = request.mode === 'simulated' ? ' (in the simulated tenant)' : '';
  const blocks: Block[] = [];
  if (done.length > 0) {
    blocks.push({
      kind: 'bullets',
      items: done.map((o) => [...outcomeHead(o, budget), ours(`: done${where}`)]),
    });
  }
  if (notDone.length > 0) {
    blocks.push(
      {
        kind: 'paragraph',
        line: [
          ours(
            request.ownerRole === 'iam'
              ? 'Not done, and needs your action (complete, approve or re-run these steps):'
              : 'Not done (the identity owner completes these; listed for context):',
            'strong',
          ),
        ],
      },
      { kind: 'bullets', items: notDone.map((o) => notDoneLine(o, budget)) },
    );
  }
  return blocks;
}

function outcomeHead(outcome: ActionOutcome, budget: UntrustedBudget): TextRun[] {
  return [
    ours(ACTION_LABEL[outcome.action]),
    ours(' on '),
    ...budget.take(outcome.target, LIMIT.id),
  ];
}

function notDoneLine(outcome: ActionOutcome, budget: UntrustedBudget): Line {
  const head = outcomeHead(outcome, budget);
  if (outcome.status === 'skipped') {
    return [
      ...head,
      ours(`: skipped (${outcome.reason}): `),
      ...budget.take(outcome.why, LIMIT.text),
    ];
  }
  if (outcome.status === 'failed') {
    const { error } = outcome;
    const needs = error.missingPermission ? `, needs ${error.missingPermission}` : '';
    return [
      ...head,
      ours(': '),
      ours(`FAILED (${error.class}${needs})`, 'strong'),
      ours(': '),
      ...budget.take(error.message, LIMIT.text),
    ];
  }
  return head;
}

function failedBlocks(
  failed: readonly Finding[],
  budget: UntrustedBudget,
  options: TicketContentOptions,
): Block[] {
  if (failed.length === 0) {
    return [
      {
        kind: 'paragraph',
        line: [
          ours('No control you own failed; this ticket asks you to confirm the controls below.'),
        ],
      },
    ];
  }
  return failed.flatMap((finding): Block[] => [
    {
      kind: 'paragraph',
      line: [ours(finding.controlId, 'code'), ours(` (question: ${finding.question})`)],
    },
    {
      kind: 'fields',
      rows: [
        { label: 'Why', value: budget.take(finding.reason, LIMIT.text) },
        { label: 'Evidence', value: evidenceLine(finding.evidence, budget) },
        {
          label: 'Remediation',
          value: [
            ours(
              (options.guidanceFor ?? catalogGuidance)(finding.controlId) ??
                'No guidance is recorded for this control in the catalog.',
            ),
          ],
        },
        {
          label: 'Framework references',
          value: [
            ours(finding.frameworks.length > 0 ? finding.frameworks.join('; ') : 'none recorded'),
          ],
        },
      ],
    },
  ]);
}

function evidenceLine(evidence: readonly string[], budget: UntrustedBudget): Line {
  if (evidence.length === 0) return [ours('none recorded')];
  const shown = evidence.slice(0, EVIDENCE_ITEMS);
  const line: TextRun[] = shown.flatMap((item, index) => [
    ...(index > 0 ? [ours('; ')] : []),
    ...budget.take(item, LIMIT.evidenceItem),
  ]);
  const more = evidence.length - shown.length;
  if (more > 0) line.push(ours(` (+${more} more in the ledger)`));
  return line;
}

function catalogGuidance(controlId: string): string | undefined {
  return CONTROL_CATALOG.find((control) => control.id === controlId)?.guidance;
}
