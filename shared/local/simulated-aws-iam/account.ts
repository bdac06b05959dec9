import { createHash } from 'node:crypto';
import { ConfigError } from '../../domain/errors.ts';
import type { AwsIamSeed } from './seed.ts';

/**
 * The in-memory IAM account behind the simulated IAM: roles with inline policies, users with
 * access keys, changed by the IAM operations containment uses exactly as IAM documents them.
 * Every operation answers a result or the error IAM would (code, HTTP status, message).
 */

/** A value rendered as XML: objects become elements, arrays become `<member>` lists. */
export type XmlValue = string | number | boolean | XmlValue[] | { [tag: string]: XmlValue };

export type IamAnswer =
  | { ok: true; result?: { [tag: string]: XmlValue } }
  | { ok: false; error: IamError };

export interface IamError {
  status: number;
  code: string;
  message: string;
}

/** The documented HTTP status of each IAM error code the simulator answers. */
export const IAM_ERROR_STATUS: Readonly<Record<string, number>> = {
  AccessDenied: 403,
  MissingAuthenticationToken: 403,
  SignatureDoesNotMatch: 403,
  IncompleteSignature: 400,
  InvalidAction: 400,
  ValidationError: 400,
  InvalidInput: 400,
  MalformedPolicyDocument: 400,
  UnmodifiableEntity: 400,
  Throttling: 400,
  NoSuchEntity: 404,
  LimitExceeded: 409,
  ConcurrentModification: 409,
  ServiceFailure: 500,
  InternalFailure: 500,
  ServiceUnavailable: 503,
};

export function iamError(code: string, message: string, status?: number): IamAnswer {
  return { ok: false, error: { status: status ?? IAM_ERROR_STATUS[code] ?? 400, code, message } };
}

export interface SimulatedRole {
  roleName: string;
  roleId: string;
  path: string;
  arn: string;
  createDate: string;
  /** Policy name to the document as it was put (JSON text, not URL-encoded). */
  inlinePolicies: Map<string, string>;
  note?: string;
}

export interface SimulatedAccessKey {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate: string;
}

export interface SimulatedUser {
  userName: string;
  userId: string;
  path: string;
  arn: string;
  createDate: string;
  accessKeys: SimulatedAccessKey[];
  note?: string;
}

