import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdempotencyAlreadyInProgressError } from '@aws-lambda-powertools/idempotency';
import { DynamoDbReplayGuard } from '../adapters/dynamodb/replay-guard.ts';
import { createEvidenceApi, EVIDENCE_ROUTE, REPORT_ROUTE } from '../adapters/http/evidence-api.ts';
import { createIntakeApi } from '../adapters/http/intake-api.ts';
import { createLedgerApi } from '../adapters/http/ledger-api.ts';
import { createOperatorApi } from '../adapters/http/operator-api.ts';
import { isSsfPath } from '../adapters/http/ssf-api.ts';
import { type HttpRequest, type HttpResponse, json } from '../adapters/http/types.ts';
import { ssfTransmittersFrom } from '../config/ssf-transmitters.ts';
import { ConfigError } from '../domain/errors.ts';
import { systemClock } from '../ports/clock.ts';
import type { Log } from '../ports/log.ts';
import { createSetPushReceiver } from '../sources/ssf/push.ts';
import { expireApprovals } from '../use-cases/expire-approvals.ts';
import { RetryableContainmentError } from '../use-cases/respond.ts';
import { LOCAL_CHECKPOINT_CADENCE, localAnchoring } from './checkpoint-anchoring.ts';
import { LOCAL_STATE_TABLE, type LocalRuntime } from './runtime.ts';
import { type LocalTransmitter, startLocalTransmitter } from './ssf.ts';
import { startWatchTimer } from './watch-timer.ts';

const MAX_BODY_BYTES = 1024 * 1024; // the APIs apply their own, smaller limits

export interface LocalServer {
  url: string;
  /** Whether `POST /v1/ssf/events` takes SETs (only with `RESPONDER_SSF_TRANSMITTERS`). */
  receivesSets: boolean;
  close(): Promise<void>;
}

/**
 * `responder serve`: the deployed API's routes on localhost, backed by the same framework-free
 * handlers. Detections run through the whole pipeline in-process instead of a queue, and the
 * answer carries the result. No IAM here: it listens on the loopback interface only.
 */
