import type { Context } from 'aws-lambda';
import {
  dynamoDbClient,
  eventBridgeClient,
  iamClient,
  kmsClient,
  sqsClient,
} from '../adapters/aws-clients.ts';
import { AwsIamIdentityProvider } from '../adapters/aws-iam/provider.ts';
import { DynamoDbContainmentWindow } from '../adapters/dynamodb/containment-window.ts';
import { idempotentOn } from '../adapters/dynamodb/idempotency.ts';
import { DynamoDbLedgerStore, DynamoDbLedgerWriter } from '../adapters/dynamodb/ledger-store.ts';
import { DynamoDbReplayGuard } from '../adapters/dynamodb/replay-guard.ts';
import { EventBridgePublisher } from '../adapters/eventbridge/publisher.ts';
import { parseEntraConfig } from '../adapters/graph/config.ts';
import { awsWebIdentityAssertion } from '../adapters/graph/credentials/aws-web-identity.ts';
import { EntraIdentityProvider } from '../adapters/graph/entra-identity-provider.ts';
import { GraphProtectedIdentityResolver } from '../adapters/graph/protected-identity-resolver.ts';
import { limitsForShare } from '../adapters/graph/rate-limiter.ts';
import type { IntakeApiOptions } from '../adapters/http/intake-api.ts';
import type { SsfApiDeps } from '../adapters/http/ssf-api.ts';
import { redactingLog } from '../adapters/logging.ts';
import { parseOktaConfig } from '../adapters/okta/config.ts';
import { OktaIdentityProvider } from '../adapters/okta/provider.ts';
import { SecretsManagerSecretSource } from '../adapters/secrets-manager.ts';
import { respondQueueSender } from '../adapters/sqs/respond-queue.ts';
import { SqsTransmitRequests } from '../adapters/sqs/transmit-requests.ts';
import { DynamoDbStreamStore } from '../adapters/ssf/dynamodb-stream-store.ts';
import { kmsSetSigner } from '../adapters/ssf/kms-signer.ts';
import { HttpSetPusher } from '../adapters/ssf/push.ts';
import { TicketSystems } from '../adapters/tickets/resolver.ts';
import { embeddedConfig, type LambdaEnv, lambdaEnv } from '../config/lambda-env.ts';
import { ssfTransmittersFrom } from '../config/ssf-transmitters.ts';
import { loadTicketConnections } from '../config/ticket-connections.ts';
import { CONTROL_CATALOG } from '../domain/controls/catalog.ts';
import type { Detection } from '../domain/detection.ts';
import { ConfigError } from '../domain/errors.ts';
import { awsProtectedPrincipals, type ContainmentPolicy } from '../domain/guardrails.ts';
import { systemClock } from '../ports/clock.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';
import type { Log } from '../ports/log.ts';
import { createSetPushReceiver } from '../sources/ssf/push.ts';
import type { DecisionDeps } from '../use-cases/approve.ts';
import { type StartedGuards, startGuards } from '../use-cases/blast-radius.ts';
import type { OpenTicketsDeps } from '../use-cases/open-tickets.ts';
import type { ReleaseDeps } from '../use-cases/release.ts';
import { type RespondInput, type RespondResult, respond } from '../use-cases/respond.ts';
import type { TransmitDeps } from '../use-cases/ssf-transmit.ts';
import type { WatchDeps } from '../use-cases/watch-containment.ts';

/**
 * The AWS composition root: each Lambda builds its dependencies here once, at cold start, from
 * validated configuration. Handlers stay thin; tests build the same use cases with local parts.
 */

/**
 * The Graph tenants and how the app proves itself: `federated`, each tenant of ENTRA_TENANT_IDS
 * with ENTRA_CLIENT_ID and an AWS STS web identity token (nothing read from Secrets Manager);
 * `secret`, the Graph credentials secret `{"tenants":[{tenantId, clientId, clientSecret|certificatePem}]}`.
 */
