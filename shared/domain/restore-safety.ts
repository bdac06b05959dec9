import type { RestorableChange } from './containment.ts';
import type { Detection } from './detection.ts';

/**
 * What release may put back. A change that began after the stolen session did may be the
 * attacker's own doing (a role activated or granted during the attack): it is never restored.
 * The access key a finding named as stolen is never re-activated either.
 */

const GRANT_KINDS: ReadonlySet<RestorableChange['kind']> = new Set([
  'roleAssignment',
  'roleEligibility',
  'groupMembership',
  'pimGroupAccess',
  'oktaRoleAssignment',
]);

/** How far before the detection the attack is assumed to have begun when the token time is unknown. */
const DEFAULT_ATTACK_LOOKBACK_HOURS = 24;

export interface NotRestored {
  change: RestorableChange;
  why: string;
}

export interface RestoreSelection {
  /** When the stolen session is taken to have begun, and how that was decided. */
  attackWindow: { since: string; basis: 'tokenIssuedAt' | 'lookback' };
  restore: RestorableChange[];
  /** Created during the attack window: listed, not restored. */
  createdDuringAttack: NotRestored[];
  /** Never restored whatever the window: the stolen access key. */
  refused: NotRestored[];
  /** Restored although the provider did not say when they began. */
  startUnknown: RestorableChange[];
}

export function selectRestorable(
  changes: readonly RestorableChange[],
  detection: Detection,
  lookbackHours: number = DEFAULT_ATTACK_LOOKBACK_HOURS,
): RestoreSelection {
  const issued = detection.session?.tokenIssuedAt;
  const since = issued
    ? new Date(Date.parse(issued))
    : new Date(Date.parse(detection.detectedAt) - lookbackHours * 3_600_000);
  const stolenKey = detection.session?.sessionId;
  const selection: RestoreSelection = {
    attackWindow: { since: since.toISOString(), basis: issued ? 'tokenIssuedAt' : 'lookback' },
    restore: [],
    createdDuringAttack: [],
    refused: [],
    startUnknown: [],
  };
  for (const change of changes) {
    if (change.kind === 'awsAccessKeyDeactivated' && change.accessKeyId === stolenKey) {
      selection.refused.push({
        change,
        why: `access key ${change.accessKeyId} is the key the finding named as stolen: it stays inactive; issue user ${change.userName} a new key instead`,
      });
      continue;
    }
    // Grants: every path to privilege carries when it began, or `unknown`.
    if (GRANT_KINDS.has(change.kind)) {
      const began = (change as { startDateTime?: string }).startDateTime;
      const at = began === undefined || began === 'unknown' ? Number.NaN : Date.parse(began);
      if (Number.isNaN(at)) {
        selection.startUnknown.push(change);
      } else if (at >= since.getTime()) {
        selection.createdDuringAttack.push({
          change,
          why: `not restored: created during the attack window (began ${began}, on or after ${since.toISOString()})`,
        });
        continue;
      }
    }
    selection.restore.push(change);
  }
  return selection;
}
