import { randomUUID } from 'node:crypto';
import { type GraphAnswer, graphError, type SimulatedDirectory } from './directory.ts';
import type { Seed } from './seed.ts';

/**
 * The simulated tenant's other paths to privilege and workload credentials: PIM eligible
 * directory roles, groups (role-assignable ones hold roles through the directory's role
 * assignments), PIM for Groups, and application objects with their secrets and certificates.
 */

type Eligibility = Seed['roleEligibilities'][number];
type Group = Seed['groups'][number];
type GroupAccess = Seed['pimGroupAccess'][number];
type ApplicationObject = Seed['applicationObjects'][number];
type Body = Partial<Record<string, unknown>> | null;

const notFound = (what: string, at: Date) =>
  graphError(404, 'Request_ResourceNotFound', `Resource '${what}' does not exist.`, at);
const badRequest = (message: string, at: Date) =>
  graphError(400, 'Request_BadRequest', message, at);
const denied = (at: Date) =>
  graphError(
    403,
    'Authorization_RequestDenied',
    'Insufficient privileges to complete the operation.',
    at,
  );

const principalFilter = (filter: string | null) =>
  /^\s*principalId\s+eq\s+'([^']+)'\s*$/.exec(filter ?? '')?.[1]?.toLowerCase();

const collection = (context: string, value: unknown[]): GraphAnswer => ({
  status: 200,
  body: { '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#${context}`, value },
});

export class SimulatedPrivilegedAccess {
  readonly eligibilities = new Map<string, Eligibility>();
  readonly groups = new Map<string, Group>();
  readonly groupAccess = new Map<string, GroupAccess>();
  readonly applicationObjects = new Map<string, ApplicationObject>();
  readonly #directory: SimulatedDirectory;
  readonly #now: () => Date;

  constructor(seed: Seed, directory: SimulatedDirectory, now: () => Date) {
    this.#directory = directory;
    this.#now = now;
    for (const e of seed.roleEligibilities) this.eligibilities.set(e.id, { ...e });
    for (const g of seed.groups)
      this.groups.set(g.id.toLowerCase(), { ...g, members: [...g.members] });
    for (const a of seed.pimGroupAccess) this.groupAccess.set(a.id, { ...a });
    for (const app of seed.applicationObjects) {
      this.applicationObjects.set(app.id.toLowerCase(), structuredClone(app));
    }
  }

  toSeed(): Pick<Seed, 'roleEligibilities' | 'groups' | 'pimGroupAccess' | 'applicationObjects'> {
    return {
      roleEligibilities: [...this.eligibilities.values()].map((e) => ({ ...e })),
      groups: [...this.groups.values()].map((g) => ({ ...g, members: [...g.members] })),
      pimGroupAccess: [...this.groupAccess.values()].map((a) => ({ ...a })),
      applicationObjects: [...this.applicationObjects.values()].map((a) => structuredClone(a)),
    };
  }

  #live<T extends { endDateTime?: string | undefined }>(item: T): boolean {
    return item.endDateTime === undefined || Date.parse(item.endDateTime) > this.#now().getTime();
  }

  eligibleRolesOf(principalId: string): Eligibility[] {
    const key = principalId.toLowerCase();
    return [...this.eligibilities.values()].filter(
      (e) => e.principalId.toLowerCase() === key && this.#live(e),
    );
  }

  /** Direct members plus active PIM for Groups members, as Entra resolves membership. */
  isMember(group: Group, userId: string): boolean {
    const key = userId.toLowerCase();
    return (
      group.members.some((m) => m.toLowerCase() === key) ||
      [...this.groupAccess.values()].some(
        (a) =>
          a.groupId.toLowerCase() === group.id.toLowerCase() &&
          a.principalId.toLowerCase() === key &&
          a.accessId === 'member' &&
          a.schedule === 'active' &&
          this.#live(a),
      )
    );
  }

  listEligibilityInstances(filter: string | null): GraphAnswer {
    const principalId = principalFilter(filter);
    if (!principalId)
      return badRequest("Only $filter=principalId eq '{id}' is supported.", this.#now());
    return collection(
      'roleManagement/directory/roleEligibilityScheduleInstances',
      this.eligibleRolesOf(principalId).map((e) => ({
        id: `${e.id}-instance`,
        principalId: e.principalId,
        roleDefinitionId: e.roleDefinitionId,
        directoryScopeId: e.directoryScopeId,
        appScopeId: null,
        startDateTime: e.startDateTime ?? null,
        endDateTime: e.endDateTime ?? null,
        memberType: 'Direct',
        roleEligibilityScheduleId: e.id,
      })),
    );
  }

  /** POST roleEligibilityScheduleRequests: adminRemove and adminAssign. */
  eligibilityRequest(body: unknown): GraphAnswer {
    const at = this.#now();
    const { action, principalId, roleDefinitionId } = (body as Body) ?? {};
    const directoryScopeId = (body as Body)?.directoryScopeId ?? '/';
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
    const id = randomUUID();
    if (action === 'adminRemove') {
      const found = this.eligibleRolesOf(principalId).find(
        (e) => e.roleDefinitionId === roleDefinitionId && e.directoryScopeId === directoryScopeId,
      );
      if (!found)
        return graphError(
          404,
          'RoleEligibilityDoesNotExist',
          'The role eligibility does not exist.',
          at,
        );
      this.eligibilities.delete(found.id);
      return {
        status: 201,
        body: { id, action, principalId, roleDefinitionId, directoryScopeId, status: 'Revoked' },
      };
    }
    if (action !== 'adminAssign')
      return badRequest(`The simulated tenant does not support action '${action}'.`, at);
    const endDateTime = expirationOf(body);
    const eligibility: Eligibility = {
      id,
      principalId,
      roleDefinitionId,
      directoryScopeId,
      startDateTime: at.toISOString(),
    };
    if (endDateTime) eligibility.endDateTime = endDateTime;
    this.eligibilities.set(id, eligibility);
    return {
      status: 201,
      body: { id, action, principalId, roleDefinitionId, directoryScopeId, status: 'Provisioned' },
    };
  }

  transitiveGroupsOf(userId: string): GraphAnswer {
    const user = this.#directory.findUser(userId);
    if (!user) return notFound(userId, this.#now());
    return collection(
      'groups',
      [...this.groups.values()]
        .filter((g) => this.isMember(g, user.id))
        .map((g) => ({
          '@odata.type': '#microsoft.graph.group',
          id: g.id,
          displayName: g.displayName,
          isAssignableToRole: g.isAssignableToRole,
        })),
    );
  }

  /** DELETE /groups/{g}/members/{m}/$ref; a role-assignable group also needs RoleManagement.ReadWrite.Directory. */
  removeMember(groupId: string, memberId: string, permissions: readonly string[]): GraphAnswer {
    const at = this.#now();
    const group = this.groups.get(groupId.toLowerCase());
    if (!group) return notFound(groupId, at);
    if (group.isAssignableToRole && !permissions.includes('RoleManagement.ReadWrite.Directory'))
      return denied(at);
    const index = group.members.findIndex((m) => m.toLowerCase() === memberId.toLowerCase());
    if (index < 0) return notFound(memberId, at);
    group.members.splice(index, 1);
    return { status: 204 };
  }

  /** `serviceRoot`: this service's origin; a reference to another cloud's Graph names nothing here. */
  addMember(
    groupId: string,
    body: unknown,
    permissions: readonly string[],
    serviceRoot: string,
  ): GraphAnswer {
    const at = this.#now();
    const group = this.groups.get(groupId.toLowerCase());
    if (!group) return notFound(groupId, at);
    if (group.isAssignableToRole && !permissions.includes('RoleManagement.ReadWrite.Directory'))
      return denied(at);
    const ref = (body as Body)?.['@odata.id'];
    const prefix = `${serviceRoot}/v1.0/directoryObjects/`.toLowerCase();
    const memberId =
      typeof ref === 'string' && ref.toLowerCase().startsWith(prefix)
        ? /^[^/]+$/.exec(decodeURIComponent(ref.slice(prefix.length)))?.[0]
        : undefined;
    if (!memberId) {
      return badRequest(
        `@odata.id must reference a directory object of this service: ${serviceRoot}/v1.0/directoryObjects/{id}.`,
        at,
      );
    }
    if (!this.#directory.findUser(memberId)) return notFound(memberId, at);
    if (group.members.some((m) => m.toLowerCase() === memberId.toLowerCase())) {
      return badRequest(
        "One or more added object references already exist for the following modified properties: 'members'.",
        at,
      );
    }
    group.members.push(memberId);
    return { status: 204 };
  }

  listGroupAccess(schedule: 'eligible' | 'active', filter: string | null): GraphAnswer {
    const principalId = principalFilter(filter);
    if (!principalId)
      return badRequest("Only $filter=principalId eq '{id}' is supported.", this.#now());
    return collection(
      `identityGovernance/privilegedAccess/group/${schedule === 'eligible' ? 'eligibility' : 'assignment'}ScheduleInstances`,
      [...this.groupAccess.values()]
        .filter(
          (a) =>
            a.schedule === schedule && a.principalId.toLowerCase() === principalId && this.#live(a),
        )
        .map((a) => ({
          id: `${a.id}-instance`,
          groupId: a.groupId,
          principalId: a.principalId,
          accessId: a.accessId,
          memberType: 'direct',
          startDateTime: a.startDateTime ?? null,
          endDateTime: a.endDateTime ?? null,
          ...(schedule === 'active' ? { assignmentType: 'assigned' } : {}),
        })),
    );
  }

  /** POST .../group/{eligibility|assignment}ScheduleRequests: adminRemove and adminAssign. */
  groupAccessRequest(schedule: 'eligible' | 'active', body: unknown): GraphAnswer {
    const at = this.#now();
    const { action, principalId, groupId, accessId } = (body as Body) ?? {};
    if (
      typeof action !== 'string' ||
      typeof principalId !== 'string' ||
      typeof groupId !== 'string' ||
      (accessId !== 'member' && accessId !== 'owner')
    ) {
      return badRequest('action, accessId, principalId and groupId are required.', at);
    }
    const id = randomUUID();
    if (action === 'adminRemove') {
      const found = [...this.groupAccess.values()].find(
        (a) =>
          a.schedule === schedule &&
          a.accessId === accessId &&
          a.groupId.toLowerCase() === groupId.toLowerCase() &&
          a.principalId.toLowerCase() === principalId.toLowerCase() &&
          this.#live(a),
      );
      if (!found)
        return graphError(404, 'ResourceNotFound', 'The group access does not exist.', at);
      this.groupAccess.delete(found.id);
      return {
        status: 201,
        body: { id, action, accessId, principalId, groupId, status: 'Revoked' },
      };
    }
    if (action !== 'adminAssign')
      return badRequest(`The simulated tenant does not support action '${action}'.`, at);
    if (!this.groups.has(groupId.toLowerCase())) return notFound(groupId, at);
    const access: GroupAccess = {
      id,
      groupId,
      principalId,
      accessId,
      schedule,
      startDateTime: at.toISOString(),
    };
    const endDateTime = expirationOf(body);
    if (endDateTime) access.endDateTime = endDateTime;
    this.groupAccess.set(id, access);
    return {
      status: 201,
      body: { id, action, accessId, principalId, groupId, status: 'Provisioned' },
    };
  }

  applicationByAppId(appId: string, selectParam: string | null): GraphAnswer {
    const app = [...this.applicationObjects.values()].find(
      (a) => a.appId.toLowerCase() === appId.toLowerCase(),
    );
    if (!app) return notFound(appId, this.#now());
    const wanted = selectParam ? new Set(['id', ...selectParam.split(',')]) : undefined;
    return {
      status: 200,
      body: Object.fromEntries(Object.entries(app).filter(([k]) => !wanted || wanted.has(k))),
    };
  }

  removeApplicationPassword(id: string, body: unknown): GraphAnswer {
    const at = this.#now();
    const app = this.applicationObjects.get(id.toLowerCase());
    if (!app) return notFound(id, at);
    const keyId = (body as Body)?.keyId;
    const index = app.passwordCredentials.findIndex((c) => c.keyId === keyId);
    if (index < 0)
      return badRequest(`No password credential found with keyId ${String(keyId)}.`, at);
    app.passwordCredentials.splice(index, 1);
    return { status: 204 };
  }

  /** PATCH /applications/{id}: keyCredentials only (replaces the collection). */
  patchApplication(id: string, body: unknown): GraphAnswer {
    const at = this.#now();
    const app = this.applicationObjects.get(id.toLowerCase());
    if (!app) return notFound(id, at);
    const keys = (body as Body)?.keyCredentials;
    if (!Array.isArray(keys))
      return badRequest('The simulated tenant supports PATCH of keyCredentials only.', at);
    const kept = new Set(keys.map((k) => (k as { keyId?: unknown })?.keyId));
    app.keyCredentials = app.keyCredentials.filter((k) => kept.has(k.keyId));
    return { status: 204 };
  }
}

function expirationOf(body: unknown): string | undefined {
  const expiration = (
    (body as Body)?.scheduleInfo as
      | { expiration?: { type?: string; endDateTime?: string } }
      | undefined
  )?.expiration;
  return expiration?.type === 'afterDateTime' ? expiration.endDateTime : undefined;
}