async function graphTenants(
  env: LambdaEnv,
  secrets: SecretsManagerSecretSource,
): Promise<unknown[]> {
  if (env.GRAPH_CREDENTIAL === 'federated') {
    const missing = (['ENTRA_CLIENT_ID', 'AWS_REGION'] as const).filter((k) => !env[k]);
    if (env.ENTRA_TENANT_IDS.length > 0 && missing.length > 0) {
      throw new ConfigError(
        `invalid Lambda environment: ${missing.map((k) => `${k}: required by GRAPH_CREDENTIAL=federated`).join('; ')}`,
      );
    }
    return env.ENTRA_TENANT_IDS.map((tenantId) => ({
      tenantId,
      clientId: env.ENTRA_CLIENT_ID,
      federated: true,
    }));
  }
  if (!env.GRAPH_SECRET_ARN) return [];
  const text = await secrets.getSecretString(env.GRAPH_SECRET_ARN);
  try {
    return (JSON.parse(text) as { tenants?: unknown[] }).tenants ?? [];
  } catch (error) {
    throw new ConfigError('the Graph credentials secret is not JSON', { cause: error });
  }
}

async function identityProviders(
  env: LambdaEnv,
  secrets: SecretsManagerSecretSource,
  secretValues: string[],
  policy: ContainmentPolicy,
): Promise<{
  providerFor: (detection: Detection) => IdentityProvider | undefined;
  protectedIdentities?: GraphProtectedIdentityResolver;
}> {
  let protectedIdentities: GraphProtectedIdentityResolver | undefined;
  let entra: EntraIdentityProvider | undefined;
  // The Okta secret is read while Graph signs in, not after: one round trip off the cold start.
  const oktaLoad = oktaProvider(env, secrets, secretValues);
  oktaLoad.catch(() => undefined); // awaited below; a Graph failure first must not leave it unhandled
  const tenants = await graphTenants(env, secrets);
  if (tenants.length > 0) {
    const config = parseEntraConfig({
      graphBaseUrl: env.GRAPH_BASE_URL,
      authorityHost: env.ENTRA_AUTHORITY_HOST,
      tenants,
    });
    for (const tenant of config.tenants) {
      for (const value of [tenant.clientSecret, tenant.certificatePem])
        if (value) secretValues.push(value);
    }
    entra = new EntraIdentityProvider({
      config,
      mode: 'live',
      limits: limitsForShare(env.GRAPH_QUOTA_SHARE),
      ...(env.GRAPH_CREDENTIAL === 'federated'
        ? { federatedAssertion: awsWebIdentityAssertion({ region: env.AWS_REGION ?? '' }) }
        : {}),
    });
    // Sign in now, at cold start, so the revoke call is the first thing a detection waits for;
    // and know every name of the protected identities before the first detection.
    await entra.warmUp();
    protectedIdentities = new GraphProtectedIdentityResolver({
      policy,
      tenants: entra.tenantSessions(),
    });
    await protectedIdentities.refresh();
  }
  const okta = await oktaLoad;
  const accountId = process.env.RESPONDER_ACCOUNT_ID;
  const aws = accountId
    ? new AwsIamIdentityProvider({
        client: iamClient(),
        accountIds: [accountId],
        protectedPrincipals: awsProtectedPrincipals(policy),
      })
    : undefined;
  const providerFor = (detection: Detection) =>
    detection.tenant.provider === 'entra'
      ? entra
      : detection.tenant.provider === 'aws'
        ? aws
        : okta;
  return { providerFor, ...(protectedIdentities ? { protectedIdentities } : {}) };
}

/**
 * Reads the Okta credentials secret (respond and release only):
 * `{"orgs":[{tenantId, orgUrl, clientId, privateKey (PEM or JWK), keyId}|{tenantId, orgUrl, apiToken}]}`.
 */
async function oktaProvider(
  env: LambdaEnv,
  secrets: SecretsManagerSecretSource,
  secretValues: string[],
): Promise<OktaIdentityProvider | undefined> {
  if (!env.OKTA_SECRET_ARN) return undefined;
  const text = await secrets.getSecretString(env.OKTA_SECRET_ARN);
  let orgs: unknown[] = [];
  try {
    orgs = (JSON.parse(text) as { orgs?: unknown[] }).orgs ?? [];
  } catch (error) {
    throw new ConfigError('the Okta credentials secret is not JSON', { cause: error });
  }
  if (orgs.length === 0) return undefined;
  const config = parseOktaConfig({ orgs });
  for (const org of config.orgs) {
    for (const value of [org.privateKey, org.apiToken]) if (value) secretValues.push(value);
  }
  return new OktaIdentityProvider({ config, mode: 'live' });
}

