import { accessSync, constants } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import * as z from 'zod/mini';
import {
  type ActionOutcome,
  CONTAINMENT_ACTIONS,
  type ContainmentAction,
  type ContainmentRequest,
  type ContainmentResult,
  type RestorableChange,
  type RestoreRequest,
  type SkipReason,
  type VerificationResult,
} from '../../domain/containment.ts';
import type { Subject } from '../../domain/detection.ts';
import { ConfigError } from '../../domain/errors.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { IdentityProvider } from '../../ports/identity-provider.ts';
import { CompromiseReporter } from './compromise-reporter.ts';
import type { EntraConfig } from './config.ts';
import type { GraphFailure } from './errors.ts';
import {
  DEFAULT_RETRY_POLICY,
  type GraphCallResult,
  GraphTenantSession,
  type RetryPolicy,
} from './graph-session.ts';
import { type GraphLimits, GraphRateLimiter } from './rate-limiter.ts';

/**
 * Containment in Microsoft Entra ID through Microsoft Graph (application permissions).
 *
 * Critical path: the revoke request is the first network call of `contain` (the token is already
 * cached: `warmUp`), and only once it has left the process do the role listings start, in
 * parallel with it. Role removals run in parallel; disabling waits for them, so an account that
 * was an administrator a moment ago no longer needs a privileged role on the app to be disabled.
 */

export interface EntraIdentityProviderOptions {
  config: EntraConfig;
  /** `simulated` when pointed at the simulated tenant; every outcome's caller reports it. */
  mode?: 'live' | 'simulated';
  /** Client-side pacing; defaults to Graph's documented quotas with a margin. */
  limits?: Partial<GraphLimits>;
  /** Share one limiter between providers of the same process. */
  rateLimiter?: GraphRateLimiter;
  requestTimeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** PEM CA certificates to trust in addition to Node's roots (a test double's own CA). */
  trustedCa?: string | readonly string[];
  clock?: Clock;
  /** How retries wait; tests pass one that records the delays. */
  sleep?: (ms: number) => Promise<void>;
}

interface RoleAssignmentInstance {
  id: string;
  principalId?: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
  assignmentType?: string | null;
  memberType?: string | null;
  endDateTime?: string | null;
  roleAssignmentOriginId?: string | null;
}

interface RoleAssignment {
  id: string;
  principalId?: string;
  roleDefinitionId: string;
  directoryScopeId?: string | null;
}

type RoleChange = Extract<RestorableChange, { kind: 'roleAssignment' }>;

const USER_ACTIONS = new Set<ContainmentAction>([
  'revokeSessions',
  'isolatePrivilege',
  'markCompromised',
  'disableAccount',
]);
const SERVICE_PRINCIPAL_ACTIONS = new Set<ContainmentAction>([
  'markCompromised',
  'disableAccount',
  'removeCredentials',
]);

const NOT_APPLICABLE: Partial<Record<ContainmentAction, string>> = {
  revokeSessions:
    'workload identities have no sign-in sessions or refresh tokens to revoke in Entra; a service principal is contained by disabling it and removing its credentials',
  denyOlderSessions: 'denyOlderSessions is an AWS action; Entra revokes sessions instead',
};

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const round = (ms: number) => Math.round(ms * 10) / 10;
const odata = (value: string) => value.replaceAll("'", "''");
const enc = encodeURIComponent;

const restorableChangeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('roleAssignment'),
    assignmentType: z.enum(['permanent', 'pimActive']),
    assignmentId: z.string().check(z.minLength(1)),
    roleDefinitionId: z.string().check(z.minLength(1)),
    directoryScopeId: z.string().check(z.minLength(1)),
    principalId: z.string().check(z.minLength(1)),
    endDateTime: z.optional(z.iso.datetime({ offset: true })),
  }),
  z.object({ kind: z.literal('accountDisabled'), subjectId: z.string().check(z.minLength(1)) }),
  z.object({
    kind: z.literal('servicePrincipalDisabled'),
    subjectId: z.string().check(z.minLength(1)),
  }),
  z.object({ kind: z.literal('awsDenyPolicy'), roleName: z.string(), policyName: z.string() }),
  z.object({
    kind: z.literal('awsAccessKeyDeactivated'),
    userName: z.string(),
    accessKeyId: z.string(),
  }),
]);

