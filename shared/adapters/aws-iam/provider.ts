import {
  DeleteRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  ContainmentResult,
  RestorableChange,
  RestoreRequest,
  VerificationResult,
} from '../../domain/containment.ts';
import type { Subject } from '../../domain/detection.ts';
import { awsProtectedCovers, nameKey } from '../../domain/identity.ts';
import type { ProviderMode } from '../../domain/response-mode.ts';
import { restoreActionOf, targetOf } from '../../domain/restorable-change.ts';
import type { Expectation, RecheckResult } from '../../domain/watch.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { IdentityProvider } from '../../ports/identity-provider.ts';
import { recordIntent, type StartedAction, startAction } from '../containment-outcome.ts';
import { classifyIamError, DeadlineError } from './errors.ts';
import {
  cutoffFor,
  DENY_POLICY_NAME,
  denyOlderSessionsDocument,
  legacyDenyPolicyName,
  readDenyCutoff,
} from './policy.ts';
import { type IamTarget, nameOf, parseAwsPrincipal, unrevocableRoleReason } from './principal.ts';
import { recheckAws } from './recheck.ts';
import { LONG_TERM_KEY, verifyRole, verifyUser } from './verify.ts';

export interface AwsIamProviderOptions {
  /** An IAM client whose credentials act in `accountIds` (the responder's containment role). */
  client: IAMClient;
  /** Accounts the client can act in: detections for other accounts are not acted on. */
  accountIds: readonly string[];
  /** Role / user names or ARNs never touched (break-glass, the responder's own role...). */
  protectedPrincipals?: readonly string[];
  clock?: Clock;
  /** `simulated` when the client talks to the local simulated IAM; every output says so. */
  mode?: ProviderMode;
}

/** What `verify` can use beyond the port's request: the key the detection named. */
export interface AwsVerifyRequest {
  tenantId: string;
  subject: Subject;
  detectedAt: string;
  session?: { sessionId?: string; accessKeyId?: string };
}

const TEMPORARY_KEY = /^ASIA[A-Z0-9]{12,124}$/;
const SESSION_ACTIONS: readonly ContainmentAction[] = ['denyOlderSessions', 'revokeSessions'];
/** Kept back from a deadline: the answer still has to be recorded. */
const DEADLINE_MARGIN_MS = 250;

/**
 * Containment for AWS principals (provider `aws`). A role session: an inline deny-all policy
 * conditioned on `aws:TokenIssueTime` earlier than the containment time (`denyOlderSessions`;
 * `revokeSessions` means the same for a role). An IAM user's access key: deactivated
 * (`removeCredentials`). Every change is returned as a RestorableChange and restore undoes
 * exactly those. Other actions answer `skipped: notApplicable` with the reason.
 */
export class AwsIamIdentityProvider implements IdentityProvider {
  readonly provider = 'aws' as const;
  readonly mode: ProviderMode;
  readonly #client: IAMClient;
  readonly #accounts: ReadonlySet<string>;
  readonly #protected: ReadonlySet<string>;
  readonly #clock: Clock;

  constructor(options: AwsIamProviderOptions) {
    this.#client = options.client;
    this.#accounts = new Set(options.accountIds);
    this.#protected = new Set(options.protectedPrincipals ?? []);
    this.#clock = options.clock ?? systemClock;
    this.mode = options.mode ?? 'live';
  }

  coversTenant(tenantId: string): boolean {
    return this.#accounts.has(tenantId);
  }

