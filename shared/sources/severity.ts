import type { Severity } from '../domain/detection.ts';

/**
 * Each source's own severity scale, mapped onto the contract's four levels. One table per
 * source, documented in docs/sources.md. Where a source gives no usable level
 * the normalizer says which default it used in the detection's evidence.
 */

/** GuardDuty: 1.0-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0-10.0 Critical. */
export function fromGuardDutyScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  return 'low';
}

const ASFF_LABELS: Record<string, Severity> = {
  INFORMATIONAL: 'low',
  LOW: 'low',
  MEDIUM: 'medium',
  HIGH: 'high',
  CRITICAL: 'critical',
};

/** ASFF `Severity.Label`; else `Severity.Normalized` (0-100) with AWS's documented bands. */
export function fromAsffSeverity(severity: {
  Label?: string | undefined;
  Normalized?: number | undefined;
}): Severity | undefined {
  const label = severity.Label ? ASFF_LABELS[severity.Label.toUpperCase()] : undefined;
  if (label) return label;
  const n = severity.Normalized;
  if (n === undefined) return undefined;
  if (n >= 90) return 'critical';
  if (n >= 70) return 'high';
  if (n >= 40) return 'medium';
  return 'low';
}

/** OCSF `severity_id`: 1 Informational, 2 Low, 3 Medium, 4 High, 5 Critical, 6 Fatal. */
export function fromOcsfSeverityId(id: number): Severity | undefined {
  switch (id) {
    case 1:
    case 2:
      return 'low';
    case 3:
      return 'medium';
    case 4:
      return 'high';
    case 5:
    case 6:
      return 'critical';
    default:
      return undefined; // 0 Unknown, 99 Other
  }
}

/** LOW / MEDIUM / HIGH words (Okta ITP risk, CAEP risk-level-change, Entra riskLevel). */
export function fromLevelWord(level: string | undefined | null): Severity | undefined {
  switch (level?.toLowerCase()) {
    case 'low':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
      return 'high';
    default:
      return undefined;
  }
}

const ORDER: Record<string, number> = { low: 1, medium: 2, high: 3 };

/** Whether a LOW/MEDIUM/HIGH level went down: a falling risk is not a compromise signal. */
export function levelDecreased(previous: string | undefined, current: string | undefined): boolean {
  const before = previous ? ORDER[previous.toLowerCase()] : undefined;
  const after = current ? ORDER[current.toLowerCase()] : undefined;
  return before !== undefined && after !== undefined && after < before;
}
