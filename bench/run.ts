import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RESPOND_HEAP_FLAGS, RESPOND_MEMORY_MB } from '../infra/constructs/containment.ts';
import { measureBundle } from './bundle.ts';
import { measureColdTimeToContain } from './cold-time-to-contain.ts';
import { measureCpuPerDetection } from './cpu.ts';
import { measureLedger } from './ledger.ts';
import { ROOT } from './lib/fixtures.ts';
import { describeMachine, loadAverage } from './lib/machine.ts';
import {
  BenchUsageError,
  GROUPS,
  type Group,
  machineLine,
  mergeResults,
  parseBenchArgs,
  type Results,
  resultsSchema,
  verdicts,
  verdictTable,
} from './lib/report.ts';
import { median, spread } from './lib/stats.ts';
import { measureLocalCommands } from './local-commands.ts';
import { type MassIncidentOptions, measureMassIncident } from './mass-incident.ts';
import { measureTimeToContain } from './time-to-contain.ts';

/**
 * `npm run bench`: every benchmark group on this machine, each with warm-up and repetitions,
 * against the simulated tenant (its own process) and DynamoDB Local. Prints a table of every
 * figure against its target, writes the full figures to bench/results/latest.json, and with
 * `--json` prints exactly one JSON object on stdout instead (progress goes to stderr).
 * `--only ledger,cpu` runs some groups (the file keeps the others' last figures); `--quick` runs
 * fewer repetitions for a CI smoke test and writes nothing unless `--out` says where.
 */

const DEFAULT_OUT = join(ROOT, 'bench/results/latest.json');

function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

