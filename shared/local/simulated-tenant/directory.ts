import { randomUUID } from 'node:crypto';
import type { Seed, SeedApplication } from './seed.ts';

/**
 * The in-memory directory behind the simulated tenant: users, service principals, role
 * assignments and risk state, changed by the Graph operations exactly as Entra documents them.
 * Every method answers the HTTP status and body Graph would.
 */

export interface GraphAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SimulatedUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  accountEnabled: boolean;
  signInSessionsValidFromDateTime: string;
  riskLevel: 'none' | 'low' | 'medium' | 'high';
  riskState: 'none' | 'atRisk' | 'confirmedCompromised' | 'remediated' | 'dismissed';
}

interface SimulatedPasswordCredential {
  keyId: string;
  displayName?: string;
  hint?: string;
  endDateTime?: string;
}

export interface SimulatedServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  accountEnabled: boolean;
  passwordCredentials: SimulatedPasswordCredential[];
  riskState: 'none' | 'atRisk' | 'confirmedCompromised' | 'dismissed';
}

export interface SimulatedRoleAssignment {
  id: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  type: 'permanent' | 'pimActive';
  activated: boolean;
  endDateTime?: string;
}

/** A PIM schedule request as the directory received it (adminRemove, adminAssign...). */
export interface SimulatedScheduleRequest {
  id: string;
  action: string;
  principalId: string;
  roleDefinitionId: string;
  directoryScopeId: string;
  justification?: string;
  status: string;
  createdDateTime: string;
  scheduleInfo?: unknown;
}

/** Entra roles that may change sensitive attributes (accountEnabled) of an administrator. */
const PRIVILEGED_APP_ROLES = new Set([
  'Global Administrator',
  'Privileged Authentication Administrator',
]);

const secondsIso = (date: Date) => `${date.toISOString().slice(0, 19)}Z`;

export function graphError(status: number, code: string, message: string, at: Date): GraphAnswer {
  const requestId = randomUUID();
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: secondsIso(at),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    },
  };
}

const notFound = (what: string, at: Date) =>
  graphError(
    404,
    'Request_ResourceNotFound',
    `Resource '${what}' does not exist or one of its queried reference-property objects are not present.`,
    at,
  );

const badRequest = (message: string, at: Date) =>
  graphError(400, 'Request_BadRequest', message, at);

/** `$filter=principalId eq '...'`, the only filter the responder uses. */
function principalFilter(filter: string | null): string | undefined {
  const match = /^\s*principalId\s+eq\s+'([^']+)'\s*$/.exec(filter ?? '');
  return match?.[1];
}

function select<T extends object>(entity: T, selectParam: string | null): Partial<T> {
  if (!selectParam) return { ...entity };
  const wanted = new Set(selectParam.split(',').map((s) => s.trim()));
  wanted.add('id');
  return Object.fromEntries(
    Object.entries(entity).filter(([key]) => wanted.has(key)),
  ) as Partial<T>;
}

export class SimulatedDirectory {
  readonly tenantId: string;
  readonly #tenant: Seed['tenant'];
  readonly users = new Map<string, SimulatedUser>();
  readonly servicePrincipals = new Map<string, SimulatedServicePrincipal>();
  readonly roleAssignments = new Map<string, SimulatedRoleAssignment>();
  readonly roleDefinitions = new Map<string, Seed['roleDefinitions'][number]>();
  readonly applications = new Map<string, SeedApplication>();
  readonly scheduleRequests: SimulatedScheduleRequest[] = [];
  readonly #now: () => Date;

