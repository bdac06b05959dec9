import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
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
import { type StartedAction, startAction } from '../containment-outcome.ts';
import { classifyIamError } from './errors.ts';
import {
  cutoffFor,
  DENY_POLICY_PREFIX,
  denyOlderSessionsDocument,
  denyPolicyName,
  readDenyCutoff,
} from './policy.ts';
import { type IamTarget, nameOf, parseAwsPrincipal, unrevocableRoleReason } from './principal.ts';
import { recheckAws } from './recheck.ts';

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

const LONG_TERM_KEY = /^AKIA[A-Z0-9]{12,124}$/;
const TEMPORARY_KEY = /^ASIA[A-Z0-9]{12,124}$/;
const SESSION_ACTIONS: readonly ContainmentAction[] = ['denyOlderSessions', 'revokeSessions'];

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
          const outcome = await this.#denyOlderSessions(t, request.incidentId, started);
          if (outcome.status === 'succeeded') acknowledgedAt ??= performance.now();
          return outcome;
        }
        if (t.kind === 'user' && action === 'removeCredentials') {
          const outcome = await this.#deactivateKey(t, request.session, started);
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
        return await this.#verifyRole(target, request.detectedAt, checkedAt);
      if (target.kind === 'user') return await this.#verifyUser(target, request, checkedAt);
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
          const expected = denyPolicyName(request.incidentId);
          if (target.kind !== 'role' || change.roleName !== target.roleName) {
            return started.refused(
              `refused: policy is on role ${change.roleName}, not on the subject ${request.subject.id}`,
            );
          }
          if (change.policyName !== expected) {
            return started.refused(
              `refused: ${change.policyName} is not the policy incident ${request.incidentId} added (${expected})`,
            );
          }
          return this.#call(started, 'DeleteRolePolicy', async () => {
            try {
              await this.#client.send(
                new DeleteRolePolicyCommand({
                  RoleName: change.roleName,
                  PolicyName: change.policyName,
                }),
              );
              return `deleted inline policy ${change.policyName} from role ${change.roleName}`;
            } catch (error) {
              if ((error as { name?: string }).name?.startsWith('NoSuchEntity')) {
                return `inline policy ${change.policyName} was already absent from role ${change.roleName}`;
              }
              throw error;
            }
          });
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
    incidentId: string,
    started: StartedAction,
  ): Promise<ActionOutcome> {
    const unrevocable = unrevocableRoleReason(target.roleName);
    if (unrevocable) return started.skipped('notApplicable', unrevocable);
    const policyName = denyPolicyName(incidentId);
    const cutoff = cutoffFor(this.#clock.now());
    return this.#call(
      started,
      'PutRolePolicy',
      async () => {
        await this.#client.send(
          new PutRolePolicyCommand({
            RoleName: target.roleName,
            PolicyName: policyName,
            PolicyDocument: denyOlderSessionsDocument(cutoff),
          }),
        );
        return `role ${target.roleName}: sessions issued before ${cutoff} denied by inline policy ${policyName}`;
      },
      [{ kind: 'awsDenyPolicy', roleName: target.roleName, policyName }],
    );
  }

  async #deactivateKey(
    target: Extract<IamTarget, { kind: 'user' }>,
    session: ContainmentRequest['session'],
    started: StartedAction,
  ): Promise<ActionOutcome> {
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
    return this.#call(
      started,
      'UpdateAccessKey',
      async () => {
        await this.#client.send(
          new UpdateAccessKeyCommand({
            UserName: target.userName,
            AccessKeyId: keyId,
            Status: 'Inactive',
          }),
        );
        return `access key ${keyId} of user ${target.userName} deactivated`;
      },
      [{ kind: 'awsAccessKeyDeactivated', userName: target.userName, accessKeyId: keyId }],
    );
  }

  async #verifyRole(
    target: Extract<IamTarget, { kind: 'role' }>,
    detectedAt: string,
    checkedAt: string,
  ): Promise<VerificationResult> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.#client.send(
        new ListRolePoliciesCommand({ RoleName: target.roleName, Marker: marker }),
      );
      names.push(...(page.PolicyNames ?? []).filter((n) => n.startsWith(DENY_POLICY_PREFIX)));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);

    let latest: { cutoff: string; policyName: string } | undefined;
    for (const policyName of names) {
      const policy = await this.#client.send(
        new GetRolePolicyCommand({ RoleName: target.roleName, PolicyName: policyName }),
      );
      const cutoff = policy.PolicyDocument ? readDenyCutoff(policy.PolicyDocument) : undefined;
      if (cutoff && (!latest || Date.parse(cutoff) > Date.parse(latest.cutoff))) {
        latest = { cutoff, policyName };
      }
    }
    if (latest && Date.parse(latest.cutoff) >= Date.parse(detectedAt)) {
      return {
        verified: true,
        sessionsValidFrom: latest.cutoff,
        detail: `role ${target.roleName}: inline policy ${latest.policyName} denies sessions issued before ${latest.cutoff}`,
        checkedAt,
      };
    }
    return {
      verified: false,
      detail: latest
        ? `role ${target.roleName}: the latest deny cut-off ${latest.cutoff} is before the detection (${detectedAt})`
        : `role ${target.roleName}: no ${DENY_POLICY_PREFIX}* inline policy found`,
      checkedAt,
    };
  }

  async #verifyUser(
    target: Extract<IamTarget, { kind: 'user' }>,
    request: AwsVerifyRequest,
    checkedAt: string,
  ): Promise<VerificationResult> {
    const keys: { id: string; status: string; created?: Date }[] = [];
    let marker: string | undefined;
    do {
      const page = await this.#client.send(
        new ListAccessKeysCommand({ UserName: target.userName, Marker: marker }),
      );
      for (const key of page.AccessKeyMetadata ?? []) {
        if (key.AccessKeyId) {
          keys.push({
            id: key.AccessKeyId,
            status: key.Status ?? 'unknown',
            created: key.CreateDate,
          });
        }
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);

    const named = request.session?.accessKeyId ?? request.session?.sessionId;
    if (named && LONG_TERM_KEY.test(named)) {
      const key = keys.find((k) => k.id === named);
      return {
        verified: key?.status === 'Inactive',
        detail: key
          ? `access key ${named} of user ${target.userName} is ${key.status}`
          : `access key ${named} is not a key of user ${target.userName}`,
        checkedAt,
      };
    }
    // Without the key id: every key that existed at detection time must be inactive.
    const detected = Date.parse(request.detectedAt);
    const stillActive = keys.filter(
      (k) => k.status === 'Active' && (!k.created || k.created.getTime() <= detected),
    );
    return {
      verified: stillActive.length === 0,
      detail:
        stillActive.length === 0
          ? `user ${target.userName}: no access key older than the detection is active`
          : `user ${target.userName}: still active: ${stillActive.map((k) => k.id).join(', ')}`,
      checkedAt,
    };
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
