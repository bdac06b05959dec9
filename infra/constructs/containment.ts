import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import { acknowledgeNag } from '../nag.ts';
import type { LedgerTable } from './ledger-table.ts';
import { WorkQueue } from './queues.ts';
import { ResponderFunction } from './responder-function.ts';
import { StateTable } from './state-table.ts';

/** Tag an IAM role or user with this (value `true`) and the responder can never contain it. */
export const PROTECTED_PRINCIPAL_TAG = 'revocation-responder:protected';

/** What AWS IAM containment does: deny-older-sessions inline policy, access key deactivation. */
const IAM_ROLE_CONTAINMENT_ACTIONS = [
  'iam:PutRolePolicy',
  'iam:GetRolePolicy',
  'iam:DeleteRolePolicy',
];
const IAM_USER_CONTAINMENT_ACTIONS = ['iam:UpdateAccessKey', 'iam:ListAccessKeys'];

const RESPOND_TIMEOUT = Duration.seconds(30);

/** The audience Entra expects of a federated credential's token; the IAM grant pins it. */
const ENTRA_FEDERATION_AUDIENCE = 'api://AzureADTokenExchange';
/** Web identity tokens live five minutes at most (the assertion is used at once). */
const FEDERATION_TOKEN_MAX_SECONDS = 300;
export const FEDERATED_WILDCARD_REASON =
  'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and sts:GetWebIdentityToken support no resource-level permissions, and the token grant is pinned by condition to the Entra token-exchange audience and a 300-second lifetime.';

/** The respond function's memory and V8 heap flags (bench `memory` runs with these exact values). */
export const RESPOND_MEMORY_MB = 256;
export const RESPOND_HEAP_FLAGS = '--max-old-space-size=128 --max-semi-space-size=16';

export interface ContainmentProps {
  config: ResponderConfig;
  embeddedConfig: string;
  /** Encrypts the working data: queues, state table, Graph secret. */
  dataKey: kms.IKey;
  ledger: LedgerTable;
}

/**
 * The critical path: the respond queue and its dead-letter queue, the `respond` Lambda that
 * contains, and `release`, its inverse after investigation. Both hold the only grants that can
 * act on identities: the Graph credentials secret and AWS IAM containment in this account.
 */
export class Containment extends Construct {
  readonly state: StateTable;
  /** Only with `graphCredential: secret`; the federated credential stores nothing. */
  readonly graphSecret: secretsmanager.Secret | undefined;
  readonly oktaSecret: secretsmanager.Secret;
  readonly respondQueue: WorkQueue;
  readonly respond: ResponderFunction;
  readonly release: ResponderFunction;
  /** Where identities are reached (Graph secret, tenants, this account): for every actor. */
  readonly actorEnvironment: Record<string, string>;

  constructor(scope: Construct, id: string, props: ContainmentProps) {
    super(scope, id);
    const { config, dataKey, ledger } = props;

    this.state = new StateTable(this, 'State', { encryptionKey: dataKey });

    const federated = config.graphCredential === 'federated';
    this.graphSecret = federated
      ? undefined
      : new secretsmanager.Secret(this, 'GraphCredentials', {
          description:
            'Microsoft Graph app credentials per Entra tenant: {"tenants":[{"tenantId","clientId","certificatePem"|"clientSecret"}]}. Put the value after deploy.',
          encryptionKey: dataKey,
        });
    if (this.graphSecret) {
      acknowledgeNag(
        this.graphSecret,
        'AwsSolutions-SMG4',
        'The Graph client secret or certificate is issued and rotated in Entra ID, then put here by the operator; a Secrets Manager rotation Lambda cannot mint Entra credentials.',
      );
    }

    this.oktaSecret = new secretsmanager.Secret(this, 'OktaCredentials', {
      description:
        'Okta service-app credentials per org: {"orgs":[{"tenantId","orgUrl","clientId","privateKey","keyId"}]} (or "apiToken" as the fallback). Put the value after deploy.',
      encryptionKey: dataKey,
    });
    acknowledgeNag(
      this.oktaSecret,
      'AwsSolutions-SMG4',
      "The Okta service app's key pair is registered in Okta, then put here by the operator; a Secrets Manager rotation Lambda cannot register keys in Okta.",
    );
    // Only respond and release act on Okta users: the watch does not get this variable.
    const oktaEnvironment = { OKTA_SECRET_ARN: this.oktaSecret.secretArn };

    this.respondQueue = new WorkQueue(this, 'RespondQueue', {
      encryptionKey: dataKey,
      visibilityTimeout: Duration.seconds(RESPOND_TIMEOUT.toSeconds() * 6),
    });

    // What both actors need to reach identities: Graph (per tenant) and AWS IAM (this account).
    const actorEnvironment: Record<string, string> = {
      GRAPH_CREDENTIAL: config.graphCredential,
      ...(this.graphSecret
        ? { GRAPH_SECRET_ARN: this.graphSecret.secretArn }
        : config.graphClientId
          ? { ENTRA_CLIENT_ID: config.graphClientId }
          : {}),
      GRAPH_BASE_URL: config.graphBaseUrl,
      ENTRA_AUTHORITY_HOST: config.entraAuthorityHost,
      ENTRA_TENANT_IDS: config.tenants.join(','),
      // Each respond instance paces Graph writes to its share of the tenant quota.
      GRAPH_QUOTA_SHARE: String(config.maxConcurrency),
      // The AWS IAM identity provider contains principals of this account only.
      RESPONDER_ACCOUNT_ID: Stack.of(this).account,
      STATE_TABLE_NAME: this.state.table.tableName,
    };
    this.actorEnvironment = actorEnvironment;

    this.respond = new ResponderFunction(this, 'Respond', {
      entry: 'functions/respond/handler.ts',
      description: 'Contains a stolen session: revoke, isolate, attribute, ledger, events',
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: config.logRetentionDays,
      // 256 MB holds the mass incident with V8's heap sized for it (bench `memory` measures
      // these exact flags: peak RSS, nothing lost); the semi-space is kept so scavenges stay cheap.
      memorySize: RESPOND_MEMORY_MB,
      ...(federated ? { wildcardReason: FEDERATED_WILDCARD_REASON } : {}),
      nodeOptions: RESPOND_HEAP_FLAGS,
      timeout: RESPOND_TIMEOUT,
      // The normalizer refuses native detections from other sources (defence in depth).
      environment: {
        ...actorEnvironment,
        ...oktaEnvironment,
        TRUSTED_EVENT_SOURCES: config.trustedSources.join(','),
      },
    });
    // Opt-in provisioned concurrency: the queue then invokes an alias with warm instances.
    const respondTarget =
      config.respondProvisionedConcurrency > 0
        ? this.respond.addAlias('live', {
            provisionedConcurrentExecutions: config.respondProvisionedConcurrency,
          })
        : this.respond;
    respondTarget.addEventSource(
      new SqsEventSource(this.respondQueue.queue, {
        batchSize: 10,
        reportBatchItemFailures: true,
        // Bounds concurrent Graph writers so a mass incident stays inside the tenant's quota.
        maxConcurrency: config.maxConcurrency,
      }),
    );

    this.release = new ResponderFunction(this, 'Release', {
      entry: 'functions/release/handler.ts',
      description: "Restores a contained identity's recorded changes after investigation",
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: config.logRetentionDays,
      // Called through API Gateway, which stops waiting at 29 seconds.
      timeout: Duration.seconds(28),
      environment: { ...actorEnvironment, ...oktaEnvironment },
      ...(federated ? { wildcardReason: FEDERATED_WILDCARD_REASON } : {}),
    });

    const actors = [this.respond, this.release];
    for (const fn of actors) {
      this.grantGraphCredential(fn);
      this.oktaSecret.grantRead(fn);
      this.state.grantStateAccess(fn);
      ledger.grantAppend(fn);
      grantAwsIamContainment(fn, actors);
    }
  }