  constructor(seed: Seed, now: () => Date) {
    this.tenantId = seed.tenant.id;
    this.#tenant = { ...seed.tenant };
    this.#now = now;
    for (const app of seed.applications) this.applications.set(app.clientId.toLowerCase(), app);
    for (const role of seed.roleDefinitions) this.roleDefinitions.set(role.id, role);
    for (const user of seed.users) {
      const { note: _note, ...rest } = user;
      this.users.set(user.id.toLowerCase(), { ...rest });
    }
    for (const sp of seed.servicePrincipals) {
      this.servicePrincipals.set(sp.id.toLowerCase(), {
        ...sp,
        passwordCredentials: sp.passwordCredentials.map((c) => ({ ...c })),
      });
    }
    for (const assignment of seed.roleAssignments) {
      this.roleAssignments.set(assignment.id, { ...assignment });
    }
  }

  /** The directory as it is now, in the seed format (privileged-access.ts keeps the rest). */
  toSeed(): Omit<Seed, 'roleEligibilities' | 'groups' | 'pimGroupAccess' | 'applicationObjects'> {
    return {
      tenant: { ...this.#tenant },
      applications: [...this.applications.values()].map((a) => ({ ...a })),
      roleDefinitions: [...this.roleDefinitions.values()].map((r) => ({ ...r })),
      users: [...this.users.values()].map((u) => ({ ...u })),
      servicePrincipals: [...this.servicePrincipals.values()].map((sp) => ({
        ...sp,
        passwordCredentials: sp.passwordCredentials.map((c) => ({ ...c })),
      })),
      roleAssignments: [...this.roleAssignments.values()].map((a) => ({ ...a })),
    };
  }

  /** By object id or userPrincipalName, as Graph's `/users/{id | userPrincipalName}`. */
  findUser(idOrUpn: string): SimulatedUser | undefined {
    const key = idOrUpn.toLowerCase();
    const byId = this.users.get(key);
    if (byId) return byId;
    for (const user of this.users.values()) {
      if (user.userPrincipalName.toLowerCase() === key) return user;
    }
    return undefined;
  }

  activeAssignmentsOf(principalId: string): SimulatedRoleAssignment[] {
    const key = principalId.toLowerCase();
    const now = this.#now().getTime();
    return [...this.roleAssignments.values()].filter(
      (a) =>
        a.principalId.toLowerCase() === key &&
        (a.endDateTime === undefined || Date.parse(a.endDateTime) > now),
    );
  }

  revokeSignInSessions(idOrUpn: string): GraphAnswer {
    const at = this.#now();
    const user = this.findUser(idOrUpn);
    if (!user) return notFound(idOrUpn, at);
    user.signInSessionsValidFromDateTime = secondsIso(at);
    return {
      status: 200,
      body: {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#Edm.Boolean',
        value: true,
      },
    };
  }

  getUser(idOrUpn: string, selectParam: string | null): GraphAnswer {
    const user = this.findUser(idOrUpn);
    if (!user) return notFound(idOrUpn, this.#now());
    return { status: 200, body: select(user, selectParam) };
  }

  /** PATCH /users/{id}: accountEnabled only. `appRoles` are the caller's Entra roles. */
  patchUser(idOrUpn: string, body: unknown, appRoles: readonly string[]): GraphAnswer {
    const at = this.#now();
    const user = this.findUser(idOrUpn);
    if (!user) return notFound(idOrUpn, at);
    const enabled = (body as { accountEnabled?: unknown } | null)?.accountEnabled;
    if (typeof enabled !== 'boolean') {
      return badRequest('The simulated tenant supports PATCH of accountEnabled only.', at);
    }
    const targetIsAdmin = this.activeAssignmentsOf(user.id).length > 0;
    if (targetIsAdmin && !appRoles.some((role) => PRIVILEGED_APP_ROLES.has(role))) {
      return graphError(
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
        at,
      );
    }
    user.accountEnabled = enabled;
    return { status: 204 };
  }

  confirmCompromisedUsers(body: unknown): GraphAnswer {
    const problem = 'userIds must be a non-empty array of user ids.';
    return this.#confirmCompromised(body, 'userIds', problem, this.users, {
      riskState: 'confirmedCompromised',
      riskLevel: 'high',
    });
  }

