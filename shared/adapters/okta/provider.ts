import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  ContainmentResult,
  RestoreRequest,
  VerificationResult,
} from '../../domain/containment.ts';
import type { Subject } from '../../domain/detection.ts';
import type { ProviderMode } from '../../domain/response-mode.ts';
import { restoreActionOf, targetOf } from '../../domain/restorable-change.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { IdentityProvider } from '../../ports/identity-provider.ts';
import { type OutcomeError, startAction } from '../containment-outcome.ts';
import type { OktaConfig } from './config.ts';
import { checkRoles, isolateRoles, reassignRole } from './roles.ts';
import { type OktaCall, OktaOrgSession } from './session.ts';

/**
 * Containment of Okta users (provider `okta`) through the Management API: end their sessions
 * and the OAuth tokens Okta issued, remove their directly assigned admin roles (recorded),
 * suspend them by policy (recorded, only when ACTIVE). Subjects by user id or login. Mark
 * compromised and credential removal have no Okta equivalent and answer `notApplicable`.
 */

export interface OktaIdentityProviderOptions {
  config: OktaConfig;
  mode?: ProviderMode;
  /** PEM of a private CA to trust besides Node's roots (the simulated org's certificate). */
  trustedCa?: string;
  clock?: Clock;
  requestTimeoutMs?: number;
}

interface OktaUser {
  id: string;
  status: string;
  profile?: { login?: string };
}

const OKTA_USER_ID = /^00u[A-Za-z0-9]{17}$/;
const enc = encodeURIComponent;

const NOT_APPLICABLE: Partial<Record<ContainmentAction, string>> = {
  markCompromised:
    'Okta has no API to mark a user compromised (Identity Threat Protection raises risk itself); sessions are revoked instead',
  removeCredentials:
    'an Okta user has no workload credential to remove; its factors and password stay with the user',
  denyOlderSessions: 'denyOlderSessions is an AWS role action; revokeSessions ends Okta sessions',
};

export class OktaIdentityProvider implements IdentityProvider {
  readonly provider = 'okta' as const;
  readonly mode: ProviderMode;
  readonly #sessions = new Map<string, OktaOrgSession>();
  readonly #agent: Agent;
  readonly #clock: Clock;