  async contain(request: ContainmentRequest): Promise<ContainmentResult> {
    const calledAt = performance.now();
    let acknowledgedAt: number | undefined;
    const target = parseAwsPrincipal(request.subject.id);
    const refusal = this.#refusal(target, request.tenantId, request.subject.id);

    let sessionActionDone: ContainmentAction | undefined;
    const outcomes = await Promise.all(
      request.actions.map(async (action): Promise<ActionOutcome> => {
        const started = startAction(this.#clock, action, request.subject.id);
        if (refusal) return refusal(started);
        const t = target as IamTarget;
        if (this.#isProtected(t, request.subject.id)) {
          return started.skipped('protectedIdentity', `${nameOf(t)} is a protected principal`);
        }
        if (t.kind === 'role' && SESSION_ACTIONS.includes(action)) {
          // One policy serves both actions; the second one in the request says so.
          if (sessionActionDone) {
            return started.skipped(
              'notApplicable',
              `for an AWS role, ${action} is the same deny policy as ${sessionActionDone}`,
            );
          }
          sessionActionDone = action;
          const outcome = await this.#denyOlderSessions(t, request, started);
          if (outcome.status === 'succeeded') acknowledgedAt ??= performance.now();
          return outcome;
        }
        if (t.kind === 'user' && action === 'removeCredentials') {
          const outcome = await this.#deactivateKey(t, request, started);
          if (outcome.status === 'succeeded') acknowledgedAt ??= performance.now();
          return outcome;
        }
        return started.skipped('notApplicable', notApplicableWhy(action, t));
      }),
    );
    return acknowledgedAt === undefined
      ? { outcomes }
      : { outcomes, timeToContainMs: acknowledgedAt - calledAt };
  }

  async verify(request: AwsVerifyRequest): Promise<VerificationResult> {
    const checkedAt = this.#clock.now().toISOString();
    const target = parseAwsPrincipal(request.subject.id);
    const no = (detail: string): VerificationResult => ({ verified: false, detail, checkedAt });
    if (!target || target.accountId !== request.tenantId) {
      return no(`${request.subject.id} is not an IAM principal in account ${request.tenantId}`);
    }
    const unrevocable = target.kind === 'role' ? unrevocableRoleReason(target.roleName) : undefined;
    if (unrevocable) return no(`not contained here: ${unrevocable}`);
    try {
      if (target.kind === 'role')
        return await verifyRole(this.#client, target, request.detectedAt, checkedAt);
      if (target.kind === 'user') return await verifyUser(this.#client, target, request, checkedAt);
      return no(`nothing to verify for a ${target.kind} principal: it was not contained`);
    } catch (error) {
      const failure = classifyIamError(
        error,
        target.kind === 'role' ? 'GetRolePolicy' : 'ListAccessKeys',
      );
      return no(`could not read back: ${failure.message}`);
    }
  }

  /** Watch after containment: deny policies still attached, deactivated keys still inactive. */
  recheck(request: { expectations: readonly Expectation[] }): Promise<RecheckResult> {
    return recheckAws(this.#client, request.expectations, this.#clock);
  }

  async restore(request: RestoreRequest): Promise<ActionOutcome[]> {
    const target = parseAwsPrincipal(request.subject.id);
    return Promise.all(
      request.changes.map(async (change): Promise<ActionOutcome> => {
        const started = startAction(this.#clock, restoreActionOf(change), targetOf(change));
        if (!target || target.accountId !== request.tenantId) {
          return started.refused(
            `refused: ${request.subject.id} is not an IAM principal in account ${request.tenantId}`,
          );
        }
        if (change.kind === 'awsDenyPolicy') {
          if (target.kind !== 'role' || change.roleName !== target.roleName) {
            return started.refused(
              `refused: policy is on role ${change.roleName}, not on the subject ${request.subject.id}`,
            );
          }
          const ours = [DENY_POLICY_NAME, legacyDenyPolicyName(request.incidentId)];
          if (!ours.includes(change.policyName)) {
            return started.refused(
              `refused: ${change.policyName} is not a policy incident ${request.incidentId} added (${ours.join(' or ')})`,
            );
          }
          return this.#liftDeny(
            change.roleName,
            change.policyName,
            request.force === true,
            started,
          );
        }
        if (change.kind === 'awsAccessKeyDeactivated') {
          if (target.kind !== 'user' || change.userName !== target.userName) {
            return started.refused(
              `refused: key belongs to user ${change.userName}, not to the subject ${request.subject.id}`,
            );
          }
          return this.#call(started, 'UpdateAccessKey', async () => {
            await this.#client.send(
              new UpdateAccessKeyCommand({
                UserName: change.userName,
                AccessKeyId: change.accessKeyId,
                Status: 'Active',
              }),
            );
            return `reactivated access key ${change.accessKeyId} of user ${change.userName}`;
          });
        }
        return started.skipped('notApplicable', `${change.kind} is not an AWS IAM change`);
      }),
    );
  }

  async #denyOlderSessions(
    target: Extract<IamTarget, { kind: 'role' }>,
    request: ContainmentRequest,
    started: StartedAction,
  ): Promise<ActionOutcome> {
    const unrevocable = unrevocableRoleReason(target.roleName);
    if (unrevocable) return started.skipped('notApplicable', unrevocable);
    const policyName = DENY_POLICY_NAME;
    const cutoff = cutoffFor(this.#clock.now());
    const change: RestorableChange = {
      kind: 'awsDenyPolicy',
      roleName: target.roleName,
      policyName,
    };
    const unrecorded = await recordIntent(request.recordIntent, [change], started);
    if (unrecorded) return unrecorded;
    return this.#call(
      started,
      'PutRolePolicy',
      async () => {
        // The role's one responder policy: its cut-off moves forward to this containment.
        await this.#bounded(request.deadline, (options) =>
          this.#client.send(
            new PutRolePolicyCommand({
              RoleName: target.roleName,
              PolicyName: policyName,
              PolicyDocument: denyOlderSessionsDocument(cutoff),
            }),
            options,
          ),
        );
        return `role ${target.roleName}: sessions issued before ${cutoff} denied by inline policy ${policyName}`;
      },
      [change],
    );
  }

  /**
   * Restore of the deny: kept unless forced, since removing it revives every stolen session
   * still within the role's maximum session duration; forced, only once that has passed.
   */
  async #liftDeny(
    roleName: string,
    policyName: string,
    force: boolean,
    started: StartedAction,
  ): Promise<ActionOutcome> {
    if (!force) {
      return started.skipped(
        'policy',
        `inline policy ${policyName} kept on role ${roleName}: it denies only sessions issued before containment (new sign-ins work), and removing it would revive a stolen session; release with force after the role's maximum session duration to remove it`,
      );
    }
    try {
      const [role, policy] = await Promise.all([
        this.#client.send(new GetRoleCommand({ RoleName: roleName })),
        this.#client.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })),
      ]);
      const maxSeconds = role.Role?.MaxSessionDuration ?? 43_200;
      const cutoff = policy.PolicyDocument ? readDenyCutoff(policy.PolicyDocument) : undefined;
      const safeAfter = cutoff ? Date.parse(cutoff) + maxSeconds * 1000 : Number.POSITIVE_INFINITY;
      if (this.#clock.now().getTime() < safeAfter) {
        return started.refused(
          `refused: sessions issued before ${cutoff ?? 'an unreadable cut-off'} may stay valid for the role's maximum session duration (${maxSeconds} s)${Number.isFinite(safeAfter) ? `, until ${new Date(safeAfter).toISOString()}` : ''}; the deny stays`,
        );
      }
      await this.#client.send(
        new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
      );
      return started.succeeded(
        `deleted inline policy ${policyName} from role ${roleName} (forced; every session it denied has expired)`,
      );
    } catch (error) {
      if ((error as { name?: string }).name?.startsWith('NoSuchEntity')) {
        return started.succeeded(
          `inline policy ${policyName} was already absent from role ${roleName}`,
        );
      }
      return started.failed(classifyIamError(error, 'DeleteRolePolicy'));
    }
  }

  /** One IAM call, SDK retries included, ended by the deadline (less a margin). */
  async #bounded<T>(
    deadline: number | undefined,
    send: (options: { abortSignal?: AbortSignal }) => Promise<T>,
  ): Promise<T> {
    if (deadline === undefined) return send({});
    const remaining = deadline - DEADLINE_MARGIN_MS - this.#clock.now().getTime();
    if (remaining <= 0) throw new DeadlineError('no time left before the deadline');
    return send({ abortSignal: AbortSignal.timeout(remaining) });
  }

  async #deactivateKey(
    target: Extract<IamTarget, { kind: 'user' }>,
    request: ContainmentRequest,
    started: StartedAction,
  ): Promise<ActionOutcome> {
    const session = request.session;
    const keyId = session?.accessKeyId ?? session?.sessionId;
    if (!keyId || !(LONG_TERM_KEY.test(keyId) || TEMPORARY_KEY.test(keyId))) {
      return started.skipped('notApplicable', 'the detection names no access key id of this user');
    }
    if (TEMPORARY_KEY.test(keyId)) {
      return started.skipped(
        'notApplicable',
        `${keyId} is a temporary (ASIA) credential: it cannot be deactivated, only left to expire`,
      );
    }
    const change: RestorableChange = {
      kind: 'awsAccessKeyDeactivated',
      userName: target.userName,
      accessKeyId: keyId,
    };
    const unrecorded = await recordIntent(request.recordIntent, [change], started);
    if (unrecorded) return unrecorded;
    return this.#call(
      started,
      'UpdateAccessKey',
      async () => {
        await this.#bounded(request.deadline, (options) =>
          this.#client.send(
            new UpdateAccessKeyCommand({
              UserName: target.userName,
              AccessKeyId: keyId,
              Status: 'Inactive',
            }),
            options,
          ),
        );
        return `access key ${keyId} of user ${target.userName} deactivated`;
      },
      [change],
    );
  }

  /** Runs one IAM call, turning its failure into a classified outcome; never throws. */
  async #call(
    started: StartedAction,
    iamAction: string,
    run: () => Promise<string>,
    restore?: RestorableChange[],
  ): Promise<ActionOutcome> {
    try {
      const detail = await run();
      return started.succeeded(detail, restore);
    } catch (error) {
      return started.failed(classifyIamError(error, iamAction));
    }
  }

  #refusal(
    target: IamTarget | undefined,
    tenantId: string,
    subjectId: string,
  ): ((started: StartedAction) => ActionOutcome) | undefined {
    if (!target) {
      return (s) => s.refused(`refused: ${subjectId} is not an AWS IAM principal ARN`);
    }
    if (target.accountId !== tenantId) {
      return (s) =>
        s.refused(`refused: ${subjectId} is in account ${target.accountId}, not ${tenantId}`);
    }
    if (!this.coversTenant(tenantId)) {
      return (s) =>
        s.skipped('noCredentials', `no IAM credentials configured for account ${tenantId}`);
    }
    return undefined;
  }

  /** A role protects every session of it, a user every key of it; names match case-insensitively. */
  #isProtected(target: IamTarget, arn: string): boolean {
    for (const entry of this.#protected) {
      if (awsProtectedCovers(entry, arn) || nameKey(entry) === nameKey(nameOf(target))) return true;
    }
    return false;
  }
}

function notApplicableWhy(action: ContainmentAction, target: IamTarget): string {
  if (target.kind === 'root') {
    return 'the account root user cannot be contained through IAM: rotate its credentials and review MFA';
  }
  if (target.kind === 'federatedUser') {
    return 'federated-user sessions are contained through the IAM user that called GetFederationToken';
  }
  if (target.kind === 'role') {
    return action === 'removeCredentials'
      ? 'role sessions hold temporary credentials, which cannot be deactivated: denyOlderSessions ends them'
      : `${action} has no IAM equivalent for a role`;
  }
  return SESSION_ACTIONS.includes(action)
    ? "an IAM user's long-term keys carry no token issue time: removeCredentials deactivates the key"
    : `${action} has no IAM equivalent for an IAM user`;
}
