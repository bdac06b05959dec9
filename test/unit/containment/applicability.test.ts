import { describe, expect, it } from 'vitest';
import { appliesTo } from '../../../shared/domain/applicability.ts';
import { CONTAINMENT_ACTIONS, type ContainmentAction } from '../../../shared/domain/containment.ts';
import type { Subject } from '../../../shared/domain/detection.ts';

// Rows: actions; columns: user, servicePrincipal, awsPrincipal.
const TABLE: Record<ContainmentAction, [boolean, boolean, boolean]> = {
  revokeSessions: [true, false, false],
  isolatePrivilege: [true, false, false],
  markCompromised: [true, true, false],
  disableAccount: [true, true, true],
  removeCredentials: [false, true, true],
  denyOlderSessions: [false, false, true],
};
const KINDS: Subject['type'][] = ['user', 'servicePrincipal', 'awsPrincipal'];

describe('which actions apply to which subject kind', () => {
  it.each(
    CONTAINMENT_ACTIONS.flatMap((action) =>
      KINDS.map((kind, column) => [action, kind, TABLE[action][column]] as const),
    ),
  )('%s on a %s: %s', (action, kind, applies) => {
    expect(appliesTo(action, kind)).toBe(applies);
  });
});