function readPrevious(path: string): Results | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = resultsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    progress(`ignoring ${path}: it does not match the results schema`);
    return undefined;
  }
  return parsed.data;
}

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), DEFAULT_OUT);
  const quick = args.quick;
  const wanted = new Set<Group>(args.groups);
  const results: Results = {
    benchmark: 'revocation-responder',
    mode: 'simulated',
    quick,
    measuredAt: new Date().toISOString(),
    machine: { ...describeMachine() },
    loadAverage: { start: loadAverage(), end: [] },
    groups: {},
  };
  const details: Record<string, unknown> = {};

  const timed = async <T>(group: string, run: () => Promise<T>): Promise<T> => {
    progress(`${group}...`);
    const measuredAt = new Date().toISOString();
    const start = loadAverage();
    const started = performance.now();
    const value = await run();
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    results.groups[group] = { measuredAt, loadAverage: { start, end: loadAverage() }, seconds };
    progress(`${group} done in ${seconds} s`);
    return value;
  };

  if (wanted.has('timeToContain')) {
    const report = await timed('timeToContain', () =>
      measureTimeToContain({
        latencies: [50, 200],
        reps: quick ? 10 : 60,
        warmup: quick ? 3 : 10,
        inMemoryVariant: !quick,
      }),
    );
    const { points, ...rest } = report;
    results.timeToContain = points.map((point) => ({ ...point }));
    details.timeToContain = rest;
  }

  if (wanted.has('coldTimeToContain')) {
    const { details: notes, ...report } = await timed('coldTimeToContain', () =>
      measureColdTimeToContain({
        graphLatencyMs: 200,
        reps: quick ? 3 : 10,
        warmPerProcess: 1,
        awsLatencyMs: 10,
      }),
    );
    results.coldTimeToContain = { ...report, stagesP50Ms: { ...report.stagesP50Ms } };
    details.coldTimeToContain = notes;
  }

  if (wanted.has('cpuPerDetectionMs')) {
    const report = await timed('cpuPerDetectionMs', () =>
      measureCpuPerDetection({
        detections: quick ? 200 : 1000,
        rounds: quick ? 3 : 5,
        graphDetections: quick ? 30 : 200,
      }),
    );
    results.cpuPerDetectionMs = report.cpuPerDetectionMs;
    details.cpuPerDetectionMs = report;
  }

  const massBase: MassIncidentOptions = {
    detections: quick ? 400 : 1000,
    concurrency: 10,
    scale: 10,
    latencyMs: 50,
    limiterScope: 'process',
    state: 'memory',
  };

  if (wanted.has('massIncident')) {
    results.massIncident = {
      ...(await timed('massIncident', () => measureMassIncident(massBase))),
    };
    if (!quick) {
      // As deployed, each of the 10 concurrent Lambda instances has its own limiter.
      details.massIncidentPerInstanceLimiters = await timed('massIncidentPerInstanceLimiters', () =>
        measureMassIncident({ ...massBase, limiterScope: 'instance' }),
      );
    }
  }

  if (wanted.has('memory')) {
    // The respond path as deployed: a 256 MB function with the V8 heap flags the stack sets,
    // idempotency, window and ledger through the AWS SDK (to DynamoDB Local). Peak RSS moves
    // with GC timing from run to run: the median of several.
    const options: MassIncidentOptions = {
      ...massBase,
      state: 'dynamodb',
      heapFlags: RESPOND_HEAP_FLAGS,
    };
    const runs = [];
    for (let i = 1; i <= (quick ? 1 : 3); i++) {
      runs.push(await timed(`memoryRun${i}`, () => measureMassIncident(options)));
    }
    const peaks = runs.map((run) => run.respondPeakRssMb);
    const respondPeakRssMb = median(peaks);
    const lost = Math.max(...runs.map((run) => run.lost));
    results.memory = {
      respondPeakRssMb,
      lost,
      functionMemoryMb: RESPOND_MEMORY_MB,
      nodeOptions: `--enable-source-maps ${RESPOND_HEAP_FLAGS}`,
      target: 200,
      met: respondPeakRssMb < 200 && lost === 0,
      peakRssMb: spread(peaks, 1),
      contained: runs.map((run) => run.contained),
      measured: `process.resourceUsage().maxRSS of the responder process (bundled like the Lambda, run with the respond function's NODE_OPTIONS from infra/constructs/containment.ts; idempotency, window and ledger on DynamoDB Local) through the ${options.detections}-detection mass incident, median of ${runs.length} runs; lost is the worst run; the simulated tenant and DynamoDB Local run in other processes`,
      responderProcessPerRun: runs.map((run) => run.responderProcess),
    };
  }

  if (wanted.has('bundle')) {
    const report = await timed('bundle', () => measureBundle({ loads: quick ? 10 : 15 }));
    results.bundle = { ...report };
  }

  if (wanted.has('ledger')) {
    const report = await timed('ledger', () =>
      measureLedger({ records: quick ? 2000 : 10_000, writers: 16 }),
    );
    results.ledger = report;
  }

  if (wanted.has('localCommands')) {
    const report = await timed('localCommands', () =>
      measureLocalCommands({ reps: quick ? 3 : 7 }),
    );
    results.localCommands = report;
  }

  results.loadAverage.end = loadAverage();
  const output = { ...results, verdicts: verdicts(results), details };

  if (args.out) {
    const path = resolve(args.out);
    // A run of every group replaces the file; a run of some merges into it.
    const partial = args.groups.length < GROUPS.length;
    const merged = partial ? mergeResults(readPrevious(path), results) : results;
    const previousDetails = partial
      ? (merged.details as Record<string, unknown> | undefined)
      : undefined;
    const file = {
      ...merged,
      verdicts: verdicts(merged),
      details: { ...previousDetails, ...details },
    };
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`);
    progress(`figures written to ${path}`);
  }

  if (args.json) {
    process.stdout.write(`${JSON.stringify(output)}\n`);
    return;
  }
  process.stdout.write(
    `\n${machineLine(results.machine, results)}\nmode: simulated (simulated tenant, DynamoDB Local)\n\n${verdictTable(output.verdicts)}\n`,
  );
}

try {
  await main();
} catch (error) {
  if (error instanceof BenchUsageError) {
    process.stderr.write(
      `bench: ${error.message}\nusage: npm run bench -- [--json] [--quick] [--only group[,group]] [--out path]\n`,
    );
    process.exit(2);
  }
  throw error;
}
