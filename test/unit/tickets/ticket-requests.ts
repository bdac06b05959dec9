import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding } from '../../../shared/domain/accountability.ts';
import type { ActionOutcome } from '../../../shared/domain/containment.ts';
import { type Detection, detectionSchema } from '../../../shared/domain/detection.ts';
import type { OwnerAssignment, TicketDestination } from '../../../shared/domain/ownership.ts';
import type { TicketRequest } from '../../../shared/domain/tickets/ticket-request.ts';
import { parseWith } from '../../../shared/domain/validation.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/tickets');

export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));
}

/**
 * The fixture as the contract schema reads it, without the canonical-id check: renderers must
 * stay safe even for text the intake would now refuse (a hostile id), as a second line.
 */
export function detection(name: string): Detection {
  const parsed = parseWith(detectionSchema, fixture(name), 'detection');
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

export function iamFindings(): Finding[] {
  return fixture('findings-iam.json') as Finding[];
}

export function containment(): ActionOutcome[] {
  return fixture('containment-simulated.json') as ActionOutcome[];
}

export function owner(ticket: TicketDestination, team = 'Identity Platform'): OwnerAssignment {
  return { team, ticket, escalation: 'secops-oncall@halvorsenfreight.example' };
}

export const INCIDENT_ID = 'inc-0123456789abcdef01234567';

export function ticketRequest(overrides: Partial<TicketRequest> = {}): TicketRequest {
  const assignment = overrides.owner ?? owner({ system: 'file' });
  return {
    dedupeKey: `${INCIDENT_ID}:${assignment.team}`,
    incidentId: INCIDENT_ID,
    ownerRole: 'iam',
    owner: assignment,
    detection: detection('detection-aitm-admin.json'),
    findings: iamFindings(),
    containment: containment(),
    mode: 'live',
    dueDate: '2026-03-18T09:42:11.000Z',
    ...overrides,
  };
}

/** The hostile detection with its free-text fields pushed past every limit. */
export function oversizedDetection(): Detection {
  const base = detection('detection-aitm-admin.json');
  return {
    ...base,
    subject: { ...base.subject, displayName: `Maria ${'A'.repeat(500)}` },
    source: { ...base.source, url: `https://intel.example/${'x'.repeat(2000)}` },
    evidence: Array.from({ length: 100 }, (_, i) => ({
      type: 'ref',
      ref: `ref-${i}-${'y'.repeat(2000)}`,
    })),
  };
}

/** Control and direction-override characters in text, other than the line breaks of layout. */
export function invisibles(text: string): number[] {
  return Array.from(text)
    .map((char) => char.codePointAt(0) ?? 0)
    .filter(
      (code) =>
        (code < 0x20 && code !== 0x0a) ||
        (code >= 0x7f && code <= 0x9f) ||
        (code >= 0x202a && code <= 0x202e),
    );
}

/** One owner with many failed controls, each with long reasons and evidence: the largest ticket. */
export function worstCaseRequest(): TicketRequest {
  const findings: Finding[] = Array.from({ length: 25 }, (_, i) => ({
    controlId: `iam.control-${i}`,
    ownerRole: 'iam',
    ownerTeam: 'Identity Platform',
    status: 'failed',
    question: 'session-validity',
    reason: 'r'.repeat(400),
    evidence: Array.from({ length: 100 }, () => 'e'.repeat(2000)),
    frameworks: ['NIST CSF 2.0 PR.AA-04', 'NIST SP 800-53 SC-23'],
  }));
  return ticketRequest({ detection: oversizedDetection(), findings });
}