export interface RespondRuntime {
  /** Runs one detection once per incident; a redelivery returns the first result. */
  respondOnce(
    input: RespondInput,
    context: Context,
  ): Promise<{ result: RespondResult; replayed: boolean }>;
  ledger: DynamoDbLedgerWriter;
  trustedNativeSources: string[];
  log: Log;
}

export async function respondRuntime(
  baseLog: Log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RespondRuntime> {
  const config = lambdaEnv(env, ['LEDGER_TABLE_NAME', 'STATE_TABLE_NAME', 'EVENT_BUS_NAME']);
  const embedded = embeddedConfig();
  const secretValues: string[] = [];
  const log = redactingLog(baseLog, () => secretValues);
  // Made first: its tracing loads while the sign-in below waits on the network.
  const dynamodb = dynamoDbClient();
  const { providerFor, protectedIdentities } = await identityProviders(
    config,
    new SecretsManagerSecretSource(),
    secretValues,
    embedded.policy,
  );
  const ledger = new DynamoDbLedgerWriter({
    client: dynamodb,
    tableName: config.LEDGER_TABLE_NAME,
  });
  const deps = {
    identityProviderFor: providerFor,
    policy: embedded.policy,
    window: new DynamoDbContainmentWindow(dynamodb, config.STATE_TABLE_NAME),
    ...(protectedIdentities ? { protectedIdentities } : {}),
    catalog: CONTROL_CATALOG,
    ownership: embedded.ownership,
    ledger,
    events: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
    clock: systemClock,
    log,
    mode: 'live' as const,
  };
  const once = idempotentOn({
    client: dynamodb,
    tableName: config.STATE_TABLE_NAME,
    scope: 'respond',
    keyOf: (guards: StartedGuards<RespondInput>) => guards.incidentId,
    work: (guards: StartedGuards<RespondInput>) => respond(guards.input, deps, guards),
  });
  return {
    // The window claim leaves with the idempotency claim: one round trip before the revoke.
    respondOnce: (input, context) => once(startGuards(input, deps), context),
    ledger,
    trustedNativeSources: config.TRUSTED_EVENT_SOURCES,
    log,
  };
}

/** The ledger store alone (ledger-api, checkpoint; and inside the other functions' deps). */
export function ledgerFor(env: NodeJS.ProcessEnv = process.env): DynamoDbLedgerStore {
  const config = lambdaEnv(env, ['LEDGER_TABLE_NAME']);
  return new DynamoDbLedgerStore({
    client: dynamoDbClient(),
    tableName: config.LEDGER_TABLE_NAME,
  });
}

/**
 * What the operator's decisions need (approve, deny, release, incidents, the expiry sweep): the
 * ledger, the identity providers, the policy and the bus. `deadline` is set per invocation.
 */
export async function operatorDeps(
  env: NodeJS.ProcessEnv = process.env,
): Promise<DecisionDeps & ReleaseDeps> {
  const config = lambdaEnv(env, ['LEDGER_TABLE_NAME', 'EVENT_BUS_NAME']);
  return {
    ledger: ledgerFor(env),
    identityProviderFor: (
      await identityProviders(config, new SecretsManagerSecretSource(), [], embeddedConfig().policy)
    ).providerFor,
    policy: embeddedConfig().policy,
    events: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
    clock: systemClock,
    mode: 'live',
  };
}

/**
 * What the scheduled watch after containment needs: the ledger (with its containments index),
 * the identity providers to re-check and re-contain with, the bus, the policy's `watch`.
 */
export async function watchDeps(
  baseLog: Log,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Omit<WatchDeps, 'deadline'>> {
  const config = lambdaEnv(env, ['LEDGER_TABLE_NAME', 'EVENT_BUS_NAME']);
  const secretValues: string[] = [];
  const ledger = ledgerFor(env);
  return {
    incidents: ledger,
    ledger,
    identityProviderFor: (
      await identityProviders(
        config,
        new SecretsManagerSecretSource(),
        secretValues,
        embeddedConfig().policy,
      )
    ).providerFor,
    policy: embeddedConfig().policy,
    events: new EventBridgePublisher(eventBridgeClient(), config.EVENT_BUS_NAME),
    clock: systemClock,
    log: redactingLog(baseLog, () => secretValues),
    intervalMinutes: config.WATCH_INTERVAL_MINUTES,
  };
}

/** The SSF receiver's replay guard, on the state table. */
function replayGuardFor(env: NodeJS.ProcessEnv): DynamoDbReplayGuard {
  const config = lambdaEnv(env, ['STATE_TABLE_NAME']);
  return new DynamoDbReplayGuard(dynamoDbClient(), config.STATE_TABLE_NAME);
}

/**
 * What the intake API needs: accepted detections go to the respond queue (nothing is contained
 * on the request path); SETs are received only when transmitters are configured.
 */
export function intakeApiDeps(log: Log, env: NodeJS.ProcessEnv = process.env): IntakeApiOptions {
  const config = lambdaEnv(env, ['RESPOND_QUEUE_URL']);
  const transmitters = ssfTransmittersFrom(config.SSF_TRANSMITTERS, 'SSF_TRANSMITTERS');
  const deliver = respondQueueSender(sqsClient(), config.RESPOND_QUEUE_URL);
  return {
    deliver,
    ledger: ledgerFor(env),
    clock: systemClock,
    log,
    ...(transmitters.length > 0
      ? {
          setReceiver: createSetPushReceiver({
            transmitters,
            replayGuard: replayGuardFor(env),
            deliver: async (result) => {
              await deliver(result);
            },
          }),
        }
      : {}),
  };
}

/**
 * What open-tickets needs: the ledger, each owner's ticket system (credentials from the ticket
 * secret; a destination without them fails its ticket, naming the connection) and the SLA.
 */
export async function openTicketsDeps(
  env: NodeJS.ProcessEnv = process.env,
): Promise<Required<OpenTicketsDeps>> {
  const config = lambdaEnv(env, ['TICKET_SECRET_ARN']);
  const connections = await loadTicketConnections({
    env,
    secrets: new SecretsManagerSecretSource(),
    secretId: config.TICKET_SECRET_ARN,
  });
  return {
    ledger: ledgerFor(env),
    tickets: new TicketSystems({ connections }),
    clock: systemClock,
    sla: embeddedConfig().ticketSla,
  };
}

/**
 * The Shared Signals transmitter (the `ssf-transmit` function, and the management API's own
 * deliveries): streams on the state table, SETs signed by the KMS key, RFC 8935 push.
 * `deadline` is set per invocation.
 */
export function ssfTransmitDeps(
  env: NodeJS.ProcessEnv = process.env,
): Omit<TransmitDeps, 'deadline'> {
  const config = lambdaEnv(env, ['STATE_TABLE_NAME', 'SSF_SIGNING_KEY_ID', 'SSF_ISSUER']);
  return {
    ledger: ledgerFor(env),
    streams: new DynamoDbStreamStore(dynamoDbClient(), config.STATE_TABLE_NAME),
    signer: kmsSetSigner(kmsClient(), config.SSF_SIGNING_KEY_ID),
    pusher: new HttpSetPusher(),
    clock: systemClock,
    defaultSubjects: config.SSF_DEFAULT_SUBJECTS,
    issuer: config.SSF_ISSUER,
  };
}

/**
 * What the management API needs besides the caller (API Gateway's authorizer names it): the
 * key's public half only, and the transmit queue for whatever must be signed or delivered.
 */
export function ssfApiDeps(env: NodeJS.ProcessEnv = process.env): Omit<SsfApiDeps, 'authorize'> {
  const config = lambdaEnv(env, [
    'STATE_TABLE_NAME',
    'SSF_SIGNING_KEY_ID',
    'SSF_ISSUER',
    'SSF_BASE_URL',
    'SSF_TRANSMIT_QUEUE_URL',
  ]);
  return {
    issuer: config.SSF_ISSUER,
    baseUrl: config.SSF_BASE_URL,
    streams: new DynamoDbStreamStore(dynamoDbClient(), config.STATE_TABLE_NAME),
    keys: kmsSetSigner(kmsClient(), config.SSF_SIGNING_KEY_ID),
    requests: new SqsTransmitRequests(sqsClient(), config.SSF_TRANSMIT_QUEUE_URL),
    clock: systemClock,
    defaultSubjects: config.SSF_DEFAULT_SUBJECTS,
  };
}
