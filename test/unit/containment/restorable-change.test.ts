import { describe, expect, it } from 'vitest';
import type { ContainmentAction, RestorableChange } from '../../../shared/domain/containment.ts';
import {
  parseRestorableChange,
  restoreActionOf,
  targetOf,
} from '../../../shared/domain/restorable-change.ts';

const ROLE: RestorableChange = {
  kind: 'roleAssignment',
  assignmentType: 'pimActive',
  assignmentId: 'a-1',
  roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
  directoryScopeId: '/',
  principalId: 'p-1',
  endDateTime: '2035-01-01T00:00:00Z',
};
const ACCOUNT: RestorableChange = { kind: 'accountDisabled', subjectId: 'u-1' };
const SERVICE_PRINCIPAL: RestorableChange = { kind: 'servicePrincipalDisabled', subjectId: 'sp-1' };
const DENY: RestorableChange = {
  kind: 'awsDenyPolicy',
  roleName: 'deploy',
  policyName: 'revocation-responder-deny-inc-1',
};
const KEY: RestorableChange = {
  kind: 'awsAccessKeyDeactivated',
  userName: 'ci',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
};

const ELIGIBLE: RestorableChange = {
  kind: 'roleEligibility',
  eligibilityId: 'el-1',
  roleDefinitionId: '62e90394-69f5-4237-9190-012177145e10',
  directoryScopeId: '/',
  principalId: 'p-1',
  startDateTime: '2025-01-10T08:00:00Z',
};
const MEMBERSHIP: RestorableChange = {
  kind: 'groupMembership',
  groupId: 'g-1',
  memberId: 'p-1',
  groupRoles: ['62e90394-69f5-4237-9190-012177145e10'],
  startDateTime: 'unknown',
};
const PIM_GROUP: RestorableChange = {
  kind: 'pimGroupAccess',
  schedule: 'eligible',
  accessId: 'member',
  groupId: 'g-1',
  principalId: 'p-1',
  instanceId: 'i-1',
  startDateTime: '2025-02-02T08:00:00Z',
};
const CREDENTIAL: RestorableChange = {
  kind: 'credentialRemoved',
  subjectId: 'sp-1',
  owner: 'application',
  ownerId: 'app-1',
  credentialType: 'certificate',
  keyId: 'k-1',
};

describe('parseRestorableChange', () => {
  it.each([
    ROLE,
    { ...ROLE, endDateTime: undefined },
    { ...ROLE, startDateTime: 'unknown' },
    ACCOUNT,
    SERVICE_PRINCIPAL,
    DENY,
    KEY,
    ELIGIBLE,
    MEMBERSHIP,
    PIM_GROUP,
    CREDENTIAL,
  ])('accepts a recorded $kind change as it is', (change) => {
    const parsed = parseRestorableChange(change);
    expect(parsed).toEqual({ ok: true, value: JSON.parse(JSON.stringify(change)) });
  });

  it.each([
    ['no object at all', null, '(root)'],
    ['an unknown kind', { kind: 'mailboxRule', subjectId: 'u-1' }, 'kind'],
    [
      'a start that is neither a date-time nor unknown',
      { ...ELIGIBLE, startDateTime: 'soon' },
      'startDateTime',
    ],
    [
      'a membership without its start',
      { ...MEMBERSHIP, startDateTime: undefined },
      'startDateTime',
    ],
    [
      'a role change without its role',
      { ...ROLE, roleDefinitionId: undefined },
      'roleDefinitionId',
    ],
    ['an empty principal', { ...ROLE, principalId: '' }, 'principalId'],
    [
      'an assignment type Graph does not have',
      { ...ROLE, assignmentType: 'eligible' },
      'assignmentType',
    ],
    ['an end that is no date-time', { ...ROLE, endDateTime: 'next week' }, 'endDateTime'],
    ['a disabled account without its id', { kind: 'accountDisabled' }, 'subjectId'],
    ['a deny policy without its name', { kind: 'awsDenyPolicy', roleName: 'deploy' }, 'policyName'],
    ['an access key id that is a number', { ...KEY, accessKeyId: 42 }, 'accessKeyId'],
  ])('rejects %s, naming the field', (_, input, field) => {
    const parsed = parseRestorableChange(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toContain(field);
  });

  it('drops fields a change does not have, so two records of one change compare equal', () => {
    const parsed = parseRestorableChange({ ...ACCOUNT, note: 'added later' });
    expect(parsed).toEqual({ ok: true, value: ACCOUNT });
  });
});

describe('restoreActionOf and targetOf', () => {
  it.each<[string, unknown, ContainmentAction, string]>([
    ['a role assignment', ROLE, 'isolatePrivilege', 'a-1'],
    ['a disabled account', ACCOUNT, 'disableAccount', 'u-1'],
    ['a disabled service principal', SERVICE_PRINCIPAL, 'disableAccount', 'sp-1'],
    ['an AWS deny policy', DENY, 'denyOlderSessions', 'deploy/revocation-responder-deny-inc-1'],
    ['an AWS access key', KEY, 'removeCredentials', 'AKIAIOSFODNN7EXAMPLE'],
    [
      'a malformed role record',
      { kind: 'roleAssignment', assignmentId: 'x' },
      'isolatePrivilege',
      'x',
    ],
    [
      'a malformed deny record',
      { kind: 'awsDenyPolicy', roleName: 'deploy' },
      'denyOlderSessions',
      'deploy',
    ],
    ['a record without a kind', { subjectId: 'u-2' }, 'disableAccount', 'u-2'],
    ['nothing', undefined, 'disableAccount', 'unknown'],
  ])('%s is undone as %s on %s', (_, change, action, target) => {
    expect(restoreActionOf(change)).toBe(action);
    expect(targetOf(change)).toBe(target);
  });
});
