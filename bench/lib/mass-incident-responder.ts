import { EntraIdentityProvider } from '../../shared/adapters/graph/entra-identity-provider.ts';
import { incidentIdFor } from '../../shared/domain/incident.ts';
import { localDynamoDbClient } from '../../shared/local/embedded-dynamodb.ts';
import { RetryableContainmentError } from '../../shared/use-cases/respond.ts';
import { benchPolicy } from './fixtures.ts';
import {
  type BenchResponder,
  benchResponder,
  respondInputFrom,
  ShippedLedger,
} from './responder.ts';
import { round } from './stats.ts';
import type { ServedTenant } from './tenant-process.ts';

/**
 * The responder side of the mass incident, in a process of its own (bundled like the Lambda by
 * bench/mass-incident.ts), so its peak RSS is the respond path's alone: it drains a queue of
 * detections with `concurrency` workers, redelivering retryable failures after the visibility
 * timeout and dead-lettering after the fifth receive, as the stack's queue does, then checks
 * that the ledger accounts for every detection.
 */

export interface ResponderConfig {
  served: ServedTenant;
  /** The SQS record bodies, one detection each (made by the parent: the bundle has no files). */
  bodies: string[];
  concurrency: number;
  /** One limiter and Graph sign-in per worker (separate Lambda instances) or one for all. */
  limiterScope: 'process' | 'instance';
  limits: { writesPerWindow: number; windowSeconds: number };
  maxRetryAfterWaitMs: number;
  visibilityTimeoutMs: number;
  maxReceives: number;
  /** DynamoDB Local endpoint for idempotency, window and ledger; absent: state in memory. */
  dynamodbEndpoint?: string;
}

export interface ResponderRun {
  contained: number;
  deadLettered: number;
  redeliveries: number;
  /** Incidents whose ledger shows a succeeded revoke. */
  ledgerContained: number;
  /** Incidents whose ledger shows only a failed revoke (dead-lettered, state recorded). */
  ledgerFailed: number;
  /** Incidents the ledger does not account for: lost. */
  unaccounted: number;
  /** Bytes of JSON the records shipped out of the process came to (0 on DynamoDB). */
  ledgerJsonBytes: number;
  startedAt: number;
  drainedAt: number;
  /** RSS once every module is loaded and Graph is signed in, before the first detection. */
  readyRssMb: number;
  readyHeapMb: number;
  peakRssMb: number;
  /** Sampled every 50 ms: the JS heap in use (live and not yet collected) and Buffers. */
  peakHeapUsedMb: number;
  peakExternalMb: number;
  /** The heap after a full GC once the queue is drained (-1 without --expose-gc). */
  liveHeapAfterRunMb: number;
  cpuSeconds: number;
}

/** High severity, revokeSessions only: one Graph write per detection. */
const POLICY = benchPolicy({ high: { revokeSessions: 'auto' } });

interface Message {
  body: string;
  receives: number;
}

