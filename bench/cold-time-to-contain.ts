import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RESPOND_HEAP_FLAGS, RESPOND_MEMORY_MB } from '../infra/constructs/containment.ts';
import { LEDGER_TABLE } from '../shared/adapters/dynamodb/ledger-table-definition.ts';
import { STATE_TABLE } from '../shared/adapters/dynamodb/state-table-definition.ts';
import { defaultOwnershipMap } from '../shared/config/load-ownership.ts';
import { startEmbeddedDynamoDb } from '../shared/local/embedded-dynamodb.ts';
import { startSimulatedSts } from '../shared/local/simulated-sts/server.ts';
import { DEFAULT_TICKET_SLA } from '../shared/use-cases/open-tickets.ts';
import { startAwsJsonDouble } from './lib/aws-json-double.ts';
import { type ColdRun, type ColdStages, type ColdTrace, coldStages } from './lib/cold-stages.ts';
import {
  benchPolicy,
  detectionEventText,
  exampleDetection,
  seedWithUsers,
  TRUSTED_SOURCE,
} from './lib/fixtures.ts';
import { bundleLikeCdk } from './lib/lambda-bundle.ts';
import { runStandalone } from './lib/standalone.ts';
import { median, percentile, round } from './lib/stats.ts';
import { startTenantProcess } from './lib/tenant-process.ts';

/**
 * Cold time to contain: a fresh Node process per repetition loads the respond handler bundled
 * as `cdk synth` bundles it, with the function's environment as the stack sets it (federated
 * Graph credential, the Okta secret ARN, tables, bus, NODE_OPTIONS with the heap flags), runs
 * its cold start (STS web identity token, Entra token endpoint, Okta secret) and then the first
 * detection through the real handler entry with an SQS event, until Graph acknowledges the
 * revoke. The same process then takes a few more detections: the warm figure on the same path.
 * Alone: `node bench/cold-time-to-contain.ts [--reps 10] [--latency 200]`.
 */

export interface ColdTimeToContainOptions {
  graphLatencyMs: number;
  /** Fresh processes measured (one more is run first and discarded: caches, the tenant's JWKS). */
  reps: number;
  /**
   * Detections after the first in each process: the warm samples. Each takes about 10 s of wall
   * clock: the critical policy's markCompromised waits for Identity Protection's pacing (after
   * the revoke, so the figures do not include it).
   */
  warmPerProcess: number;
  /** Latency of the STS, Secrets Manager and EventBridge doubles (a regional AWS API). */
  awsLatencyMs: number;
}

export interface ColdTimeToContainReport {
  graphLatencyMs: number;
  p50Ms: number;
  p99Ms: number;
  warmP50Ms: number;
  ratio: number;
  stagesP50Ms: ColdStages;
  reps: number;
  target: { ratio: number };
  met: boolean;
  measured: string;
  details: string[];
}

const TARGET_RATIO = 2.5;
const ROLE_ARN = 'arn:aws:iam::418295730164:role/RevocationResponder-RespondRole';
const OKTA_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:418295730164:secret:OktaCredentials';
const LEDGER = 'cold-ledger';
const STATE = 'cold-state';

/**
 * Runs inside each fresh process: notes when the configuration is first read and every HTTP
 * request (node:http diagnostics channels: the AWS SDK and the Graph adapter both use it), then
 * imports the bundle and calls its handler once per SQS body. Writes its trace to a file: the
 * function's own logs and metrics go to stdout.
 */
const LOADER = `import dc from 'node:diagnostics_channel';
import { readFileSync, writeFileSync } from 'node:fs';
const now = () => performance.timeOrigin + performance.now();
const [bundle, input, output] = process.argv.slice(2);
const trace = { started: now(), configRead: 0, imported: 0, requests: [], invocations: [] };
const open = new WeakMap();
dc.subscribe('http.client.request.start', ({ request }) => {
  const r = { host: String(request.getHeader('host') ?? request.host), method: request.method, path: request.path, start: now() };
  open.set(request, r);
  trace.requests.push(r);
});
dc.subscribe('http.client.response.finish', ({ request }) => {
  const r = open.get(request);
  if (r && r.end === undefined) r.end = now();
});
const env = { ...process.env };
process.env = new Proxy(env, {
  get(target, key) {
    if (key === 'LEDGER_TABLE_NAME' && !trace.configRead) trace.configRead = now();
    return target[key];
  },
});
const { bodies } = JSON.parse(readFileSync(input, 'utf8'));
const { handler } = await import(bundle);
trace.imported = now();
for (const [i, body] of bodies.entries()) {
  const context = {
    functionName: 'respond', functionVersion: '$LATEST', memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:418295730164:function:respond',
    awsRequestId: 'cold-' + i, logGroupName: '/aws/lambda/respond', logStreamName: 'cold',
    callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000,
  };
  const event = { Records: [{ messageId: 'm' + i, receiptHandle: 'r' + i, body, attributes: { ApproximateReceiveCount: '1' },
    messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:us-east-1:418295730164:respond', awsRegion: 'us-east-1' }] };
  const invokedAt = now();
  const answer = await handler(event, context);
  trace.invocations.push({ invokedAt, doneAt: now(), failures: answer?.batchItemFailures?.length ?? -1 });
}
writeFileSync(output, JSON.stringify(trace));
process.exit(0);
`;

