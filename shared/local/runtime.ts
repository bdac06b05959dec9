import { readFileSync } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { AwsIamIdentityProvider } from '../adapters/aws-iam/provider.ts';
import { DynamoDbContainmentWindow } from '../adapters/dynamodb/containment-window.ts';
import { idempotentOn } from '../adapters/dynamodb/idempotency.ts';
import type { DynamoDbLedgerStore } from '../adapters/dynamodb/ledger-store.ts';
import { DynamoDbLedgerStore as LedgerStore } from '../adapters/dynamodb/ledger-store.ts';
import { LEDGER_TABLE } from '../adapters/dynamodb/ledger-table-definition.ts';
import { STATE_TABLE } from '../adapters/dynamodb/state-table-definition.ts';
import { entraConfigFromEnv } from '../adapters/graph/config.ts';
import { EntraIdentityProvider } from '../adapters/graph/entra-identity-provider.ts';
import { GraphProtectedIdentityResolver } from '../adapters/graph/protected-identity-resolver.ts';
import { redactingLog, stderrLog } from '../adapters/logging.ts';
import { oktaConfigFromEnv } from '../adapters/okta/config.ts';
import { OktaIdentityProvider } from '../adapters/okta/provider.ts';
import { TicketSystems } from '../adapters/tickets/resolver.ts';
import { defaultOwnershipMap, loadOwnershipMap } from '../config/load-ownership.ts';
import { defaultContainmentPolicy, loadContainmentPolicy } from '../config/load-policy.ts';
import { loadTicketConnections, ticketSecretValues } from '../config/ticket-connections.ts';
import { CONTROL_CATALOG } from '../domain/controls/catalog.ts';
import type { Detection } from '../domain/detection.ts';
import { ConfigError } from '../domain/errors.ts';
import { awsProtectedPrincipals, type ContainmentPolicy } from '../domain/guardrails.ts';
import { incidentIdFor } from '../domain/incident.ts';
import type { ProviderMode } from '../domain/response-mode.ts';
import type { RemediationRequest } from '../domain/tickets/remediation-request.ts';
import { systemClock } from '../ports/clock.ts';
import type { EventPublisher, ResponderEvent } from '../ports/events.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';
import type { Log } from '../ports/log.ts';
import { anchorCheckpoints } from '../use-cases/anchor-checkpoints.ts';
import type { DecisionDeps } from '../use-cases/approve.ts';
import { type StartedGuards, startGuards } from '../use-cases/blast-radius.ts';
import { openTickets, type TicketOutcome } from '../use-cases/open-tickets.ts';
import type { ReleaseDeps } from '../use-cases/release.ts';
import { type RespondInput, type RespondResult, respond } from '../use-cases/respond.ts';
import { type WatchReport, watchContainment } from '../use-cases/watch-containment.ts';
import { localAnchoring } from './checkpoint-anchoring.ts';
import {
  type EmbeddedDynamoDb,
  LOCAL_LEDGER_TABLE,
  startEmbeddedDynamoDb,
} from './embedded-dynamodb.ts';
import {
  AWS_IAM_DEMO_SEED_PATH,
  type SimulatedAwsIam,
  startSimulatedAwsIam,
} from './simulated-aws-iam/iam.ts';
import {
  createSimulatedOktaProvider,
  OKTA_DEMO_SEED_PATH,
  type SimulatedOkta,
  startSimulatedOkta,
} from './simulated-okta/okta.ts';
import { createSimulatedEntraProvider } from './simulated-tenant/provider.ts';
import { type SimulatedTenant, startSimulatedTenant } from './simulated-tenant/tenant.ts';
import { watchIntervalFromEnv } from './watch-timer.ts';