async function runMassIncidentResponder(config: ResponderConfig): Promise<ResponderRun> {
  const instances = config.limiterScope === 'instance' ? config.concurrency : 1;
  const providers = Array.from(
    { length: instances },
    () =>
      new EntraIdentityProvider({
        mode: 'simulated',
        trustedCa: config.served.ca,
        limits: config.limits,
        retry: { maxDelayMs: config.maxRetryAfterWaitMs },
        config: {
          graphBaseUrl: config.served.graphBaseUrl,
          authorityHost: config.served.authorityHost,
          tenants: [config.served.credentials],
        },
      }),
  );
  const client = config.dynamodbEndpoint ? localDynamoDbClient(config.dynamodbEndpoint) : undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    await Promise.all(providers.map((p) => p.warmUp()));
    const [first, ...others] = providers;
    if (!first) throw new Error('no identity provider');
    const shared = benchResponder({
      ...(client ? { client } : {}),
      provider: first,
      policy: POLICY,
      ledger: 'ship',
    });
    // One ledger and window for every instance, as they share the tables in AWS.
    const responders: BenchResponder[] = [
      shared,
      ...others.map((provider) =>
        benchResponder({
          ...(client ? { client } : {}),
          provider,
          policy: POLICY,
          shareStateWith: shared,
        }),
      ),
    ];
    const messages: Message[] = config.bodies.map((body) => ({ body, receives: 0 }));
    const incidents = messages.map((m) => incidentIdFor(respondInputFrom(m.body).detection));
    const readyRssMb = round(process.memoryUsage.rss() / 1024 ** 2, 1);
    const readyHeapMb = round(process.memoryUsage().heapUsed / 1024 ** 2, 1);
    let peakHeapUsed = 0;
    let peakExternal = 0;
    sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
      peakExternal = Math.max(peakExternal, m.external);
    }, 50);
    const cpuBefore = process.cpuUsage();
    const startedAt = Date.now();

    const ready = [...messages];
    let pending = messages.length;
    let contained = 0;
    let deadLettered = 0;
    let redeliveries = 0;
    const sleepers: (() => void)[] = [];
    const wakeAll = () => {
      for (const wake of sleepers.splice(0)) wake();
    };
    const worker = async (responder: BenchResponder) => {
      while (pending > 0) {
        const message = ready.shift();
        if (!message) {
          await new Promise<void>((resolve) => sleepers.push(resolve));
          continue;
        }
        message.receives += 1;
        try {
          const { result } = await responder.respondOnce(respondInputFrom(message.body));
          if (result.status !== 'contained') throw new Error(`status ${result.status}`);
          contained += 1;
          pending -= 1;
        } catch (error) {
          if (!(error instanceof RetryableContainmentError)) {
            process.stderr.write(`mass incident: ${String(error)}\n`);
          }
          if (message.receives >= config.maxReceives) {
            deadLettered += 1;
            pending -= 1;
          } else {
            redeliveries += 1;
            // Visible again after the visibility timeout, as SQS redelivers an unacknowledged record.
            setTimeout(() => {
              ready.push(message);
              wakeAll();
            }, config.visibilityTimeoutMs);
          }
        }
        if (pending === 0) wakeAll();
      }
    };
    await Promise.all(
      Array.from({ length: config.concurrency }, (_, i) =>
        worker(responders[i % responders.length] ?? shared),
      ),
    );
    const drainedAt = Date.now();
    clearInterval(sampler);
    const peakRssMb = round(process.resourceUsage().maxRSS / 1024, 1);
    const cpu = process.cpuUsage(cpuBefore);
    // What is still alive once the run is over: started with --expose-gc by the parent.
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const liveHeapAfterRunMb = gc ? round(process.memoryUsage().heapUsed / 1024 ** 2, 1) : -1;

    // Every detection must be accounted for in the ledger: revoked, or its failure recorded.
    let ledgerContained = 0;
    let ledgerFailed = 0;
    let unaccounted = 0;
    for (const incidentId of incidents) {
      const { records } = await shared.ledger.query({ incidentId, limit: 100 });
      const revokes = records.filter(
        (r) =>
          r.kind === 'containment.action' && r.stepKey.startsWith('containment:revokeSessions'),
      );
      if (revokes.some((r) => r.status === 'succeeded')) ledgerContained += 1;
      else if (revokes.some((r) => r.status === 'failed')) ledgerFailed += 1;
      else unaccounted += 1;
    }
    return {
      contained,
      deadLettered,
      redeliveries,
      ledgerContained,
      ledgerFailed,
      unaccounted,
      ledgerJsonBytes: shared.ledger instanceof ShippedLedger ? shared.ledger.bytesShipped : 0,
      startedAt,
      drainedAt,
      readyRssMb,
      readyHeapMb,
      peakRssMb,
      peakHeapUsedMb: round(peakHeapUsed / 1024 ** 2, 1),
      liveHeapAfterRunMb,
      peakExternalMb: round(peakExternal / 1024 ** 2, 1),
      cpuSeconds: round((cpu.user + cpu.system) / 1e6, 2),
    };
  } finally {
    clearInterval(sampler);
    for (const provider of providers) provider.close();
    client?.destroy();
  }
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

if (import.meta.main) {
  const run = await runMassIncidentResponder(JSON.parse(await readStdin()) as ResponderConfig);
  process.stdout.write(JSON.stringify(run));
}
