import type { Severity } from '../domain/detection.ts';
import { fromLevelWord } from './severity.ts';

/**
 * What user and service principal risk detections share: Identity Protection's risk states and
 * levels mean the same for both, only the licence that reveals a hidden level differs.
 */

/** States in which Identity Protection no longer considers the identity at risk. */
export const CLOSED_RISK_STATES: readonly string[] = [
  'none',
  'confirmedSafe',
  'remediated',
  'dismissed',
];

/** Severity from the risk: confirmed compromise is critical; a hidden level is medium, said so. */
export function riskSeverity(
  riskLevel: string,
  riskState: string,
  licence: string,
): { severity: Severity; note?: { type: string; ref: string; description: string } } {
  if (riskState === 'confirmedCompromised') return { severity: 'critical' };
  const level = fromLevelWord(riskLevel);
  if (level) return { severity: level };
  return {
    severity: 'medium',
    note: {
      type: 'severity.default',
      ref: 'medium',
      description: `riskLevel '${riskLevel}' gives no level (hidden without ${licence}); medium assumed`,
    },
  };
}