/**
 * Local mode, the embedded default: the same use cases the Lambdas run, wired to an embedded
 * DynamoDB Local (data in the state folder, persisting between runs), the simulated tenant
 * unless Graph credentials are set (then `mode: live`), the simulated AWS IAM unless
 * `RESPONDER_AWS_CONTAINMENT=live`, the simulated Okta org unless OKTA_* credentials are set,
 * and file tickets for every owner whose ticket system has no
 * credentials.
 */

export const LOCAL_STATE_TABLE = 'responder-state';
const DEMO_SEED_PATH = resolve(import.meta.dirname, 'simulated-tenant/demo-seed.json');
const DEMO_POLICY_PATH = resolve(import.meta.dirname, 'simulated-tenant/demo-policy.json');

export interface LocalRuntimeOptions {
  stateDir: string;
  env: NodeJS.ProcessEnv;
  /** Plan and record, call nothing: overrides the policy's own flag. */
  dryRun?: boolean;
  log?: Log;
  /** Added to every simulated Graph answer (demos, benchmarks). */
  simulatedLatencyMs?: number;
  /**
   * Simulated tenant only: drop Identity Protection's documented 1 request/s, on both sides
   * (tests whose subject is not that pacing; each marking otherwise waits a second).
   */
  unpacedIdentityProtection?: boolean;
}

/** What `responder respond --json` prints: the contract's fields, plus what happened to tickets. */
export interface LocalResponse extends RespondResult {
  tickets: TicketOutcome[];
  /** True when this detection was handled before: nothing changed this time. */
  replayed: boolean;
}

export interface LocalRuntime {
  readonly mode: ProviderMode;
  readonly stateDir: string;
  readonly ledger: DynamoDbLedgerStore;
  readonly db: EmbeddedDynamoDb;
  readonly identityProvider: IdentityProvider;
  readonly simulatedTenant?: SimulatedTenant;
  readonly simulatedAwsIam?: SimulatedAwsIam;
  readonly simulatedOkta?: SimulatedOkta;
  /** The provider that acts on a detection's tenant (Entra, Okta or AWS), if one is configured. */
  identityProviderFor(detection: Detection): IdentityProvider | undefined;
  /** What the operator's approve, deny, release, incidents and the expiry sweep act with. */
  readonly operator: DecisionDeps & ReleaseDeps;
  /** Runs one normalized detection end to end, once: a repeat returns the first answer. */
  handle(input: RespondInput): Promise<LocalResponse>;
  /** How often `serve` runs the watch (RESPONDER_WATCH_INTERVAL_MINUTES). */
  readonly watchIntervalMinutes: number;
  /** One run of the watch after containment, now: re-checks, records, announces, re-contains. */
  watch(): Promise<WatchReport>;
  close(): Promise<void>;
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const stateDir = resolve(options.stateDir);
  const env = options.env;
  await mkdir(stateDir, { recursive: true });
  const secrets: string[] = [];
  const log = redactingLog(options.log ?? stderrLog(), () => secrets);

  const entraConfig = entraConfigFromEnv(env);
  const oktaConfig = oktaConfigFromEnv(env, (path) => readFileSync(path, 'utf8'));
  const liveAwsAccount = liveAwsAccountFromEnv(env);
  const policy = withDryRun(
    env.RESPONDER_POLICY
      ? loadContainmentPolicy(env.RESPONDER_POLICY)
      : entraConfig
        ? defaultContainmentPolicy
        : loadContainmentPolicy(DEMO_POLICY_PATH),
    options.dryRun,
  );
  const ownership = env.RESPONDER_OWNERSHIP
    ? loadOwnershipMap(env.RESPONDER_OWNERSHIP)
    : defaultOwnershipMap;
  const watchIntervalMinutes = watchIntervalFromEnv(env);
  const connections = await loadTicketConnections({ env });
  secrets.push(...ticketSecretValues(connections));