  /** Lets a Graph actor prove the app: read the Graph secret, or mint web identity tokens. */
  grantGraphCredential(fn: ResponderFunction): void {
    if (this.graphSecret) this.graphSecret.grantRead(fn);
    else grantWebIdentityToken(fn);
  }
}

/**
 * IAM outbound identity federation: the role may mint web identity tokens only for Entra's
 * token exchange audience, valid five minutes at most (a token for another audience could
 * sign in elsewhere as this role).
 */
function grantWebIdentityToken(fn: ResponderFunction): void {
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'FederatedGraphCredential',
      actions: ['sts:GetWebIdentityToken'],
      resources: ['*'],
      conditions: {
        'ForAllValues:StringEquals': { 'sts:IdentityTokenAudience': ENTRA_FEDERATION_AUDIENCE },
        NumericLessThanEquals: { 'sts:DurationSeconds': FEDERATION_TOKEN_MAX_SECONDS },
      },
    }),
  );
}

/**
 * AWS IAM containment (and its restore) acts on whatever role or user a detection names, so
 * the resources are this account's roles and users; never the responder's own roles, never a
 * principal tagged `revocation-responder:protected=true`.
 */
export function grantAwsIamContainment(fn: ResponderFunction, actors: ResponderFunction[]): void {
  const iamArn = (resource: string) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:${resource}`;
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ContainAwsRoleSessions',
      actions: IAM_ROLE_CONTAINMENT_ACTIONS,
      resources: [iamArn('role/*')],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'ContainAwsAccessKeys',
      actions: IAM_USER_CONTAINMENT_ACTIONS,
      resources: [iamArn('user/*')],
    }),
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'NeverContainProtectedPrincipals',
      effect: iam.Effect.DENY,
      actions: [...IAM_ROLE_CONTAINMENT_ACTIONS, ...IAM_USER_CONTAINMENT_ACTIONS],
      resources: [iamArn('role/*'), iamArn('user/*')],
      conditions: { StringEquals: { [`aws:ResourceTag/${PROTECTED_PRINCIPAL_TAG}`]: 'true' } },
    }),
  );
  acknowledgeNag(
    fn.executionRole,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/*]',
    'AWS IAM containment must act on whichever role a GuardDuty or Security Hub finding names, unknown at deploy time, so it is limited to this account and denied on protected principals and the responder itself.',
  );
  acknowledgeNag(
    fn.executionRole,
    'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:user/*]',
    "AWS IAM containment must deactivate the access keys of whichever IAM user a finding names, unknown at deploy time, so it is limited to this account's users and denied on protected principals.",
  );
  fn.addToRolePolicy(
    new iam.PolicyStatement({
      sid: 'NeverContainTheResponder',
      effect: iam.Effect.DENY,
      actions: IAM_ROLE_CONTAINMENT_ACTIONS,
      resources: actors.map((actor) => actor.executionRole.roleArn),
    }),
  );
}