export async function startLocalServer(
  runtime: LocalRuntime,
  options: { port?: number; env: NodeJS.ProcessEnv; log: Log },
): Promise<LocalServer> {
  const transmitters = options.env.RESPONDER_SSF_TRANSMITTERS
    ? ssfTransmittersFrom(
        readFileSync(options.env.RESPONDER_SSF_TRANSMITTERS, 'utf8'),
        options.env.RESPONDER_SSF_TRANSMITTERS,
      )
    : [];
  const deliver = async (
    result: Parameters<Parameters<typeof createIntakeApi>[0]['deliver']>[0],
  ) => {
    const handled = await runtime.handle({
      detection: result.detection,
      sourceEventId: result.sourceEventId,
      rawSha256: result.rawSha256,
      ...(result.sourceFormat ? { sourceFormat: result.sourceFormat } : {}),
      sender: result.sender ?? 'local:serve',
    });
    await ssf?.transmit(handled.incidentId); // the bus subscriber's local stand-in
    return { result: handled };
  };
  let ssf: LocalTransmitter | undefined;
  const intake = createIntakeApi({
    deliver,
    ledger: runtime.ledger,
    clock: systemClock,
    log: options.log,
    ...(transmitters.length > 0
      ? {
          setReceiver: createSetPushReceiver({
            transmitters,
            replayGuard: new DynamoDbReplayGuard(runtime.db.client, LOCAL_STATE_TABLE),
            deliver: async (result) => {
              await deliver(result);
            },
          }),
        }
      : {}),
  });
  const ledgerApi = createLedgerApi({
    reader: runtime.ledger,
    chains: runtime.ledger,
    failures: runtime.ledger,
    // Page tokens only need to outlive this process unless a key is configured.
    pageTokenKey: options.env.RESPONDER_PAGE_TOKEN_KEY ?? randomBytes(32),
    onError: (error) => options.log.error('ledger query failed', { error: String(error) }),
  });
  const operatorApi = createOperatorApi(runtime.operator);

  const evidenceApi = createEvidenceApi({
    reader: runtime.ledger,
    chains: runtime.ledger,
    anchors: localAnchoring(runtime.stateDir).anchors,
    cadence: LOCAL_CHECKPOINT_CADENCE,
    onError: (error) => options.log.error('evidence failed', { error: String(error) }),
  });

  const route = async (request: HttpRequest): Promise<HttpResponse> => {
    if (request.path === '/healthz') return json(200, { status: 'ok', mode: runtime.mode });
    if (EVIDENCE_ROUTE.test(request.path) || request.path === REPORT_ROUTE) {
      return evidenceApi(request);
    }
    if (request.path.startsWith('/v1/ledger/')) return ledgerApi(request);
    if (ssf && isSsfPath(request.path)) return ssf.api(request);
    if (request.path === '/v1/incidents' || request.path.startsWith('/v1/incidents/')) {
      const answer = await operatorApi(
        request,
        request.headers['x-responder-operator'] ?? 'local-operator',
      );
      // An approval that ran actions, or a release, is something receivers should hear about.
      const decided = /^\/v1\/incidents\/([^/]+)\/(approve|release)$/.exec(request.path)?.[1];
      if (decided && answer.status === 200) await ssf?.transmit(decodeURIComponent(decided));
      return answer;
    }
    return intake(request);
  };

  const server: Server = createServer((req, res) => {
    readRequest(req)
      .then(route)
      .catch((error: unknown) => answerFailure(error, options.log))
      .then((response) => {
        res.writeHead(response.status, { ...response.headers, 'x-responder-mode': runtime.mode });
        res.end(response.body);
      });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  ssf = await startLocalTransmitter(runtime, { baseUrl: url, env: options.env, log: options.log });
  // The local stand-ins for the watch and expiry schedules (EventBridge Scheduler in AWS).
  const watch = startWatchTimer(
    () => runtime.watch(),
    runtime.watchIntervalMinutes * 60_000,
    options.log,
  );
  const sweep = expirySweep(runtime, options);
  return {
    url,
    receivesSets: transmitters.length > 0,
    close: async () => {
      clearInterval(sweep);
      await watch.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Closes approval requests nobody decided in time, every `RESPONDER_EXPIRY_SWEEP_SECONDS`
 * (default 60): the local twin of the scheduled `expire-approvals` function.
 */
function expirySweep(
  runtime: LocalRuntime,
  options: { env: NodeJS.ProcessEnv; log: Log },
): NodeJS.Timeout {
  const seconds = Number(options.env.RESPONDER_EXPIRY_SWEEP_SECONDS ?? 60);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError('RESPONDER_EXPIRY_SWEEP_SECONDS must be a positive number of seconds');
  }
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    expireApprovals(runtime.operator)
      .then((closed) => {
        if (closed.length > 0) options.log.info('approval requests expired', { closed });
      })
      .catch((error: unknown) => options.log.error('expiry sweep failed', { error: String(error) }))
      .finally(() => {
        running = false;
      });
  }, seconds * 1000);
  timer.unref();
  return timer;
}

/**
 * A delivery that did not finish: a duplicate still being handled (409) or a transient
 * containment failure, whose state is already in the ledger (503) are answered as such, with
 * Retry-After, so the sender redelivers; anything else is an internal error.
 */
function answerFailure(error: unknown, log: Log): HttpResponse {
  const retryLater = (status: number, body: Record<string, unknown>): HttpResponse => {
    const response = json(status, body);
    response.headers['retry-after'] = '1';
    return response;
  };
  if (error instanceof IdempotencyAlreadyInProgressError) {
    return retryLater(409, {
      error: 'in_progress',
      message: 'this detection is being handled by another delivery: send it again for its answer',
    });
  }
  if (error instanceof RetryableContainmentError) {
    log.warn('containment failed transiently', { incidentId: error.result.incidentId });
    return retryLater(503, { error: 'retry_later', message: error.message, result: error.result });
  }
  log.error('request failed', { error: String(error) });
  return json(500, { error: 'internal_error' });
}

async function readRequest(req: IncomingMessage): Promise<HttpRequest> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) break; // the API answers with its own size error
    chunks.push(chunk as Buffer);
  }
  const url = new URL(req.url ?? '/', 'http://localhost');
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  const headers: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.headers))
    headers[key] = Array.isArray(value) ? value.join(', ') : value;
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query,
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}