  const db: EmbeddedDynamoDb = await startEmbeddedDynamoDb({
    dataDir: join(stateDir, 'dynamodb'),
    tables: [
      { tableName: LOCAL_LEDGER_TABLE, definition: LEDGER_TABLE },
      { tableName: LOCAL_STATE_TABLE, definition: STATE_TABLE },
    ],
  });
  let simulatedTenant: SimulatedTenant | undefined;
  let simulatedAwsIam: SimulatedAwsIam | undefined;
  let simulatedOkta: SimulatedOkta | undefined;
  let liveIamClient: IAMClient | undefined;
  try {
    let identityProvider: EntraIdentityProvider;
    if (entraConfig) {
      for (const tenant of entraConfig.tenants)
        if (tenant.clientSecret) secrets.push(tenant.clientSecret);
      identityProvider = new EntraIdentityProvider({ config: entraConfig, mode: 'live' });
    } else {
      simulatedTenant = await startSimulatedTenant({
        seed: env.RESPONDER_SIMULATED_SEED ?? DEMO_SEED_PATH,
        // The simulated directory persists like the ledger, so a second run sees the first's effects.
        statePath: join(stateDir, 'simulated-tenant.json'),
        ...(options.simulatedLatencyMs !== undefined
          ? { latencyMs: options.simulatedLatencyMs }
          : {}),
        ...(options.unpacedIdentityProtection
          ? { throttling: { identityProtectionPerSecond: false } }
          : {}),
      });
      identityProvider = createSimulatedEntraProvider(
        simulatedTenant,
        options.unpacedIdentityProtection ? { limits: { identityProtectionIntervalMs: 0 } } : {},
      );
    }
    // Every name of each protected identity, known before the first detection.
    const protectedIdentities = new GraphProtectedIdentityResolver({
      policy,
      tenants: identityProvider.tenantSessions(),
    });
    await protectedIdentities.refresh();
    let awsProvider: AwsIamIdentityProvider;
    if (liveAwsAccount) {
      // Credentials from the default chain; IAM is global and signs in us-east-1.
      liveIamClient = new IAMClient({ region: env.AWS_REGION ?? 'us-east-1' });
      awsProvider = new AwsIamIdentityProvider({
        client: liveIamClient,
        accountIds: [liveAwsAccount],
        protectedPrincipals: awsProtectedPrincipals(policy),
      });
    } else {
      simulatedAwsIam = await startSimulatedAwsIam({
        seed: env.RESPONDER_SIMULATED_AWS_SEED ?? AWS_IAM_DEMO_SEED_PATH,
        statePath: join(stateDir, 'simulated-aws-iam.json'),
      });
      awsProvider = new AwsIamIdentityProvider({
        client: simulatedAwsIam.client(),
        accountIds: [simulatedAwsIam.accountId],
        protectedPrincipals: awsProtectedPrincipals(policy),
        mode: 'simulated',
      });
    }
    let oktaProvider: OktaIdentityProvider;
    if (oktaConfig) {
      for (const org of oktaConfig.orgs) {
        secrets.push(...[org.privateKey, org.apiToken].filter((v): v is string => !!v));
      }
      oktaProvider = new OktaIdentityProvider({ config: oktaConfig, mode: 'live' });
    } else {
      simulatedOkta = await startSimulatedOkta({
        seed: env.RESPONDER_SIMULATED_OKTA_SEED ?? OKTA_DEMO_SEED_PATH,
        statePath: join(stateDir, 'simulated-okta.json'),
        ...(options.simulatedLatencyMs !== undefined
          ? { latencyMs: options.simulatedLatencyMs }
          : {}),
      });
      oktaProvider = createSimulatedOktaProvider(simulatedOkta);
    }
    const providers: Record<Detection['tenant']['provider'], IdentityProvider> = {
      entra: identityProvider,
      okta: oktaProvider,
      aws: awsProvider,
    };
    const identityProviderFor = (detection: Detection): IdentityProvider | undefined =>
      providers[detection.tenant.provider];

    const ledger = new LedgerStore({ client: db.client, tableName: LOCAL_LEDGER_TABLE });
    const tickets = new TicketSystems({ connections, stateDir });
    const ticketDeps = { ledger, tickets, clock: systemClock };
    const anchoring = localAnchoring(stateDir);
    const checkpoint = coalescingCheckpoints(async (incidents) => {
      await ledger.writeCheckpoint({ settleMs: 0, incidents });
      // Signed and anchored at once: an evidence export right after a run finds its anchor. A
      // failure here must not fail the detection: `ledger verify` counts unanchored checkpoints.
      await anchorCheckpoints(await ledger.checkpoints(), anchoring).catch((error: unknown) =>
        log.warn('checkpoint not signed and anchored', { error: String(error) }),
      );
    });
    const eventLog = join(stateDir, 'events.ndjson');
    const budgetMs = respondBudgetMs(options.env);

    const respondDeps = {
      identityProviderFor,
      policy,
      window: new DynamoDbContainmentWindow(db.client, LOCAL_STATE_TABLE),
      protectedIdentities,
      catalog: CONTROL_CATALOG,
      ownership,
      ledger,
      clock: systemClock,
      log,
      mode: identityProvider.mode,
    };
    const handleOnce = idempotentOn({
      client: db.client,
      tableName: LOCAL_STATE_TABLE,
      scope: 'respond',
      keyOf: (guards: StartedGuards<RespondInput>) => guards.incidentId,
      work: async (guards: StartedGuards<RespondInput>) => {
        const { input } = guards;
        const bus = new LocalEventBus(eventLog);
        // The respond function's 30 s, unless configured: every wait of containment ends by it.
        const deadline = input.deadline ?? Date.now() + budgetMs;
        const result = await respond(
          { ...input, deadline },
          { ...respondDeps, events: bus },
          { ...guards, input: { ...input, deadline } },
        );
        // In AWS the bus routes these to the ticket queue; here they are handled in-process.
        const requests = bus.remediationRequests();
        const ticketOutcomes = await openTickets(requests, ticketDeps);
        // AWS checkpoints on a schedule; locally every run attests its incident at once.
        await checkpoint(guards.incidentId);
        // No queue retries a ticket locally: the stored answer keeps what a later delivery retries.
        const pendingTickets = requests.filter((_, index) => {
          const outcome = ticketOutcomes[index];
          return outcome?.status === 'failed' && outcome.retryable;
        });
        return { ...result, tickets: ticketOutcomes, pendingTickets };
      },
    });

    return {
      mode: identityProvider.mode,
      stateDir,
      ledger,
      db,
      identityProvider,
      ...(simulatedTenant ? { simulatedTenant } : {}),
      ...(simulatedAwsIam ? { simulatedAwsIam } : {}),
      ...(simulatedOkta ? { simulatedOkta } : {}),
      identityProviderFor,
      operator: {
        ledger,
        identityProviderFor,
        policy,
        events: new LocalEventBus(eventLog),
        clock: systemClock,
        mode: identityProvider.mode,
      },
      async handle(input) {
        // The window claim leaves with the idempotency claim: one round trip before the revoke.
        const { result, replayed } = await handleOnce(startGuards(input, respondDeps));
        const { pendingTickets, ...response } = result;
        // Answers stored before pending tickets were kept have none.
        if (replayed && (pendingTickets ?? []).length > 0) {
          // A redelivery retries the tickets that failed retryably (idempotent: dedupe keys).
          const retried = await openTickets(pendingTickets ?? [], ticketDeps);
          await checkpoint(incidentIdFor(input.detection));
          response.tickets = response.tickets.map(
            (ticket) =>
              retried.find(
                (r) => r.ownerRole === ticket.ownerRole && r.ownerTeam === ticket.ownerTeam,
              ) ?? ticket,
          );
        }
        return { ...response, replayed };
      },
      watchIntervalMinutes,
      watch: () =>
        watchContainment({
          incidents: ledger,
          ledger,
          identityProviderFor,
          policy,
          events: new LocalEventBus(eventLog),
          clock: systemClock,
          log,
          intervalMinutes: watchIntervalMinutes,
        }),
      async close() {
        identityProvider.close();
        await simulatedTenant?.close();
        await simulatedAwsIam?.close();
        oktaProvider.close();
        await simulatedOkta?.close();
        liveIamClient?.destroy();
        await db.close();
      },
    };
  } catch (error) {
    await simulatedTenant?.close();
    await simulatedAwsIam?.close();
    await simulatedOkta?.close();
    await db.close();
    throw error;
  }
}

