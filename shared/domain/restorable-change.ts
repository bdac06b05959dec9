import * as z from 'zod/mini';
import type { ContainmentAction, RestorableChange } from './containment.ts';
import type { InvalidInputError, Result } from './errors.ts';
import { parseWith } from './validation.ts';

/**
 * What a recorded RestorableChange must look like before restore acts on it: ledger data is
 * read back as `unknown`, and restore touches nothing it cannot read as exactly one change.
 */

const id = () => z.string().check(z.minLength(1));
/** A provider's start time, or `unknown` where the provider does not say. */
const startTime = () => z.union([z.iso.datetime({ offset: true }), z.literal('unknown')]);

const restorableChangeSchema: z.ZodMiniType<RestorableChange> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('roleAssignment'),
    assignmentType: z.enum(['permanent', 'pimActive']),
    assignmentId: id(),
    roleDefinitionId: id(),
    directoryScopeId: id(),
    principalId: id(),
    endDateTime: z.optional(z.iso.datetime({ offset: true })),
    startDateTime: z.optional(startTime()),
  }),
  z.object({
    kind: z.literal('roleEligibility'),
    eligibilityId: id(),
    roleDefinitionId: id(),
    directoryScopeId: id(),
    principalId: id(),
    startDateTime: startTime(),
    endDateTime: z.optional(z.iso.datetime({ offset: true })),
  }),
  z.object({
    kind: z.literal('groupMembership'),
    groupId: id(),
    memberId: id(),
    groupRoles: z.array(id()),
    startDateTime: startTime(),
  }),
  z.object({
    kind: z.literal('pimGroupAccess'),
    schedule: z.enum(['eligible', 'active']),
    accessId: z.enum(['member', 'owner']),
    groupId: id(),
    principalId: id(),
    instanceId: id(),
    startDateTime: startTime(),
    endDateTime: z.optional(z.iso.datetime({ offset: true })),
  }),
  z.object({
    kind: z.literal('credentialRemoved'),
    subjectId: id(),
    owner: z.enum(['application', 'servicePrincipal']),
    ownerId: id(),
    credentialType: z.enum(['password', 'certificate']),
    keyId: id(),
    displayName: z.optional(z.string()),
  }),
  z.object({ kind: z.literal('accountDisabled'), subjectId: id() }),
  z.object({ kind: z.literal('servicePrincipalDisabled'), subjectId: id() }),
  z.object({ kind: z.literal('awsDenyPolicy'), roleName: z.string(), policyName: z.string() }),
  z.object({
    kind: z.literal('awsAccessKeyDeactivated'),
    userName: z.string(),
    accessKeyId: z.string(),
  }),
  z.object({
    kind: z.literal('oktaRoleAssignment'),
    userId: id(),
    assignmentId: id(),
    roleType: id(),
    roleId: z.optional(id()),
    resourceSetId: z.optional(id()),
    startDateTime: startTime(),
  }),
  z.object({ kind: z.literal('oktaUserSuspended'), userId: id() }),
]);

export function parseRestorableChange(input: unknown): Result<RestorableChange, InvalidInputError> {
  return parseWith(restorableChangeSchema, input, 'restorable change');
}

/**
 * The containment action a change undoes, which its restore outcome reports. Reads the kind
 * alone, so a malformed record still gets a named refusal.
 */
export function restoreActionOf(change: unknown): ContainmentAction {
  switch ((change as { kind?: unknown } | null)?.kind) {
    case 'roleAssignment':
    case 'roleEligibility':
    case 'groupMembership':
    case 'pimGroupAccess':
    case 'oktaRoleAssignment':
      return 'isolatePrivilege';
    case 'awsDenyPolicy':
      return 'denyOlderSessions';
    case 'awsAccessKeyDeactivated':
    case 'credentialRemoved':
      return 'removeCredentials';
    default:
      return 'disableAccount';
  }
}

/** What a restore outcome names as its target; for a malformed record, whatever id it carries. */
export function targetOf(change: unknown): string {
  const parsed = restorableChangeSchema.safeParse(change);
  if (parsed.success) {
    const c = parsed.data;
    switch (c.kind) {
      case 'roleAssignment':
        return c.assignmentId;
      case 'roleEligibility':
        return c.eligibilityId;
      case 'groupMembership':
        return `${c.groupId}/members/${c.memberId}`;
      case 'pimGroupAccess':
        return c.instanceId;
      case 'credentialRemoved':
        return `${c.ownerId}/${c.credentialType}/${c.keyId}`;
      case 'accountDisabled':
      case 'servicePrincipalDisabled':
        return c.subjectId;
      case 'awsDenyPolicy':
        return `${c.roleName}/${c.policyName}`;
      case 'awsAccessKeyDeactivated':
        return c.accessKeyId;
      case 'oktaRoleAssignment':
        return `${c.userId}/roles/${c.assignmentId}`;
      case 'oktaUserSuspended':
        return c.userId;
    }
  }
  const raw = (change ?? {}) as Record<string, unknown>;
  const found = [
    raw.assignmentId,
    raw.eligibilityId,
    raw.instanceId,
    raw.groupId,
    raw.subjectId,
    raw.roleName,
    raw.accessKeyId,
  ].find((value) => typeof value === 'string' && value !== '');
  return typeof found === 'string' ? found : 'unknown';
}

/** One stable key per change: the same change recorded twice (intent, then action) is one. */
export function changeKey(change: RestorableChange): string {
  switch (change.kind) {
    case 'roleAssignment':
      return `role:${change.assignmentId}`;
    case 'roleEligibility':
      return `eligibility:${change.eligibilityId}`;
    case 'groupMembership':
      return `membership:${change.groupId}:${change.memberId}`;
    case 'pimGroupAccess':
      return `pimGroup:${change.instanceId}`;
    case 'accountDisabled':
    case 'servicePrincipalDisabled':
      return `${change.kind}:${change.subjectId}`;
    case 'awsDenyPolicy':
      return `awsDenyPolicy:${change.roleName}:${change.policyName}`;
    case 'awsAccessKeyDeactivated':
      return `awsAccessKey:${change.accessKeyId}`;
    case 'credentialRemoved':
      return `credential:${change.ownerId}:${change.keyId}`;
    case 'oktaRoleAssignment':
      return `oktaRole:${change.userId}:${change.assignmentId}`;
    case 'oktaUserSuspended':
      return `oktaSuspended:${change.userId}`;
  }
}