function runProcess(
  loader: string,
  bundle: string,
  folder: string,
  n: number,
  bodies: string[],
  env: Record<string, string>,
): Promise<ColdTrace> {
  const input = join(folder, `input-${n}.json`);
  const output = join(folder, `trace-${n}.json`);
  writeFileSync(input, JSON.stringify({ bodies }));
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.timeOrigin + performance.now();
    const child = spawn(process.execPath, [loader, pathToFileURL(bundle).href, input, output], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`exited with ${code}: ${stderr}`);
        const trace = JSON.parse(readFileSync(output, 'utf8')) as Omit<ColdTrace, 'spawnedAt'>;
        const failed = trace.invocations.filter((i) => i.failures !== 0);
        if (failed.length > 0) throw new Error(`${failed.length} detections failed: ${stderr}`);
        resolve({ ...trace, spawnedAt });
      } catch (error) {
        reject(new Error(`cold respond process ${n}: ${(error as Error).message}`));
      }
    });
  });
}

export async function measureColdTimeToContain(
  options: ColdTimeToContainOptions,
): Promise<ColdTimeToContainReport> {
  const processes = options.reps + 1;
  const perProcess = 1 + options.warmPerProcess;
  const folder = mkdtempSync(join(tmpdir(), 'bench-cold-'));
  const xray = createSocket('udp4'); // the X-Ray daemon's port: segments are received and dropped
  const cleanups: (() => Promise<unknown> | unknown)[] = [
    () => rmSync(folder, { recursive: true, force: true }),
    () => new Promise((resolve) => xray.close(() => resolve(undefined))),
  ];
  try {
    await new Promise<void>((resolve) => xray.bind(0, '127.0.0.1', resolve));
    const sts = await startSimulatedSts({ roleArn: ROLE_ARN, latencyMs: options.awsLatencyMs });
    cleanups.push(() => sts.close());
    const aws = await startAwsJsonDouble({
      secrets: { [OKTA_SECRET_ARN]: JSON.stringify({ orgs: [] }) },
      latencyMs: options.awsLatencyMs,
    });
    cleanups.push(() => aws.close());
    const db = await startEmbeddedDynamoDb({
      tables: [
        { tableName: LEDGER, definition: LEDGER_TABLE },
        { tableName: STATE, definition: STATE_TABLE },
      ],
    });
    cleanups.push(() => db.close());
    const { seed, userIds } = seedWithUsers(processes * perProcess, { privileged: true });
    // The Entra app trusts the function's role through this account's STS issuer.
    const applications = (seed.applications ?? []).map((app) => ({
      ...app,
      federatedIdentityCredentials: [
        { issuer: sts.issuer, subject: ROLE_ARN, audiences: ['api://AzureADTokenExchange'] },
      ],
    }));
    const tenant = await startTenantProcess(
      { ...seed, applications },
      { latencyMs: options.graphLatencyMs },
    );
    cleanups.push(() => tenant.stop());
    const { served } = tenant;
    const caFile = join(folder, 'tenant-ca.pem');
    writeFileSync(caFile, served.ca);
    const bundle = join(folder, 'respond', 'index.mjs');
    await bundleLikeCdk('functions/respond/handler.ts', bundle);
    const loader = join(folder, 'loader.mjs');
    writeFileSync(loader, LOADER);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      // What Lambda sets
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'ASIALOCALBENCH',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SESSION_TOKEN: 'local',
      AWS_LAMBDA_FUNCTION_NAME: 'respond',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(RESPOND_MEMORY_MB),
      LAMBDA_TASK_ROOT: join(folder, 'respond'),
      _X_AMZN_TRACE_ID:
        'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
      AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(xray.address() as AddressInfo).port}`,
      AWS_EC2_METADATA_DISABLED: 'true',
      // What the stack sets (infra/constructs/responder-function.ts, containment.ts)
      NODE_OPTIONS: `--enable-source-maps ${RESPOND_HEAP_FLAGS}`,
      POWERTOOLS_SERVICE_NAME: 'revocation-responder',
      POWERTOOLS_METRICS_NAMESPACE: 'RevocationResponder',
      RESPONDER_EMBEDDED_CONFIG: JSON.stringify({
        ownership: defaultOwnershipMap,
        policy: benchPolicy(),
        ticketSla: DEFAULT_TICKET_SLA,
      }),
      GRAPH_CREDENTIAL: 'federated',
      ENTRA_CLIENT_ID: served.credentials.clientId,
      ENTRA_TENANT_IDS: served.tenantId,
      GRAPH_BASE_URL: served.graphBaseUrl,
      ENTRA_AUTHORITY_HOST: served.authorityHost,
      GRAPH_QUOTA_SHARE: '10',
      STATE_TABLE_NAME: STATE,
      LEDGER_TABLE_NAME: LEDGER,
      EVENT_BUS_NAME: 'revocation-responder',
      OKTA_SECRET_ARN,
      TRUSTED_EVENT_SOURCES: TRUSTED_SOURCE,
      // The doubles, where the SDK would reach AWS; the tenant's CA, which Graph's would not need
      AWS_ENDPOINT_URL_STS: sts.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.endpoint,
      AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
      NODE_EXTRA_CA_CERTS: caFile,
    };
    const template = exampleDetection('aitm-phished-admin');
    const stsHost = new URL(sts.endpoint).host;
    const runs: ColdRun[] = [];
    for (let p = 0; p < processes; p++) {
      const bodies = userIds
        .slice(p * perProcess, (p + 1) * perProcess)
        .map((userId, i) =>
          detectionEventText(template, { userId, severity: 'critical', n: p * perProcess + i }),
        );
      const trace = await runProcess(loader, bundle, folder, p, bodies, env);
      const run = coldStages(
        trace,
        (r) => r.host === stsHost,
        (r) => r.method === 'POST' && /\/oauth2\/v2\.0\/token$/.test(r.path),
      );
      if (p > 0) runs.push(run); // the first warms the tenant's issuer keys and the page cache
    }
    const totals = runs.map((r) => r.totalMs);
    const warm = runs.flatMap((r) => r.warmMs);
    const stageP50 = (key: keyof ColdStages) => round(median(runs.map((r) => r.stages[key])));
    const p50Ms = round(median(totals));
    const warmP50Ms = round(median(warm));
    const ratio = round(p50Ms / warmP50Ms);
    return {
      graphLatencyMs: options.graphLatencyMs,
      p50Ms,
      p99Ms: round(percentile(totals, 99)),
      warmP50Ms,
      ratio,
      stagesP50Ms: {
        runtimeStart: stageP50('runtimeStart'),
        moduleLoad: stageP50('moduleLoad'),
        configuration: stageP50('configuration'),
        credential: stageP50('credential'),
        token: stageP50('token'),
        initAfterToken: stageP50('initAfterToken'),
        revoke: stageP50('revoke'),
      },
      reps: runs.length,
      target: { ratio: TARGET_RATIO },
      met: ratio <= TARGET_RATIO,
      measured: `spawn of a fresh Node ${process.version} process -> the respond bundle (esbuild as cdk synth) imported with the stack's environment -> its cold start (STS web identity token, Entra token, Okta secret) -> the first detection through the handler (SQS event) -> Graph acknowledges the revoke; median of ${runs.length} processes after one discarded; warm: the next ${options.warmPerProcess === 1 ? 'detection' : `${options.warmPerProcess} detections`} in each process, handler called -> revoke acknowledged`,
      details: [
        `Graph and its token endpoint: the simulated tenant in its own process, ${options.graphLatencyMs} ms before each answer; the Entra app trusts the role's federated credential and verifies the assertion against the issuer's keys`,
        `doubles (HTTP, ${options.awsLatencyMs} ms before each answer): STS GetWebIdentityToken (shared/local/simulated-sts), Secrets Manager GetSecretValue for the Okta secret ({"orgs":[]}) and EventBridge PutEvents (bench/lib/aws-json-double.ts), reached through AWS_ENDPOINT_URL_* as the SDK would reach AWS; DynamoDB Local for idempotency, window and ledger; X-Ray segments go to a UDP socket that drops them`,
        `the function's environment as the stack sets it: GRAPH_CREDENTIAL=federated (the default), NODE_OPTIONS "--enable-source-maps ${RESPOND_HEAP_FLAGS}" read from infra/constructs/containment.ts, ${RESPOND_MEMORY_MB} MB; not a Lambda sandbox (no CPU share of 256 MB, no runtime API)`,
        'policy: the shipped default (no protected identities to resolve at cold start) with the blast radius raised; critical severity, the revoke leaves first',
        'stages: runtimeStart (spawn to the loader), moduleLoad (to the first read of the configuration), configuration (to the STS request), credential (STS), token (Entra token endpoint), initAfterToken (protected identities, Okta secret, clients), revoke (init over to the revoke acknowledged: idempotency claim, window, plan, revoke)',
      ],
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

if (import.meta.main) {
  await runStandalone((option) =>
    measureColdTimeToContain({
      graphLatencyMs: Number(option('latency', '200')),
      reps: Number(option('reps', '10')),
      warmPerProcess: Number(option('warm', '1')),
      awsLatencyMs: Number(option('aws-latency', '10')),
    }),
  );
}