/**
 * `RESPONDER_AWS_CONTAINMENT=live`: the account real AWS credentials contain in
 * (`RESPONDER_ACCOUNT_ID`); absent or `simulated`: undefined, the simulated IAM acts instead.
 */
function liveAwsAccountFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const mode = env.RESPONDER_AWS_CONTAINMENT;
  if (mode === undefined || mode === '' || mode === 'simulated') return undefined;
  if (mode !== 'live') {
    throw new ConfigError(`RESPONDER_AWS_CONTAINMENT must be live or simulated, not ${mode}`);
  }
  const accountId = env.RESPONDER_ACCOUNT_ID;
  if (!accountId || !/^\d{12}$/.test(accountId)) {
    throw new ConfigError(
      'RESPONDER_AWS_CONTAINMENT=live needs RESPONDER_ACCOUNT_ID, the 12-digit account the AWS credentials act in',
    );
  }
  return accountId;
}

/**
 * Local checkpoints one at a time: concurrent detections each asking for one would race for the
 * next checkpoint position until one of them gave up and failed its detection. A request made
 * while one runs joins the single follow-up, which starts after it and names its incident (a
 * record stamped before the running checkpoint's cutoff may commit after it read the heads).
 */
function coalescingCheckpoints(
  write: (incidents: readonly string[]) => Promise<unknown>,
): (incidentId: string) => Promise<void> {
  let tail: Promise<unknown> = Promise.resolve();
  let next: { run: Promise<void>; incidents: Set<string> } | undefined;
  return (incidentId) => {
    if (next) {
      next.incidents.add(incidentId);
      return next.run;
    }
    const incidents = new Set([incidentId]);
    const run = tail.then(async () => {
      next = undefined;
      await write([...incidents]);
    });
    next = { run, incidents };
    tail = run.catch(() => undefined);
    return run;
  };
}