/** IAM's quota: inline policies of one role, together, at most 10,240 characters sans spaces. */
const ROLE_INLINE_POLICY_QUOTA = 10_240;
// IAM Identity Center and service-linked roles: only AWS may change them.
const PROTECTED_PATHS = ['/aws-reserved/', '/aws-service-role/'];

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class SimulatedIamAccount {
  readonly accountId: string;
  readonly partition: string;
  // IAM names are unique regardless of case; lookups here ignore case the same way.
  readonly #roles = new Map<string, SimulatedRole>();
  readonly #users = new Map<string, SimulatedUser>();

  constructor(seed: AwsIamSeed) {
    this.accountId = seed.account.id;
    this.partition = seed.account.partition;
    for (const role of seed.roles) {
      const key = role.roleName.toLowerCase();
      if (this.#roles.has(key)) {
        throw new ConfigError(`simulated AWS IAM seed: role ${role.roleName} appears twice`);
      }
      this.#roles.set(key, {
        roleName: role.roleName,
        roleId: role.roleId ?? derivedId('AROA', `role/${role.roleName}`),
        path: role.path,
        arn: `arn:${this.partition}:iam::${this.accountId}:role${role.path}${role.roleName}`,
        createDate: role.createDate,
        inlinePolicies: new Map(
          role.inlinePolicies.map((p) => [
            p.policyName,
            typeof p.policyDocument === 'string'
              ? p.policyDocument
              : JSON.stringify(p.policyDocument),
          ]),
        ),
        ...(role.note === undefined ? {} : { note: role.note }),
      });
    }
    const keyIds = new Set<string>();
    for (const user of seed.users) {
      const key = user.userName.toLowerCase();
      if (this.#users.has(key)) {
        throw new ConfigError(`simulated AWS IAM seed: user ${user.userName} appears twice`);
      }
      for (const accessKey of user.accessKeys) {
        if (keyIds.has(accessKey.accessKeyId)) {
          throw new ConfigError(
            `simulated AWS IAM seed: access key ${accessKey.accessKeyId} appears twice`,
          );
        }
        keyIds.add(accessKey.accessKeyId);
      }
      this.#users.set(key, {
        userName: user.userName,
        userId: user.userId ?? derivedId('AIDA', `user/${user.userName}`),
        path: user.path,
        arn: `arn:${this.partition}:iam::${this.accountId}:user${user.path}${user.userName}`,
        createDate: user.createDate,
        accessKeys: user.accessKeys.map((k) => ({ ...k })),
        ...(user.note === undefined ? {} : { note: user.note }),
      });
    }
  }

  // --- reading the state (tests, demos) ------------------------------------------------------

  findRole(roleName: string): SimulatedRole | undefined {
    return this.#roles.get(roleName.toLowerCase());
  }

  findUser(userName: string): SimulatedUser | undefined {
    return this.#users.get(userName.toLowerCase());
  }

  /** The inline policy's document as JSON text, or undefined when the role has none by that name. */
  inlinePolicy(roleName: string, policyName: string): string | undefined {
    return this.findRole(roleName)?.inlinePolicies.get(policyName);
  }

  inlinePolicyNames(roleName: string): string[] {
    return [...(this.findRole(roleName)?.inlinePolicies.keys() ?? [])].sort(byName);
  }

  accessKey(userName: string, accessKeyId: string): SimulatedAccessKey | undefined {
    return this.findUser(userName)?.accessKeys.find((k) => k.accessKeyId === accessKeyId);
  }

  /** The current state in seed form: what `statePath` holds between runs. */
  toSeed(): AwsIamSeed {
    return {
      account: {
        id: this.accountId,
        partition: this.partition as AwsIamSeed['account']['partition'],
      },
      roles: [...this.#roles.values()].map((r) => ({
        roleName: r.roleName,
        path: r.path,
        roleId: r.roleId,
        createDate: r.createDate,
        inlinePolicies: [...r.inlinePolicies].map(([policyName, policyDocument]) => ({
          policyName,
          policyDocument,
        })),
        ...(r.note === undefined ? {} : { note: r.note }),
      })),
      users: [...this.#users.values()].map((u) => ({
        userName: u.userName,
        path: u.path,
        userId: u.userId,
        createDate: u.createDate,
        accessKeys: u.accessKeys.map((k) => ({ ...k })),
        ...(u.note === undefined ? {} : { note: u.note }),
      })),
    };
  }

  // --- the IAM operations -------------------------------------------------------------------

  putRolePolicy(roleName: string, policyName: string, document: string): IamAnswer {
    const role = this.findRole(roleName);
    if (!role) return noSuchRole(roleName);
    if (isProtected(role)) return unmodifiable(role);
    const malformed = policyProblem(document);
    if (malformed) return iamError('MalformedPolicyDocument', malformed);
    const others = [...role.inlinePolicies]
      .filter(([name]) => name !== policyName)
      .reduce((sum, [, text]) => sum + withoutWhitespace(text), 0);
    if (others + withoutWhitespace(document) > ROLE_INLINE_POLICY_QUOTA) {
      return iamError(
        'LimitExceeded',
        `Maximum policy size of ${ROLE_INLINE_POLICY_QUOTA} bytes exceeded for role ${role.roleName}`,
      );
    }
    role.inlinePolicies.set(policyName, document);
    return { ok: true };
  }

  deleteRolePolicy(roleName: string, policyName: string): IamAnswer {
    const role = this.findRole(roleName);
    if (!role) return noSuchRole(roleName);
    if (isProtected(role)) return unmodifiable(role);
    if (!role.inlinePolicies.delete(policyName)) return noSuchRolePolicy(policyName);
    return { ok: true };
  }

  /** The role's maximum session duration is IAM's default (3600 s): seeds do not set it. */
  getRole(roleName: string): IamAnswer {
    const role = this.findRole(roleName);
    if (!role) return noSuchRole(roleName);
    return {
      ok: true,
      result: {
        Role: {
          RoleName: role.roleName,
          RoleId: role.roleId,
          Path: role.path,
          Arn: role.arn,
          CreateDate: role.createDate,
          MaxSessionDuration: 3600,
        },
      },
    };
  }

  getRolePolicy(roleName: string, policyName: string): IamAnswer {
    const role = this.findRole(roleName);
    if (!role) return noSuchRole(roleName);
    const document = role.inlinePolicies.get(policyName);
    if (document === undefined) return noSuchRolePolicy(policyName);
    return {
      ok: true,
      // IAM returns the document URL-encoded (RFC 3986); callers decode it.
      result: {
        RoleName: role.roleName,
        PolicyName: policyName,
        PolicyDocument: rfc3986(document),
      },
    };
  }

  listRolePolicies(roleName: string, marker: string | undefined, maxItems: number): IamAnswer {
    const role = this.findRole(roleName);
    if (!role) return noSuchRole(roleName);
    return page([...role.inlinePolicies.keys()].sort(byName), marker, maxItems, (names) => ({
      PolicyNames: names,
    }));
  }

  updateAccessKey(userName: string, accessKeyId: string, status: string): IamAnswer {
    const user = this.findUser(userName);
    if (!user) return noSuchUser(userName);
    const key = user.accessKeys.find((k) => k.accessKeyId === accessKeyId);
    if (!key) {
      return iamError('NoSuchEntity', `The Access Key with id ${accessKeyId} cannot be found.`);
    }
    key.status = status === 'Active' ? 'Active' : 'Inactive';
    return { ok: true };
  }

  listAccessKeys(userName: string, marker: string | undefined, maxItems: number): IamAnswer {
    const user = this.findUser(userName);
    if (!user) return noSuchUser(userName);
    const ids = user.accessKeys.map((k) => k.accessKeyId).sort(byName);
    return page(ids, marker, maxItems, (shown) => ({
      AccessKeyMetadata: shown.map((id) => {
        const key = user.accessKeys.find((k) => k.accessKeyId === id);
        return {
          UserName: user.userName,
          AccessKeyId: id,
          Status: key?.status ?? 'Inactive',
          CreateDate: key?.createDate ?? user.createDate,
        };
      }),
    }));
  }
}

