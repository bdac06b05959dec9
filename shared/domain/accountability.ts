/** The vocabulary of accountability (docs/contract.md sections 2 and 3). Names are fixed by the contract. */

export const OWNER_ROLES = ['iam', 'endpoint', 'application', 'partner'] as const;
export type OwnerRole = (typeof OWNER_ROLES)[number];

/** The three incident-time questions, plus delegated administration and non-human identities. */
export const QUESTIONS = [
  'session-validity',
  'endpoint',
  'tenant-admin',
  'delegation',
  'non-human',
] as const;
export type Question = (typeof QUESTIONS)[number];

export const CONTROL_STATUSES = ['failed', 'held', 'undetermined'] as const;
export type ControlStatus = (typeof CONTROL_STATUSES)[number];

/** One control judged for one detection: exactly the `findings[]` element of the contract. */
export interface Finding {
  controlId: string;
  ownerRole: OwnerRole;
  ownerTeam: string;
  status: ControlStatus;
  question: Question;
  reason: string;
  evidence: string[];
  frameworks: string[];
}

export interface AttributionReport {
  detectionId: string;
  findings: Finding[];
}