function withDryRun(policy: ContainmentPolicy, dryRun: boolean | undefined): ContainmentPolicy {
  return dryRun ? { ...policy, dryRun: true } : policy;
}

/** The local stand-in for the event bus: every event is appended to `events.ndjson`. */
class LocalEventBus implements EventPublisher {
  readonly #path: string;
  readonly #published: ResponderEvent[] = [];

  constructor(path: string) {
    this.#path = path;
  }

  async publish(events: readonly ResponderEvent[]): Promise<void> {
    this.#published.push(...events);
    const lines = events.map((event) =>
      JSON.stringify({
        time: new Date().toISOString(),
        'detail-type': event.detailType,
        detail: event.detail,
      }),
    );
    await appendFile(this.#path, `${lines.join('\n')}\n`);
  }

  remediationRequests(): RemediationRequest[] {
    return this.#published
      .filter((event) => event.detailType === 'Remediation Requested')
      .map((event) => event.detail as unknown as RemediationRequest);
  }
}

/** `RESPONDER_RESPOND_BUDGET_MS`: how long one local respond may run (default 30 000, as in AWS). */
function respondBudgetMs(env: NodeJS.ProcessEnv): number {
  const raw = env.RESPONDER_RESPOND_BUDGET_MS;
  if (raw === undefined || raw === '') return 30_000;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1000) {
    throw new ConfigError(
      `RESPONDER_RESPOND_BUDGET_MS must be a whole number of milliseconds, at least 1000 (got ${raw})`,
    );
  }
  return value;
}