/** A page of sorted names; the marker is the last name shown, opaque to the caller. */
function page(
  sorted: string[],
  marker: string | undefined,
  maxItems: number,
  render: (shown: string[]) => { [tag: string]: XmlValue },
): IamAnswer {
  let from = 0;
  if (marker !== undefined) {
    const after = Buffer.from(marker, 'base64url').toString('utf8');
    if (!after.startsWith('after:')) return iamError('ValidationError', 'Invalid Marker.');
    from = sorted.findIndex((name) => name > after.slice('after:'.length));
    if (from < 0) from = sorted.length;
  }
  const shown = sorted.slice(from, from + maxItems);
  const truncated = from + maxItems < sorted.length;
  const last = shown[shown.length - 1];
  return {
    ok: true,
    result: {
      ...render(shown),
      IsTruncated: truncated,
      ...(truncated && last !== undefined
        ? { Marker: Buffer.from(`after:${last}`).toString('base64url') }
        : {}),
    },
  };
}

function isProtected(role: SimulatedRole): boolean {
  return PROTECTED_PATHS.some((path) => role.path.startsWith(path));
}

function unmodifiable(role: SimulatedRole): IamAnswer {
  return iamError(
    'UnmodifiableEntity',
    `Cannot perform the operation on the protected role '${role.roleName}' - this role is only modifiable by AWS`,
  );
}

function noSuchRole(roleName: string): IamAnswer {
  return iamError('NoSuchEntity', `The role with name ${roleName} cannot be found.`);
}

function noSuchRolePolicy(policyName: string): IamAnswer {
  return iamError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
}

function noSuchUser(userName: string): IamAnswer {
  return iamError('NoSuchEntity', `The user with name ${userName} cannot be found.`);
}

function withoutWhitespace(text: string): number {
  return text.replace(/\s/g, '').length;
}

/** What IAM rejects in an identity policy, as its MalformedPolicyDocument message says it. */
function policyProblem(document: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return 'Syntax errors in policy.';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return 'Syntax errors in policy.';
  }
  const { Version, Statement } = parsed as { Version?: unknown; Statement?: unknown };
  if (Version !== undefined && Version !== '2012-10-17' && Version !== '2008-10-17') {
    return 'The policy failed legacy parsing';
  }
  if (Statement === undefined) return 'Missing required field Statement';
  const statements = Array.isArray(Statement) ? Statement : [Statement];
  for (const statement of statements) {
    const s = (statement ?? {}) as Record<string, unknown>;
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') return `Invalid effect: ${String(s.Effect)}`;
    if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
      return 'Policy document should not specify a principal.';
    }
    if (s.Action === undefined && s.NotAction === undefined) {
      return 'Policy statement must contain actions.';
    }
    if (s.Resource === undefined && s.NotResource === undefined) {
      return 'Policy statement must contain resources.';
    }
  }
  return undefined;
}

/** URL-encoding per RFC 3986: `encodeURIComponent` plus the reserved `!'()*`. */
function rfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** A stable unique id (AROA.../AIDA...) for a seed entity that names none. */
function derivedId(prefix: string, name: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const digest = createHash('sha256').update(name).digest();
  let id = prefix;
  for (let i = 0; i < 17; i += 1) id += alphabet[(digest[i] ?? 0) % 32];
  return id;
}
