import { accessSync, constants } from 'node:fs';
import { Agent } from 'node:https';
import { rootCertificates } from 'node:tls';
import { appliesTo } from '../../domain/applicability.ts';
import {
  type ActionOutcome,
  CONTAINMENT_ACTIONS,
  type ContainmentAction,
  type ContainmentRequest,
  type ContainmentResult,
  type RestoreRequest,
  type VerificationResult,
} from '../../domain/containment.ts';
import type { Subject } from '../../domain/detection.ts';
import { ConfigError } from '../../domain/errors.ts';
import type { ProviderMode } from '../../domain/response-mode.ts';
import { restoreActionOf } from '../../domain/restorable-change.ts';
import type { Expectation, RecheckResult } from '../../domain/watch.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { IdentityProvider } from '../../ports/identity-provider.ts';
import { startAction } from '../containment-outcome.ts';
import { CompromiseReporter } from './compromise-reporter.ts';
import type { EntraConfig } from './config.ts';
import { containServicePrincipal, verifyServicePrincipal } from './contain-service-principal.ts';
import { containUser, verifyUserRevocation } from './contain-user.ts';
import { DEFAULT_RETRY_POLICY, GraphTenantSession, type RetryPolicy } from './graph-session.ts';
import { type GraphLimits, GraphRateLimiter } from './rate-limiter.ts';
import { recheckEntra } from './recheck.ts';
import { restoreChanges } from './restore.ts';

/**
 * Containment in Microsoft Entra ID through Microsoft Graph (application permissions): one
 * signed-in session per configured tenant, and the subject's kind picks who acts on it
 * (contain-user.ts, contain-service-principal.ts, restore.ts). Actions that do not apply to the
 * kind are answered `skipped: notApplicable` here, with the reason.
 */

export interface EntraIdentityProviderOptions {
  config: EntraConfig;
  /** `simulated` when pointed at the simulated tenant; every outcome's caller reports it. */
  mode?: ProviderMode;
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
  /** The federated client assertion (AWS STS in AWS) for tenants configured `federated`. */
  federatedAssertion?: () => Promise<string>;
}

/** Why an action does not apply, where the subject kind alone does not say it. */
const NOT_APPLICABLE: Partial<Record<ContainmentAction, string>> = {
  revokeSessions:
    'workload identities have no sign-in sessions or refresh tokens to revoke in Entra; a service principal is contained by disabling it and removing its credentials',
  denyOlderSessions: 'denyOlderSessions is an AWS action; Entra revokes sessions instead',
};

const KIND_FALLBACK: Record<'user' | 'servicePrincipal', (a: ContainmentAction) => string> = {
  user: (a) => `${a} does not apply to an Entra user`,
  servicePrincipal: (a) =>
    `${a} does not apply to a service principal; it is contained by disabling it and removing its credentials`,
};

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class EntraIdentityProvider implements IdentityProvider {
  readonly provider = 'entra' as const;
  readonly mode: ProviderMode;
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
    this.#reporter = new CompromiseReporter(this.#clock);
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
      ...(options.federatedAssertion ? { federatedAssertion: options.federatedAssertion } : {}),
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

  /** Each configured tenant's Graph session (the protected-identity resolver reads through them). */
  tenantSessions(): ReadonlyMap<string, GraphTenantSession> {
    return this.#sessions;
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
    const { subject } = request;
    const skipAll = (reason: 'noCredentials' | 'notApplicable', why: string) => ({
      outcomes: requested.map((a) => startAction(this.#clock, a, subject.id).skipped(reason, why)),
    });
    const session = this.#sessions.get(request.tenantId.toLowerCase());
    if (!session) {
      return skipAll(
        'noCredentials',
        `no Entra credentials are configured for tenant ${request.tenantId}; nothing was done`,
      );
    }
    if (subject.type !== 'user' && subject.type !== 'servicePrincipal') {
      return skipAll('notApplicable', `an ${subject.type} is not an Entra identity`);
    }
    const kind = subject.type;
    const notApplicable = requested
      .filter((a) => !appliesTo(a, kind))
      .map((a) =>
        startAction(this.#clock, a, subject.id).skipped(
          'notApplicable',
          NOT_APPLICABLE[a] ?? KIND_FALLBACK[kind](a),
        ),
      );
    const applicable = requested.filter((a) => appliesTo(a, kind));
    // Every call of this containment, retries and waits included, ends by the request's deadline.
    const bounded = session.withDeadline(request.deadline);
    if (kind === 'user') {
      const result = await containUser(
        bounded,
        request,
        applicable,
        enteredAt,
        this.#clock,
        this.#reporter,
      );
      return { ...result, outcomes: [...result.outcomes, ...notApplicable] };
    }
    const done = await containServicePrincipal(
      bounded,
      request,
      subject.id,
      applicable,
      this.#clock,
      this.#reporter,
    );
    const order = (o: ActionOutcome) => CONTAINMENT_ACTIONS.indexOf(o.action);
    return { outcomes: [...done, ...notApplicable].sort((a, b) => order(a) - order(b)) };
  }

  async verify(request: {
    tenantId: string;
    subject: Subject;
    detectedAt: string;
  }): Promise<VerificationResult> {
    const session = this.#sessions.get(request.tenantId.toLowerCase());
    const { subject } = request;
    const result = !session
      ? {
          verified: false,
          detail: `no Entra credentials are configured for tenant ${request.tenantId}`,
        }
      : subject.type === 'servicePrincipal'
        ? await verifyServicePrincipal(session, subject.id)
        : subject.type === 'user'
          ? await verifyUserRevocation(session, subject.id, request.detectedAt)
          : { verified: false, detail: `an ${subject.type} is not an Entra identity` };
    return { ...result, checkedAt: this.#clock.now().toISOString() };
  }

  /** Watch after containment: what no longer holds of what containment established (reads only). */
  async recheck(request: {
    tenantId: string;
    subject: Subject;
    expectations: readonly Expectation[];
  }): Promise<RecheckResult> {
    const session = this.#sessions.get(request.tenantId.toLowerCase());
    if (session) return recheckEntra(session, request.subject, request.expectations, this.#clock);
    const detail = `no Entra credentials are configured for tenant ${request.tenantId}`;
    return {
      checkedAt: this.#clock.now().toISOString(),
      drift: [],
      unchecked: request.expectations.map((e) => ({ check: e.check, detail })),
    };
  }

  async restore(request: RestoreRequest): Promise<ActionOutcome[]> {
    const session = this.#sessions.get(request.tenantId.toLowerCase());
    if (session) return restoreChanges(session, request, this.#clock);
    return request.changes.map((change) =>
      startAction(this.#clock, restoreActionOf(change), request.subject.id).skipped(
        'noCredentials',
        `no Entra credentials are configured for tenant ${request.tenantId}; nothing was restored`,
      ),
    );
  }
}