  confirmCompromisedServicePrincipals(body: unknown): GraphAnswer {
    const problem = 'servicePrincipalIds must be a non-empty array of ids.';
    return this.#confirmCompromised(body, 'servicePrincipalIds', problem, this.servicePrincipals, {
      riskState: 'confirmedCompromised',
    });
  }

  /** Both confirmCompromised actions: all ids known or nothing changes (404 on the first unknown). */
  #confirmCompromised<T>(
    body: unknown,
    field: string,
    problem: string,
    from: ReadonlyMap<string, T>,
    risk: Partial<T>,
  ): GraphAnswer {
    const at = this.#now();
    const ids = (body as Record<string, unknown> | null)?.[field];
    if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string')) {
      return badRequest(problem, at);
    }
    const found = ids.map((id) => from.get(String(id).toLowerCase()));
    const missing = ids.find((_, i) => found[i] === undefined);
    if (missing !== undefined) return notFound(String(missing), at);
    for (const item of found) if (item) Object.assign(item, risk);
    return { status: 204 };
  }

  listRoleAssignments(filter: string | null): GraphAnswer {
    return this.#listAssignments(filter, 'roleAssignments', (a) => ({ id: a.id }));
  }

  listRoleAssignmentScheduleInstances(filter: string | null): GraphAnswer {
    // Direct assignments appear here too, as `Assigned` with no end (documented behaviour).
    return this.#listAssignments(filter, 'roleAssignmentScheduleInstances', (a) => ({
      id: `${a.id}-instance`,
      appScopeId: null,
      startDateTime: null,
      endDateTime: a.endDateTime ?? null,
      assignmentType: a.type === 'pimActive' && a.activated ? 'Activated' : 'Assigned',
      memberType: 'Direct',
      roleAssignmentOriginId: a.id,
      roleAssignmentScheduleId: a.type === 'pimActive' ? `${a.id}-schedule` : a.id,
    }));
  }

  /** A principal's active assignments as `collection` lists them (only `principalId eq` filters). */
  #listAssignments(
    filter: string | null,
    collection: string,
    more: (a: SimulatedRoleAssignment) => { id: string } & Record<string, unknown>,
  ): GraphAnswer {
    const principalId = principalFilter(filter);
    if (!principalId)
      return badRequest("Only $filter=principalId eq '{id}' is supported.", this.#now());
    return {
      status: 200,
      body: {
        '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#roleManagement/directory/${collection}`,
        value: this.activeAssignmentsOf(principalId).map((a) => {
          const { id, ...rest } = more(a);
          const { principalId, roleDefinitionId, directoryScopeId } = a;
          return { id, principalId, roleDefinitionId, directoryScopeId, ...rest };
        }),
      },
    };
  }

  deleteRoleAssignment(id: string): GraphAnswer {
    if (!this.roleAssignments.delete(id)) return notFound(id, this.#now());
    return { status: 204 };
  }

  createRoleAssignment(body: unknown): GraphAnswer {
    const at = this.#now();
    const request = body as Partial<Record<string, unknown>> | null;
    const principalId = request?.principalId;
    const roleDefinitionId = request?.roleDefinitionId;
    const directoryScopeId = request?.directoryScopeId ?? '/';
    if (
      typeof principalId !== 'string' ||
      typeof roleDefinitionId !== 'string' ||
      typeof directoryScopeId !== 'string'
    ) {
      return badRequest('principalId, roleDefinitionId and directoryScopeId are required.', at);
    }
    if (!this.findUser(principalId) && !this.servicePrincipals.has(principalId.toLowerCase())) {
      return notFound(principalId, at);
    }
    const assignment: SimulatedRoleAssignment = {
      id: randomUUID(),
      principalId,
      roleDefinitionId,
      directoryScopeId,
      type: 'permanent',
      activated: false,
    };
    this.roleAssignments.set(assignment.id, assignment);
    const { type: _type, activated: _activated, ...shown } = assignment;
    return { status: 201, body: shown };
  }

  /** POST roleAssignmentScheduleRequests: adminRemove and adminAssign. */
  createScheduleRequest(body: unknown): GraphAnswer {
    const at = this.#now();
    const request = body as Partial<Record<string, unknown>> | null;
    const { action, principalId, roleDefinitionId, justification } = request ?? {};
    const directoryScopeId = request?.directoryScopeId ?? '/';
    if (
      typeof action !== 'string' ||
      typeof principalId !== 'string' ||
      typeof roleDefinitionId !== 'string' ||
      typeof directoryScopeId !== 'string'
    ) {
      return badRequest(
        'action, principalId, roleDefinitionId and directoryScopeId are required.',
        at,
      );
    }
    const record: SimulatedScheduleRequest = {
      id: randomUUID(),
      action,
      principalId,
      roleDefinitionId,
      directoryScopeId,
      status: 'Provisioned',
      createdDateTime: at.toISOString(),
      scheduleInfo: request?.scheduleInfo,
    };
    if (typeof justification === 'string') record.justification = justification;

    if (action === 'adminRemove') {
      const active = this.activeAssignmentsOf(principalId).find(
        (a) => a.roleDefinitionId === roleDefinitionId && a.directoryScopeId === directoryScopeId,
      );
      if (!active) {
        return graphError(
          404,
          'RoleAssignmentDoesNotExist',
          'The Role assignment does not exist.',
          at,
        );
      }
      this.roleAssignments.delete(active.id);
      record.status = 'Revoked';
    } else if (action === 'adminAssign') {
      const schedule = request?.scheduleInfo as
        | { expiration?: { type?: string; endDateTime?: string } }
        | undefined;
      const endDateTime =
        schedule?.expiration?.type === 'afterDateTime'
          ? schedule.expiration.endDateTime
          : undefined;
      if (endDateTime !== undefined && !(Date.parse(endDateTime) > at.getTime())) {
        return badRequest('The expiration of the assignment must be in the future.', at);
      }
      const assignment: SimulatedRoleAssignment = {
        id: randomUUID(),
        principalId,
        roleDefinitionId,
        directoryScopeId,
        type: 'pimActive',
        activated: false,
      };
      if (endDateTime !== undefined) assignment.endDateTime = endDateTime;
      this.roleAssignments.set(assignment.id, assignment);
    } else {
      return badRequest(`The simulated tenant does not support action '${action}'.`, at);
    }
    this.scheduleRequests.push(record);
    return { status: 201, body: record };
  }

  getServicePrincipal(id: string, selectParam: string | null): GraphAnswer {
    const sp = this.servicePrincipals.get(id.toLowerCase());
    if (!sp) return notFound(id, this.#now());
    return { status: 200, body: select(sp, selectParam) };
  }

  patchServicePrincipal(id: string, body: unknown): GraphAnswer {
    const at = this.#now();
    const sp = this.servicePrincipals.get(id.toLowerCase());
    if (!sp) return notFound(id, at);
    const enabled = (body as { accountEnabled?: unknown } | null)?.accountEnabled;
    if (typeof enabled !== 'boolean') {
      return badRequest('The simulated tenant supports PATCH of accountEnabled only.', at);
    }
    sp.accountEnabled = enabled;
    return { status: 204 };
  }

  removePassword(id: string, body: unknown): GraphAnswer {
    const at = this.#now();
    const sp = this.servicePrincipals.get(id.toLowerCase());
    if (!sp) return notFound(id, at);
    const keyId = (body as { keyId?: unknown } | null)?.keyId;
    if (typeof keyId !== 'string') return badRequest('keyId is required.', at);
    const index = sp.passwordCredentials.findIndex((c) => c.keyId === keyId);
    if (index < 0) {
      return badRequest(`No password credential found with keyId ${keyId}.`, at);
    }
    sp.passwordCredentials.splice(index, 1);
    return { status: 204 };
  }
}
