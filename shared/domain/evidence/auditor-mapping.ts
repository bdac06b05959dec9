import type { LedgerRecord } from '../ledger/record.ts';

/**
 * What auditors look for, and which of an incident's records show it. Only references checked
 * against a source named in docs/ledger.md ("Evidence bundles: what the mapping cites").
 */
interface Criterion {
  framework: string;
  ref: string;
  /** Short wording of the criterion, ours, not the standard's text. */
  about: string;
  /** Record kinds that evidence it; `*` for every record (the bundle as a whole). */
  kinds: readonly string[];
}

const DETECT = ['detection.received', 'detection.rejected', 'detection.notCovered'];
const DECIDE = [
  'guardrail.decision',
  'approval.required',
  'approval.granted',
  'approval.denied',
  'approval.expired',
];
const CONTAIN = ['containment.intent', 'containment.action', 'containment.verified'];
const OWNERS = ['finding', 'ticket.pending', 'ticket.opened', 'ticket.failed'];
const RECOVER = ['release.requested', 'restore.action'];

const CRITERIA: readonly Criterion[] = [
  {
    framework: 'SOC 2 (TSC 2017)',
    ref: 'CC7.3',
    about: 'security events are evaluated to decide whether they are incidents, and acted on',
    kinds: [...DETECT, ...DECIDE],
  },
  {
    framework: 'SOC 2 (TSC 2017)',
    ref: 'CC7.4',
    about:
      'identified incidents are responded to: understood, contained, remediated, communicated, with assigned responsibilities',
    kinds: [...CONTAIN, ...OWNERS],
  },
  {
    framework: 'SOC 2 (TSC 2017)',
    ref: 'CC7.5',
    about: 'activities to recover from identified incidents',
    kinds: RECOVER,
  },
  {
    framework: 'ISO/IEC 27001:2022',
    ref: 'A.5.24',
    about: 'incident management planned and prepared: the predefined policy and ownership applied',
    kinds: ['guardrail.decision', 'finding'],
  },
  {
    framework: 'ISO/IEC 27001:2022',
    ref: 'A.5.25',
    about: 'assessment and decision on information security events',
    kinds: [...DETECT, ...DECIDE],
  },
  {
    framework: 'ISO/IEC 27001:2022',
    ref: 'A.5.26',
    about: 'response to information security incidents',
    kinds: [...CONTAIN, ...RECOVER],
  },
  {
    framework: 'ISO/IEC 27001:2022',
    ref: 'A.5.27',
    about: 'learning from incidents: failed controls sent to their owners',
    kinds: OWNERS,
  },
  {
    framework: 'ISO/IEC 27001:2022',
    ref: 'A.5.28',
    about: 'collection and preservation of evidence (this signed, hash-chained bundle)',
    kinds: ['*'],
  },
  {
    framework: 'NIST SP 800-61r3',
    ref: 'Detect',
    about: 'incident response life cycle, CSF 2.0 Detect function',
    kinds: DETECT,
  },
  {
    framework: 'NIST SP 800-61r3',
    ref: 'Respond',
    about: 'incident response life cycle, CSF 2.0 Respond function',
    kinds: [...DECIDE, ...CONTAIN, ...OWNERS],
  },
  {
    framework: 'NIST SP 800-61r3',
    ref: 'Recover',
    about: 'incident response life cycle, CSF 2.0 Recover function',
    kinds: RECOVER,
  },
  { framework: 'NIST CSF 2.0', ref: 'RS.MI-01', about: 'incidents are contained', kinds: CONTAIN },
  {
    framework: 'NIST CSF 2.0',
    ref: 'RS.AN-06',
    about: 'actions during an investigation are recorded, integrity and provenance preserved',
    kinds: ['*'],
  },
  {
    framework: 'NIST SP 800-53 rev. 5',
    ref: 'AU-9',
    about: 'protection of audit information',
    kinds: ['*'],
  },
  { framework: 'NIST SP 800-53 rev. 5', ref: 'AU-10', about: 'non-repudiation', kinds: ['*'] },
];

export interface AuditorMappingEntry {
  framework: string;
  ref: string;
  about: string;
  /** Positions (seq) of the records that evidence it; empty: nothing in this incident does. */
  records: number[];
}

/** The mapping for one incident's records, in the criteria's order. Pure: verify recomputes it. */
export function auditorMapping(records: readonly LedgerRecord[]): AuditorMappingEntry[] {
  return CRITERIA.map((criterion) => ({
    framework: criterion.framework,
    ref: criterion.ref,
    about: criterion.about,
    records: records
      .filter((r) => criterion.kinds.includes('*') || criterion.kinds.includes(r.kind))
      .map((r) => r.seq),
  }));
}
