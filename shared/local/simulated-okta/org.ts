import { randomBytes } from 'node:crypto';
import type { OktaSeed, SeedRole, SeedUser } from './seed.ts';

/**
 * The simulated Okta org's state and the Management API operations the Okta adapter calls, as
 * Okta answers them: status codes, role assignment shapes, and Okta's error body
 * (`errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`).
 */

export interface OktaAnswer {
  status: number;
  body?: unknown;
}

export function oktaError(
  status: number,
  errorCode: string,
  errorSummary: string,
  causes: string[] = [],
): OktaAnswer {
  return {
    status,
    body: {
      errorCode,
      errorSummary,
      errorLink: errorCode,
      errorId: `oae${randomBytes(11).toString('base64url')}`,
      errorCauses: causes.map((c) => ({ errorSummary: c })),
    },
  };
}

const notFound = (id: string) =>
  oktaError(404, 'E0000007', `Not found: Resource not found: ${id} (User)`);

export class SimulatedOktaOrg {
  readonly name: string;
  readonly #seed: OktaSeed;
  readonly #now: () => Date;

  constructor(seed: OktaSeed, now: () => Date = () => new Date()) {
    this.#seed = structuredClone(seed);
    this.name = seed.org.name;
    this.#now = now;
  }

  /** The state as a seed: what a local-mode state file keeps. */
  toSeed(): OktaSeed {
    return structuredClone(this.#seed);
  }

  user(idOrLogin: string): SeedUser | undefined {
    const login = idOrLogin.toLowerCase();
    return this.#seed.users.find((u) => u.id === idOrLogin || u.login.toLowerCase() === login);
  }

  getUser(idOrLogin: string): OktaAnswer {
    const user = this.user(idOrLogin);
    if (!user) return notFound(idOrLogin);
    return {
      status: 200,
      body: {
        id: user.id,
        status: user.status,
        created: user.created,
        profile: {
          login: user.login,
          email: user.login,
          ...(user.firstName ? { firstName: user.firstName } : {}),
          ...(user.lastName ? { lastName: user.lastName } : {}),
        },
      },
    };
  }

  /** DELETE /sessions: every IdP session; with `oauthTokens=true` the OAuth tokens too. */
  clearSessions(userId: string, oauthTokens: boolean): OktaAnswer {
    const user = this.#byId(userId);
    if (!user) return notFound(userId);
    user.sessions = [];
    if (oauthTokens) user.oauthTokens = [];
    return { status: 204 };
  }

  listRoles(userId: string, orgUrl: string): OktaAnswer {
    const user = this.#byId(userId);
    if (!user) return notFound(userId);
    const direct = user.roles.map((r) => roleBody(r, 'USER', `${orgUrl}/api/v1/users/${user.id}`));
    const viaGroups = this.#seed.groups
      .filter((g) => user.groups.includes(g.id))
      .flatMap((g) => g.roles.map((r) => roleBody(r, 'GROUP', `${orgUrl}/api/v1/groups/${g.id}`)));
    return { status: 200, body: [...direct, ...viaGroups] };
  }

  unassignRole(userId: string, assignmentId: string): OktaAnswer {
    const user = this.#byId(userId);
    if (!user) return notFound(userId);
    const index = user.roles.findIndex((r) => r.id === assignmentId);
    if (index < 0) {
      return oktaError(404, 'E0000007', `Not found: Resource not found: ${assignmentId} (Role)`);
    }
    user.roles.splice(index, 1);
    return { status: 204 };
  }

  assignRole(userId: string, body: unknown, orgUrl: string): OktaAnswer {
    const user = this.#byId(userId);
    if (!user) return notFound(userId);
    const b = (body ?? {}) as { type?: unknown; role?: unknown; 'resource-set'?: unknown };
    if (typeof b.type !== 'string' || b.type === '') {
      return oktaError(400, 'E0000001', 'Api validation failed: type', [
        'type: The field cannot be left blank',
      ]);
    }
    const custom = b.type === 'CUSTOM';
    if (custom && (typeof b.role !== 'string' || typeof b['resource-set'] !== 'string')) {
      return oktaError(400, 'E0000001', 'Api validation failed: role', [
        'A custom role assignment needs role and resource-set',
      ]);
    }
    const duplicate = user.roles.some(
      (r) =>
        r.type === b.type &&
        (!custom || (r.role === b.role && r.resourceSet === b['resource-set'])),
    );
    if (duplicate) {
      return oktaError(409, 'E0000090', 'Duplicate role assignment exception.');
    }
    const role: SeedRole = {
      id: `ra1${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`,
      type: b.type,
      created: this.#now().toISOString(),
      ...(custom ? { role: b.role as string, resourceSet: b['resource-set'] as string } : {}),
    };
    user.roles.push(role);
    return { status: 201, body: roleBody(role, 'USER', `${orgUrl}/api/v1/users/${user.id}`) };
  }

  lifecycle(userId: string, operation: 'suspend' | 'unsuspend'): OktaAnswer {
    const user = this.#byId(userId);
    if (!user) return notFound(userId);
    const from = operation === 'suspend' ? 'ACTIVE' : 'SUSPENDED';
    if (user.status !== from) {
      return oktaError(400, 'E0000001', `Api validation failed: ${operation}User`, [
        operation === 'suspend'
          ? 'Cannot suspend a user that is not active'
          : 'Cannot unsuspend a user that is not suspended',
      ]);
    }
    user.status = operation === 'suspend' ? 'SUSPENDED' : 'ACTIVE';
    return { status: 200, body: {} };
  }

  /** Lifecycle and session routes take the user id only (not the login). */
  #byId(userId: string): SeedUser | undefined {
    return this.#seed.users.find((u) => u.id === userId);
  }
}

function roleBody(role: SeedRole, assignmentType: 'USER' | 'GROUP', assignee: string) {
  return {
    id: role.id,
    label: role.label ?? role.type,
    type: role.type,
    status: 'ACTIVE',
    created: role.created,
    lastUpdated: role.created,
    assignmentType,
    ...(role.role ? { role: role.role } : {}),
    ...(role.resourceSet ? { 'resource-set': role.resourceSet } : {}),
    _links: { assignee: { href: assignee } },
  };
}