export class EntraIdentityProvider implements IdentityProvider {
  readonly provider = 'entra' as const;
  readonly mode: 'live' | 'simulated';
  readonly #sessions = new Map<string, GraphTenantSession>();
  readonly #agent: Agent;
  readonly #clock: Clock;
  readonly #reporter: CompromiseReporter;

  constructor(options: EntraIdentityProviderOptions) {
    this.mode = options.mode ?? 'live';
    this.#clock = options.clock ?? systemClock;
    const extraCa =
      options.trustedCa === undefined
        ? []
        : typeof options.trustedCa === 'string'
          ? [options.trustedCa]
          : [...options.trustedCa];
    // One keep-alive agent for login and Graph: the revoke reuses a warm TLS connection.
    this.#agent = new Agent({
      keepAlive: true,
      ...(extraCa.length > 0 ? { ca: [...rootCertificates, ...extraCa] } : {}),
    });
    const secrets = options.config.tenants.flatMap((t) =>
      [t.clientSecret, t.certificatePem].filter((s): s is string => s !== undefined),
    );
    const redact = (text: string) =>
      secrets.reduce((out, secret) => out.split(secret).join('[redacted]'), text);
    const limiter = options.rateLimiter ?? new GraphRateLimiter(options.limits);
    this.#reporter = new CompromiseReporter();
    const settings = {
      graphBaseUrl: options.config.graphBaseUrl.replace(/\/+$/, ''),
      authorityHost: options.config.authorityHost.replace(/\/+$/, ''),
      agent: this.#agent,
      limiter,
      retry: { ...DEFAULT_RETRY_POLICY, ...options.retry },
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      redact,
      now: () => this.#clock.now().getTime(),
      sleep: options.sleep ?? sleepFor,
    };
    for (const tenant of options.config.tenants) {
      if (tenant.certificatePath !== undefined) {
        try {
          accessSync(tenant.certificatePath, constants.R_OK);
        } catch (error) {
          throw new ConfigError(
            `the client certificate for tenant ${tenant.tenantId} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): ${tenant.certificatePath}`,
            { cause: error },
          );
        }
      }
      this.#sessions.set(tenant.tenantId.toLowerCase(), new GraphTenantSession(tenant, settings));
    }
  }

  coversTenant(tenantId: string): boolean {
    return this.#sessions.has(tenantId.toLowerCase());
  }

  /** Signs in to every configured tenant now (Lambda init), so no containment waits for a token. */
  async warmUp(): Promise<void> {
    await Promise.all([...this.#sessions.values()].map((s) => s.warmUp()));
  }

  /** Closes pooled connections (tests, CLI exit). */
  close(): void {
    this.#agent.destroy();
  }

  async contain(request: ContainmentRequest): Promise<ContainmentResult> {
    const enteredAt = performance.now();
    const requested = CONTAINMENT_ACTIONS.filter((a) => request.actions.includes(a));
    const session = this.#sessions.get(request.tenantId.toLowerCase());
    if (!session) {
      const why = `no Entra credentials are configured for tenant ${request.tenantId}; nothing was done`;
      return {
        outcomes: requested.map((a) => this.#skipped(a, request.subject.id, 'noCredentials', why)),
      };
    }
    if (request.subject.type === 'user') {
      return this.#containUser(session, request, requested, enteredAt);
    }
    if (request.subject.type === 'servicePrincipal') {
      return { outcomes: await this.#containServicePrincipal(session, request, requested) };
    }
    return {
      outcomes: requested.map((a) =>
        this.#skipped(
          a,
          request.subject.id,
          'notApplicable',
          `an ${request.subject.type} is not an Entra identity`,
        ),
      ),
    };
  }

  async verify(request: {
    tenantId: string;
    subject: Subject;
    detectedAt: string;
  }): Promise<VerificationResult> {
    const session = this.#sessions.get(request.tenantId.toLowerCase());
    const checkedAt = () => this.#clock.now().toISOString();
    if (!session) {
      return {
        verified: false,
        detail: `no Entra credentials are configured for tenant ${request.tenantId}`,
        checkedAt: checkedAt(),
      };
    }
    const id = request.subject.id;
    if (request.subject.type === 'servicePrincipal') {
      const read = await session.call<{ accountEnabled?: boolean }>({
        operation: 'readServicePrincipal',
        method: 'GET',
        path: `/servicePrincipals/${enc(id)}`,
        query: { $select: 'id,accountEnabled' },
      });
      if (!read.ok) {
        return { verified: false, detail: describe(read.failure), checkedAt: checkedAt() };
      }
      const disabled = read.value.accountEnabled === false;
      return {
        verified: disabled,
        detail: disabled
          ? 'the service principal is disabled (workload identities have no sessions to revoke)'
          : 'the service principal is still enabled',
        checkedAt: checkedAt(),
      };
    }
    if (request.subject.type !== 'user') {
      return {
        verified: false,
        detail: `an ${request.subject.type} is not an Entra identity`,
        checkedAt: checkedAt(),
      };
    }
    const read = await session.call<{ signInSessionsValidFromDateTime?: string | null }>({
      operation: 'readUser',
      method: 'GET',
      path: `/users/${enc(id)}`,
      query: { $select: 'id,signInSessionsValidFromDateTime' },
    });
    if (!read.ok) {
      return { verified: false, detail: describe(read.failure), checkedAt: checkedAt() };
    }
    const validFrom = read.value.signInSessionsValidFromDateTime ?? undefined;
    // Graph keeps whole seconds: compare with the detection time truncated to its second.
    const detectedSecond = Math.floor(Date.parse(request.detectedAt) / 1000) * 1000;
    const verified = validFrom !== undefined && Date.parse(validFrom) >= detectedSecond;
    return {
      verified,
      ...(validFrom === undefined ? {} : { sessionsValidFrom: validFrom }),
      detail: verified
        ? `sessions and refresh tokens issued before ${validFrom} are now invalid, which covers the session detected at ${request.detectedAt}`
        : `signInSessionsValidFromDateTime is ${validFrom ?? 'not set'}, before the detection at ${request.detectedAt}: revocation has not taken effect`,
      checkedAt: checkedAt(),
    };
  }

  async restore(request: RestoreRequest): Promise<ActionOutcome[]> {
    const session = this.#sessions.get(request.tenantId.toLowerCase());
    const subject = request.subject;
    if (!session) {
      return request.changes.map((change) =>
        this.#skipped(
          restoreAction(change),
          subject.id,
          'noCredentials',
          `no Entra credentials are configured for tenant ${request.tenantId}; nothing was restored`,
        ),
      );
    }
    const justification = `Restore after incident ${request.incidentId}, requested by ${request.requestedBy}: ${request.justification}`;
    const seen = new Set<string>();
    const tasks: Promise<ActionOutcome>[] = [];
    let current: Promise<GraphCallResult<{ value: RoleAssignment[] }>> | undefined;
    for (const raw of request.changes) {
      const startedAt = this.#clock.now().toISOString();
      const t0 = performance.now();
      const parsed = restorableChangeSchema.safeParse(raw);
      const target = changeTarget(raw);
      if (!parsed.success) {
        tasks.push(
          Promise.resolve(
            this.#invalid(restoreAction(raw), target, startedAt, t0, 'malformed change; refused'),
          ),
        );
        continue;
      }
      const change = parsed.data as RestorableChange;
      const key = JSON.stringify(change);
      if (seen.has(key)) continue;
      seen.add(key);
      if (change.kind === 'roleAssignment') {
        if (change.principalId.toLowerCase() !== subject.id.toLowerCase()) {
          tasks.push(
            Promise.resolve(
              this.#invalid(
                'isolatePrivilege',
                target,
                startedAt,
                t0,
                `recorded for principal ${change.principalId}, not ${subject.id}: refused`,
              ),
            ),
          );
          continue;
        }
        current ??= session.call({
          operation: 'listRoleAssignments',
          method: 'GET',
          path: '/roleManagement/directory/roleAssignments',
          query: { $filter: `principalId eq '${odata(subject.id)}'` },
        });
        tasks.push(this.#restoreRole(session, change, current, justification, startedAt, t0));
      } else if (change.kind === 'accountDisabled' || change.kind === 'servicePrincipalDisabled') {
        const expectedType = change.kind === 'accountDisabled' ? 'user' : 'servicePrincipal';
        if (
          change.subjectId.toLowerCase() !== subject.id.toLowerCase() ||
          subject.type !== expectedType
        ) {
          tasks.push(
            Promise.resolve(
              this.#invalid(
                'disableAccount',
                target,
                startedAt,
                t0,
                `recorded for ${expectedType} ${change.subjectId}, not this ${subject.type} ${subject.id}: refused`,
              ),
            ),
          );
          continue;
        }
        tasks.push(this.#reenable(session, subject, startedAt, t0));
      } else {
        tasks.push(
          Promise.resolve(
            this.#skipped(
              restoreAction(change),
              target,
              'notApplicable',
              `${change.kind} is an AWS change; the Entra adapter does not restore it`,
            ),
          ),
        );
      }
    }
    return Promise.all(tasks);
  }

  // --- containment of a user ----------------------------------------------------------------

  async #containUser(
    session: GraphTenantSession,
    request: ContainmentRequest,
    requested: ContainmentAction[],
    enteredAt: number,
  ): Promise<ContainmentResult> {
    const subject = request.subject;
    const wants = (action: ContainmentAction) => requested.includes(action);
    let timeToContainMs: number | undefined;
    let revoke: Promise<ActionOutcome> | undefined;
    if (wants('revokeSessions')) {
      let issued: () => void = () => undefined;
      const firstCallIssued = new Promise<void>((resolve) => {
        issued = resolve;
      });
      const startedAt = this.#clock.now().toISOString();
      revoke = session
        .call<{ value?: boolean } | undefined>({
          operation: 'revokeSignInSessions',
          method: 'POST',
          path: `/users/${enc(subject.id)}/revokeSignInSessions`,
          onIssued: issued,
        })
        .then((result) => {
          const ackAt = performance.now();
          if (result.ok) timeToContainMs = round(ackAt - enteredAt);
          return result.ok
            ? this.#succeeded('revokeSessions', subject.id, startedAt, enteredAt, {
                detail: `refresh tokens and sign-in sessions revoked (${result.value?.value === undefined ? 'no content' : `value: ${String(result.value.value)}`}); CAE-capable services react within minutes, other access tokens stay valid until they expire`,
              })
            : this.#failed('revokeSessions', subject.id, startedAt, enteredAt, result.failure);
        });
      // Nothing else leaves before the revoke request has.
      await firstCallIssued;
    }
    const isolate = wants('isolatePrivilege')
      ? this.#isolatePrivilege(session, subject, request.incidentId)
      : undefined;
    const mark = wants('markCompromised')
      ? this.#markCompromised(session, 'user', subject.id)
      : undefined;
    const disable = wants('disableAccount')
      ? (isolate ?? Promise.resolve([])).then(() => this.#disableUser(session, subject.id))
      : undefined;
    const notApplicable = requested
      .filter((a) => !USER_ACTIONS.has(a))
      .map((a) =>
        this.#skipped(
          a,
          subject.id,
          'notApplicable',
          NOT_APPLICABLE[a] ?? `${a} does not apply to an Entra user`,
        ),
      );
    const outcomes = [
      ...(revoke ? [await revoke] : []),
      ...((await isolate) ?? []),
      ...(mark ? [await mark] : []),
      ...(disable ? [await disable] : []),
      ...notApplicable,
    ];
    return timeToContainMs === undefined ? { outcomes } : { outcomes, timeToContainMs };
  }

  async #isolatePrivilege(
    session: GraphTenantSession,
    subject: Subject,
    incidentId: string,
  ): Promise<ActionOutcome[]> {
    const startedAt = this.#clock.now().toISOString();
    const t0 = performance.now();
    const query = { $filter: `principalId eq '${odata(subject.id)}'` };
    const [instances, assignments] = await Promise.all([
      session.call<{ value: RoleAssignmentInstance[] }>({
        operation: 'listRoleAssignmentScheduleInstances',
        method: 'GET',
        path: '/roleManagement/directory/roleAssignmentScheduleInstances',
        query,
      }),
      session.call<{ value: RoleAssignment[] }>({
        operation: 'listRoleAssignments',
        method: 'GET',
        path: '/roleManagement/directory/roleAssignments',
        query,
      }),
    ]);
    if (!assignments.ok) {
      return [this.#failed('isolatePrivilege', subject.id, startedAt, t0, assignments.failure)];
    }
    const notes: string[] = [];
    const removals: RoleChange[] = [];
    const outcomes: ActionOutcome[] = [];
    const covered = new Set<string>();
    if (instances.ok) {
      for (const instance of instances.value.value ?? []) {
        const assignmentId = instance.roleAssignmentOriginId ?? instance.id;
        covered.add(assignmentId);
        if (instance.memberType && instance.memberType !== 'Direct') {
          outcomes.push(
            this.#skipped(
              'isolatePrivilege',
              assignmentId,
              'notApplicable',
              `role ${instance.roleDefinitionId} is held through ${instance.memberType.toLowerCase()} membership; remove the membership to revoke it`,
            ),
          );
          continue;
        }
        const pim = instance.assignmentType === 'Activated' || Boolean(instance.endDateTime);
        const change: RoleChange = {
          kind: 'roleAssignment',
          assignmentType: pim ? 'pimActive' : 'permanent',
          assignmentId,
          roleDefinitionId: instance.roleDefinitionId,
          directoryScopeId: instance.directoryScopeId ?? '/',
          principalId: subject.id,
        };
        if (pim && instance.endDateTime) change.endDateTime = instance.endDateTime;
        removals.push(change);
      }
    } else {
      notes.push(
        `PIM schedule instances could not be read (${describe(instances.failure)}); every assignment is treated as permanent`,
      );
    }
    for (const assignment of assignments.value.value ?? []) {
      if (covered.has(assignment.id)) continue;
      removals.push({
        kind: 'roleAssignment',
        assignmentType: 'permanent',
        assignmentId: assignment.id,
        roleDefinitionId: assignment.roleDefinitionId,
        directoryScopeId: assignment.directoryScopeId ?? '/',
        principalId: subject.id,
      });
    }
    if (removals.length === 0 && outcomes.length === 0) {
      return [
        this.#succeeded('isolatePrivilege', subject.id, startedAt, t0, {
          detail: ['no active directory role assignments to remove', ...notes].join('; '),
        }),
      ];
    }
    const justification = `Containment of incident ${incidentId} by revocation-responder`;
    const removed = await Promise.all(
      removals.map((change) => this.#removeRole(session, change, justification, notes)),
    );
    return [...removed, ...outcomes];
  }

  async #removeRole(
    session: GraphTenantSession,
    change: RoleChange,
    justification: string,
    notes: readonly string[],
  ): Promise<ActionOutcome> {
    const startedAt = this.#clock.now().toISOString();
    const t0 = performance.now();
    const result =
      change.assignmentType === 'pimActive'
        ? await session.call({
            operation: 'removePimAssignment',
            method: 'POST',
            path: '/roleManagement/directory/roleAssignmentScheduleRequests',
            body: {
              action: 'adminRemove',
              principalId: change.principalId,
              roleDefinitionId: change.roleDefinitionId,
              directoryScopeId: change.directoryScopeId,
              justification,
            },
          })
        : await session.call({
            operation: 'removePermanentAssignment',
            method: 'DELETE',
            path: `/roleManagement/directory/roleAssignments/${enc(change.assignmentId)}`,
          });
    const what = `${change.assignmentType === 'pimActive' ? 'active PIM' : 'permanent'} assignment of role ${change.roleDefinitionId} at scope ${change.directoryScopeId}`;
    // A retried removal that finds nothing: our earlier, unanswered attempt did it.
    const goneAfterRetry =
      !result.ok && result.failure.class === 'notFound' && result.afterAmbiguous;
    if (result.ok || goneAfterRetry) {
      return this.#succeeded('isolatePrivilege', change.assignmentId, startedAt, t0, {
        detail: [`removed ${what}; recorded for restore`, ...notes].join('; '),
        restore: [change],
      });
    }
    return this.#failed('isolatePrivilege', change.assignmentId, startedAt, t0, result.failure);
  }

  async #markCompromised(
    session: GraphTenantSession,
    kind: 'user' | 'servicePrincipal',
    id: string,
  ): Promise<ActionOutcome> {
    const startedAt = this.#clock.now().toISOString();
    const t0 = performance.now();
    const result = await this.#reporter.report(session, kind, id);
    return result.ok
      ? this.#succeeded('markCompromised', id, startedAt, t0, {
          detail:
            kind === 'user'
              ? 'confirmed compromised in Identity Protection: user risk set to high (a CAE critical event)'
              : 'service principal confirmed compromised in Identity Protection',
        })
      : this.#failed('markCompromised', id, startedAt, t0, result.failure);
  }

  async #disableUser(session: GraphTenantSession, id: string): Promise<ActionOutcome> {
    const startedAt = this.#clock.now().toISOString();
    const t0 = performance.now();
    const read = await session.call<{ accountEnabled?: boolean }>({
      operation: 'readUser',
      method: 'GET',
      path: `/users/${enc(id)}`,
      query: { $select: 'id,accountEnabled' },
    });
    if (!read.ok) return this.#failed('disableAccount', id, startedAt, t0, read.failure);
    if (read.value.accountEnabled === false) {
      return this.#succeeded('disableAccount', id, startedAt, t0, {
        detail:
          'the account was already disabled; nothing changed and nothing is recorded for restore',
      });
    }
    const patch = await session.call({
      operation: 'disableUser',
      method: 'PATCH',
      path: `/users/${enc(id)}`,
      body: { accountEnabled: false },
    });
    return patch.ok
      ? this.#succeeded('disableAccount', id, startedAt, t0, {
          detail: 'account disabled (accountEnabled: false); recorded for restore',
          restore: [{ kind: 'accountDisabled', subjectId: id }],
        })
      : this.#failed('disableAccount', id, startedAt, t0, patch.failure);
  }

  // --- containment of a service principal --------------------------------------------------

  async #containServicePrincipal(
    session: GraphTenantSession,
    request: ContainmentRequest,
    requested: ContainmentAction[],
  ): Promise<ActionOutcome[]> {
    const id = request.subject.id;
    const wants = (action: ContainmentAction) => requested.includes(action);
    const mark = wants('markCompromised')
      ? this.#markCompromised(session, 'servicePrincipal', id)
      : undefined;
    const work: Promise<ActionOutcome[]>[] = [];
    if (wants('disableAccount') || wants('removeCredentials')) {
      const startedAt = this.#clock.now().toISOString();
      const t0 = performance.now();
      const read = session.call<{
        accountEnabled?: boolean;
        passwordCredentials?: {
          keyId: string;
          hint?: string | null;
          displayName?: string | null;
        }[];
      }>({
        operation: 'readServicePrincipal',
        method: 'GET',
        path: `/servicePrincipals/${enc(id)}`,
        query: { $select: 'id,accountEnabled,passwordCredentials' },
      });
      if (wants('disableAccount')) {
        work.push(
          read.then(async (sp) => {
            if (!sp.ok) return [this.#failed('disableAccount', id, startedAt, t0, sp.failure)];
            if (sp.value.accountEnabled === false) {
              return [
                this.#succeeded('disableAccount', id, startedAt, t0, {
                  detail:
                    'the service principal was already disabled; nothing changed and nothing is recorded for restore',
                }),
              ];
            }
            const patch = await session.call({
              operation: 'disableServicePrincipal',
              method: 'PATCH',
              path: `/servicePrincipals/${enc(id)}`,
              body: { accountEnabled: false },
            });
            return [
              patch.ok
                ? this.#succeeded('disableAccount', id, startedAt, t0, {
                    detail:
                      'service principal disabled: it can no longer obtain tokens; recorded for restore',
                    restore: [{ kind: 'servicePrincipalDisabled', subjectId: id }],
                  })
                : this.#failed('disableAccount', id, startedAt, t0, patch.failure),
            ];
          }),
        );
      }
      if (wants('removeCredentials')) {
        work.push(
          read.then(async (sp) => {
            if (!sp.ok) return [this.#failed('removeCredentials', id, startedAt, t0, sp.failure)];
            const credentials = sp.value.passwordCredentials ?? [];
            if (credentials.length === 0) {
              return [
                this.#succeeded('removeCredentials', id, startedAt, t0, {
                  detail: 'the service principal has no password credentials',
                }),
              ];
            }
            return Promise.all(
              credentials.map(async (credential) => {
                const target = `${id}/passwordCredentials/${credential.keyId}`;
                const s = this.#clock.now().toISOString();
                const c0 = performance.now();
                const removed = await session.call({
                  operation: 'removeServicePrincipalPassword',
                  method: 'POST',
                  path: `/servicePrincipals/${enc(id)}/removePassword`,
                  body: { keyId: credential.keyId },
                });
                const label = credential.displayName ? ` "${credential.displayName}"` : '';
                return removed.ok
                  ? this.#succeeded('removeCredentials', target, s, c0, {
                      detail: `password credential${label} removed; a secret cannot be put back: issue a new one after the investigation`,
                    })
                  : this.#failed('removeCredentials', target, s, c0, removed.failure);
              }),
            );
          }),
        );
      }
    }
    const notApplicable = requested
      .filter((a) => !SERVICE_PRINCIPAL_ACTIONS.has(a))
      .map((a) =>
        this.#skipped(
          a,
          id,
          'notApplicable',
          NOT_APPLICABLE[a] ??
            `${a} does not apply to a service principal; it is contained by disabling it and removing its credentials`,
        ),
      );
    const done = (await Promise.all(work)).flat();
    const outcomes = [...(mark ? [await mark] : []), ...done, ...notApplicable];
    const order = (o: ActionOutcome) => CONTAINMENT_ACTIONS.indexOf(o.action);
    return outcomes.sort((a, b) => order(a) - order(b));
  }

  // --- restore -------------------------------------------------------------------------------

  async #restoreRole(
    session: GraphTenantSession,
    change: RoleChange,
    current: Promise<GraphCallResult<{ value: RoleAssignment[] }>>,
    justification: string,
    startedAt: string,
    t0: number,
  ): Promise<ActionOutcome> {
    const target = change.assignmentId;
    const now = this.#clock.now();
    if (change.endDateTime !== undefined && Date.parse(change.endDateTime) <= now.getTime()) {
      return this.#invalid(
        'isolatePrivilege',
        target,
        startedAt,
        t0,
        `the active PIM assignment would have ended at ${change.endDateTime}; not restored`,
      );
    }
    const existing = await current;
    if (!existing.ok)
      return this.#failed('isolatePrivilege', target, startedAt, t0, existing.failure);
    const present = (existing.value.value ?? []).some(
      (a) =>
        a.roleDefinitionId === change.roleDefinitionId &&
        (a.directoryScopeId ?? '/') === change.directoryScopeId,
    );
    if (present) {
      return this.#succeeded('isolatePrivilege', target, startedAt, t0, {
        detail: `role ${change.roleDefinitionId} at ${change.directoryScopeId} is already assigned; nothing changed`,
      });
    }
    const result =
      change.assignmentType === 'pimActive'
        ? await session.call<{ id?: string }>({
            operation: 'restorePimAssignment',
            method: 'POST',
            path: '/roleManagement/directory/roleAssignmentScheduleRequests',
            body: {
              action: 'adminAssign',
              principalId: change.principalId,
              roleDefinitionId: change.roleDefinitionId,
              directoryScopeId: change.directoryScopeId,
              justification,
              scheduleInfo: {
                startDateTime: now.toISOString(),
                expiration:
                  change.endDateTime === undefined
                    ? { type: 'noExpiration' }
                    : { type: 'afterDateTime', endDateTime: change.endDateTime },
              },
            },
          })
        : await session.call<{ id?: string }>({
            operation: 'restorePermanentAssignment',
            method: 'POST',
            path: '/roleManagement/directory/roleAssignments',
            body: {
              principalId: change.principalId,
              roleDefinitionId: change.roleDefinitionId,
              directoryScopeId: change.directoryScopeId,
            },
          });
    if (!result.ok) return this.#failed('isolatePrivilege', target, startedAt, t0, result.failure);
    const until = change.endDateTime ? ` until ${change.endDateTime}` : '';
    return this.#succeeded('isolatePrivilege', target, startedAt, t0, {
      detail:
        change.assignmentType === 'pimActive'
          ? `active PIM assignment of role ${change.roleDefinitionId} re-created${until} (schedule request ${result.value?.id ?? 'accepted'})`
          : `permanent assignment of role ${change.roleDefinitionId} re-created as ${result.value?.id ?? 'a new assignment'}`,
    });
  }

  async #reenable(
    session: GraphTenantSession,
    subject: Subject,
    startedAt: string,
    t0: number,
  ): Promise<ActionOutcome> {
    const user = subject.type === 'user';
    const result = await session.call({
      operation: user ? 'disableUser' : 'disableServicePrincipal',
      method: 'PATCH',
      path: `/${user ? 'users' : 'servicePrincipals'}/${enc(subject.id)}`,
      body: { accountEnabled: true },
    });
    return result.ok
      ? this.#succeeded('disableAccount', subject.id, startedAt, t0, {
          detail: `${user ? 'account' : 'service principal'} re-enabled (it was disabled by containment)`,
        })
      : this.#failed('disableAccount', subject.id, startedAt, t0, result.failure);
  }

  // --- outcomes ------------------------------------------------------------------------------

  #succeeded(
    action: ContainmentAction,
    target: string,
    startedAt: string,
    t0: number,
    extra: { detail: string; restore?: RestorableChange[] },
  ): ActionOutcome {
    return {
      action,
      target,
      status: 'succeeded',
      startedAt,
      durationMs: round(performance.now() - t0),
      detail: extra.detail,
      ...(extra.restore ? { restore: extra.restore } : {}),
    };
  }

  #failed(
    action: ContainmentAction,
    target: string,
    startedAt: string,
    t0: number,
    failure: GraphFailure,
  ): ActionOutcome {
    return {
      action,
      target,
      status: 'failed',
      startedAt,
      durationMs: round(performance.now() - t0),
      error: {
        class: failure.class,
        message: failure.message,
        retryable: failure.retryable,
        ...(failure.missingPermission === undefined
          ? {}
          : { missingPermission: failure.missingPermission }),
        ...(failure.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }),
      },
    };
  }

  #invalid(
    action: ContainmentAction,
    target: string,
    startedAt: string,
    t0: number,
    message: string,
  ): ActionOutcome {
    return this.#failed(action, target, startedAt, t0, {
      class: 'invalid',
      message,
      retryable: false,
      ambiguous: false,
    });
  }

  #skipped(
    action: ContainmentAction,
    target: string,
    reason: SkipReason,
    why: string,
  ): ActionOutcome {
    return {
      action,
      target,
      status: 'skipped',
      reason,
      why,
      startedAt: this.#clock.now().toISOString(),
      durationMs: 0,
    };
  }
}

function describe(failure: GraphFailure): string {
  return `${failure.class}${failure.httpStatus ? ` ${failure.httpStatus}` : ''}: ${failure.message}`;
}

function restoreAction(change: unknown): ContainmentAction {
  const kind = (change as { kind?: unknown } | null)?.kind;
  if (kind === 'roleAssignment') return 'isolatePrivilege';
  if (kind === 'awsDenyPolicy') return 'denyOlderSessions';
  if (kind === 'awsAccessKeyDeactivated') return 'removeCredentials';
  return 'disableAccount';
}

function changeTarget(change: unknown): string {
  const c = (change ?? {}) as Record<string, unknown>;
  const target = c.assignmentId ?? c.subjectId ?? c.roleName ?? c.accessKeyId;
  return typeof target === 'string' ? target : 'unknown';
}
