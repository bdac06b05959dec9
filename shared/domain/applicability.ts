import type { ContainmentAction } from './containment.ts';
import type { Subject } from './detection.ts';

/**
 * Which containment actions mean anything for which kind of subject, whatever the provider:
 * the guardrails plan with it and the adapters skip the rest as `notApplicable`.
 */
export const APPLICABLE_ACTIONS: Readonly<Record<Subject['type'], readonly ContainmentAction[]>> = {
  user: ['revokeSessions', 'isolatePrivilege', 'markCompromised', 'disableAccount'],
  servicePrincipal: ['markCompromised', 'disableAccount', 'removeCredentials'],
  awsPrincipal: ['denyOlderSessions', 'removeCredentials', 'disableAccount'],
};

export function appliesTo(action: ContainmentAction, subjectType: Subject['type']): boolean {
  return APPLICABLE_ACTIONS[subjectType].includes(action);
}