  constructor(options: OktaIdentityProviderOptions) {
    this.mode = options.mode ?? 'live';
    this.#clock = options.clock ?? systemClock;
    this.#agent = new Agent({
      keepAlive: true,
      ...(options.trustedCa ? { ca: [...rootCertificates, options.trustedCa] } : {}),
    });
    for (const org of options.config.orgs) {
      this.#sessions.set(
        org.tenantId,
        new OktaOrgSession(org, this.#agent, options.requestTimeoutMs ?? 10_000),
      );
    }
  }

  coversTenant(tenantId: string): boolean {
    return this.#sessions.has(tenantId);
  }

  close(): void {
    this.#agent.destroy();
  }

  async contain(request: ContainmentRequest): Promise<ContainmentResult> {
    const calledAt = performance.now();
    const session = this.#sessions.get(request.tenantId);
    const subjectId = request.subject.id;
    const each = (make: (action: ContainmentAction) => ActionOutcome) => ({
      outcomes: request.actions.map(make),
    });
    if (!session) {
      return each((a) =>
        startAction(this.#clock, a, subjectId).skipped(
          'noCredentials',
          `no Okta credentials configured for org ${request.tenantId}`,
        ),
      );
    }
    if (request.subject.type !== 'user') {
      return each((a) =>
        startAction(this.#clock, a, subjectId).refused(
          `refused: ${subjectId} is a ${request.subject.type}; the Okta adapter contains users`,
        ),
      );
    }
    // A user id is used as is (the revoke needs no read first); a login is resolved.
    const needsRead = !OKTA_USER_ID.test(subjectId) || request.actions.includes('disableAccount');
    let user: OktaUser | undefined;
    if (needsRead) {
      const read = await readUser(session, subjectId, request.deadline);
      if (!read.ok) {
        const error = notFoundMeansGone(read, subjectId);
        return each((a) => startAction(this.#clock, a, subjectId).failed(error));
      }
      user = read.value;
    }
    const userId = user?.id ?? subjectId;
    let acknowledgedAt: number | undefined;
    const outcomes = await Promise.all(
      request.actions.map(async (action): Promise<ActionOutcome[]> => {
        const started = startAction(this.#clock, action, userId, calledAt);
        switch (action) {
          case 'revokeSessions': {
            const result = await session.call({
              operation: 'revokeSessions',
              method: 'DELETE',
              path: `/api/v1/users/${enc(userId)}/sessions?oauthTokens=true`,
              scope: 'okta.users.manage',
              ...deadlineOf(request),
            });
            if (!result.ok) {
              return [started.failed(notFoundMeansGone(result, subjectId), ['Okta sessions'])];
            }
            acknowledgedAt ??= performance.now();
            return [
              started.succeeded(
                'every Okta session of the user ended and the OAuth access and refresh tokens Okta issued revoked; not reached: sessions applications keep themselves (their own cookies and tokens) until they next check with Okta',
              ),
            ];
          }
          case 'isolatePrivilege':
            return isolateRoles(session, userId, request, this.#clock);
          case 'disableAccount':
            return [await this.#suspend(session, user as OktaUser, request, started)];
          default:
            return [started.skipped('notApplicable', NOT_APPLICABLE[action] ?? action)];
        }
      }),
    );
    const flat = outcomes.flat();
    return acknowledgedAt === undefined
      ? { outcomes: flat }
      : { outcomes: flat, timeToContainMs: acknowledgedAt - calledAt };
  }

  async #suspend(
    session: OktaOrgSession,
    user: OktaUser,
    request: ContainmentRequest,
    started: ReturnType<typeof startAction>,
  ): Promise<ActionOutcome> {
    if (user.status === 'SUSPENDED') {
      return started.succeeded('the user was already SUSPENDED (not by the responder)');
    }
    if (user.status !== 'ACTIVE') {
      return started.skipped(
        'notApplicable',
        `Okta suspends only active users; this user is ${user.status}`,
      );
    }
    const change = { kind: 'oktaUserSuspended' as const, userId: user.id };
    try {
      await request.recordIntent?.([change]);
    } catch (error) {
      return started.failed(
        {
          class: 'transient',
          message: `the intent to suspend could not be recorded (${error instanceof Error ? error.message : String(error)}); the user was not suspended`,
          retryable: true,
        },
        [`user ${user.id} ${user.status}`],
      );
    }
    const result = await session.call({
      operation: 'suspendUser',
      method: 'POST',
      path: `/api/v1/users/${enc(user.id)}/lifecycle/suspend`,
      scope: 'okta.users.manage',
      ...deadlineOf(request),
    });
    if (!result.ok) return started.failed(result.error, [`user ${user.id} ${user.status}`]);
    return started.succeeded(`user suspended (was ${user.status}); recorded for restore`, [change]);
  }

  async verify(request: {
    tenantId: string;
    subject: Subject;
    detectedAt: string;
  }): Promise<VerificationResult> {
    const checkedAt = this.#clock.now().toISOString();
    const session = this.#sessions.get(request.tenantId);
    if (!session) {
      return {
        verified: false,
        detail: `no Okta credentials for org ${request.tenantId}`,
        checkedAt,
      };
    }
    const read = await readUser(session, request.subject.id);
    if (!read.ok) {
      return {
        verified: false,
        detail: `could not read the user back: ${notFoundMeansGone(read, request.subject.id).message}`,
        checkedAt,
      };
    }
    const privilege = await checkRoles(session, read.value.id);
    // Confirmed: the user and its admin roles read back. Okta has no session timestamp to read.
    return {
      verified: privilege.unknown.length === 0,
      detail: `user ${read.value.id} read back: status ${read.value.status}; ${privilege.detail}. Okta exposes no per-user session timestamp: the revoke's 204 is its confirmation`,
      checkedAt,
      privilege,
    };
  }

  async restore(request: RestoreRequest): Promise<ActionOutcome[]> {
    const session = this.#sessions.get(request.tenantId);
    const resolved = session ? await readUser(session, request.subject.id) : undefined;
    return Promise.all(
      request.changes.map(async (change): Promise<ActionOutcome> => {
        const started = startAction(this.#clock, restoreActionOf(change), targetOf(change));
        if (!session) {
          return started.skipped(
            'noCredentials',
            `no Okta credentials for org ${request.tenantId}`,
          );
        }
        if (change.kind !== 'oktaRoleAssignment' && change.kind !== 'oktaUserSuspended') {
          return started.skipped('notApplicable', `${change.kind} is not an Okta change`);
        }
        if (!resolved?.ok) {
          return started.failed(
            resolved
              ? notFoundMeansGone(resolved, request.subject.id)
              : { class: 'invalid', message: 'no session', retryable: false },
          );
        }
        if (change.userId !== resolved.value.id) {
          return started.refused(
            `refused: the change is on user ${change.userId}, not on the subject ${resolved.value.id}`,
          );
        }
        if (change.kind === 'oktaRoleAssignment') {
          const result = await reassignRole(session, change);
          return result.ok ? started.succeeded(result.detail) : started.failed(result.error);
        }
        if (resolved.value.status !== 'SUSPENDED') {
          return started.succeeded(
            `the user is ${resolved.value.status}, no longer suspended: nothing to unsuspend`,
          );
        }
        const result = await session.call({
          operation: 'unsuspendUser',
          method: 'POST',
          path: `/api/v1/users/${enc(change.userId)}/lifecycle/unsuspend`,
          scope: 'okta.users.manage',
        });
        return result.ok
          ? started.succeeded('user unsuspended (the responder had suspended it)')
          : started.failed(result.error);
      }),
    );
  }
}

function deadlineOf(request: { deadline?: number }) {
  return request.deadline !== undefined ? { deadline: request.deadline } : {};
}

/** By id or by login (Okta matches logins case-insensitively). */
function readUser(
  session: OktaOrgSession,
  idOrLogin: string,
  deadline?: number,
): Promise<OktaCall<OktaUser>> {
  return session.call<OktaUser>({
    operation: 'getUser',
    method: 'GET',
    path: `/api/v1/users/${enc(idOrLogin)}`,
    scope: 'okta.users.read',
    ...(deadline !== undefined ? { deadline } : {}),
  });
}

function notFoundMeansGone(result: { ok: false; error: OutcomeError }, subject: string) {
  return result.error.class === 'notFound'
    ? { ...result.error, message: `user ${subject} does not exist in this org (404): it is gone` }
    : result.error;
}
