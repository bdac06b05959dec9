import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineLine, type Results, resultsSchema, verdicts, verdictTable } from './lib/report.ts';

/**
 * Writes docs/benchmarks.md from bench/results/latest.json, so the figures people read are the
 * figures measured. Never edited by hand; a unit test fails when the checked-in file is stale.
 * Run: `npm run docs:bench` (after `npm run bench`).
 */

const ROOT = join(import.meta.dirname, '..');
export const RESULTS_PATH = join(ROOT, 'bench/results/latest.json');
export const BENCHMARKS_DOC_PATH = join(ROOT, 'docs/benchmarks.md');

type Json = Record<string, unknown>;

/** The object at `key`, or an empty one: a missing detail leaves its lines out. */
function obj(value: unknown, key: string): Json {
  const found = (value as Json | undefined)?.[key];
  return typeof found === 'object' && found !== null ? (found as Json) : {};
}

function num(value: unknown, key: string): number | undefined {
  const found = (value as Json | undefined)?.[key];
  return typeof found === 'number' ? found : undefined;
}

function list(value: unknown, key: string): unknown[] {
  const found = (value as Json | undefined)?.[key];
  return Array.isArray(found) ? found : [];
}

/** Figures as people read them: thousands separated, at most `digits` decimals. */
function fmt(n: number | undefined, digits = 2): string {
  if (n === undefined) return 'n/a';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits });
}

const kb = (bytes: number | undefined) =>
  bytes === undefined ? 'n/a' : `${fmt(Math.round(bytes / 1024), 0)} KB`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
}

function bullets(items: readonly unknown[]): string[] {
  return items.filter((item): item is string => typeof item === 'string').map((n) => `- ${n}`);
}

function timeToContain(results: Results, details: Json): string[] {
  const points = results.timeToContain ?? [];
  if (points.length === 0) return [];
  const detail = obj(details, 'timeToContain');
  const row = (label: string, p: Json) => {
    const p50 = obj(p, 'stagesP50Ms');
    const bare = obj(p, 'bareRoundTripMs');
    return [
      `${label} @ ${num(p, 'graphLatencyMs')} ms`,
      `${fmt(num(p, 'p50Ms'), 1)} ms (${fmt(num(p, 'p50Ratio'))})`,
      `${fmt(num(p, 'p99Ms'), 1)} ms (${fmt(num(p, 'p99Ratio'))})`,
      `${fmt(num(p50, 'normalize'))} ms`,
      `${fmt(num(p50, 'idempotencyWindowAndPlan'))} ms`,
      `${fmt(num(p50, 'graphAdapter'), 1)} ms`,
      `${fmt(num(bare, 'p50'), 1)} ms`,
    ];
  };
  const rows = [
    ...points.map((p) => row('as deployed', p as Json)),
    ...list(detail, 'stateInMemory').map((p) => row('state in memory', p as Json)),
  ];
  const [fast] = points;
  const fastStages = obj(fast, 'stagesP50Ms');
  return [
    '## Time to contain',
    '',
    `Measured: ${String(detail.measured ?? 'n/a')}. Ratios are to the simulated Graph latency.`,
    '',
    ...table(
      [
        'run @ Graph latency',
        'p50 (ratio)',
        'p99 (ratio)',
        'normalize p50',
        'idempotency, window, plan p50',
        'Graph adapter p50',
        'bare round trip p50',
      ],
      rows,
    ),
    '',
    `Before the revoke leaves, the idempotency record and the blast-radius window cost ` +
      `${fmt(num(fastStages, 'idempotencyWindowAndPlan'), 1)} ms p50 on DynamoDB Local at ` +
      `${fast?.graphLatencyMs} ms Graph. Both checks make a redelivery or a burst safe, so they ` +
      'stay before the revoke; the "state in memory" rows show the same path without those round trips.',
    '',
    ...privilegeIsolated(points as Json[]),
    ...bullets(list(detail, 'notes')),
    '',
  ];
}

/** Privilege isolated (the last role removal acknowledged), where the run measured it. */
function privilegeIsolated(points: readonly Json[]): string[] {
  const rows = points
    .filter((p) => Object.keys(obj(p, 'privilegeIsolatedMs')).length > 0)
    .map((p) => {
      const ms = obj(p, 'privilegeIsolatedMs');
      const ratio = obj(p, 'privilegeIsolatedRatioToTwoRoundTrips');
      return [
        `${num(p, 'graphLatencyMs')} ms`,
        `${fmt(num(ms, 'p50'), 1)} ms (${fmt(num(ratio, 'p50'))})`,
        `${fmt(num(ms, 'p99'), 1)} ms (${fmt(num(ratio, 'p99'))})`,
      ];
    });
  if (rows.length === 0) return [];
  return [
    'Privilege isolated: the event in hand to the last role removal acknowledged, with the ratio',
    'to two bare round trips (list the roles, then remove them in parallel).',
    '',
    ...table(['Graph latency', 'p50 (ratio)', 'p99 (ratio)'], rows),
    '',
  ];
}

/** The first detection of a fresh process, stage by stage, against the warm path. */
function coldTimeToContain(results: Results, details: Json): string[] {
  const c = results.coldTimeToContain as Json | undefined;
  if (!c) return [];
  const stages = Object.entries(obj(c, 'stagesP50Ms')).map(([stage, ms]) => [
    stage,
    `${fmt(typeof ms === 'number' ? ms : undefined, 1)} ms`,
  ]);
  return [
    '## Cold time to contain',
    '',
    `At ${num(c, 'graphLatencyMs')} ms Graph latency: p50 ${fmt(num(c, 'p50Ms'), 1)} ms ` +
      `(p99 ${fmt(num(c, 'p99Ms'), 1)} ms, ${fmt(num(c, 'reps'), 0)} fresh processes) against ` +
      `${fmt(num(c, 'warmP50Ms'), 1)} ms warm: ${fmt(num(c, 'ratio'))}x. ` +
      `Measured: ${String(c.measured ?? 'n/a')}.`,
    '',
    ...table(['stage (p50)', 'time'], stages),
    '',
    ...bullets(list(details, 'coldTimeToContain')),
    '',
  ];
}

function cpu(results: Results, details: Json): string[] {
  if (results.cpuPerDetectionMs === undefined) return [];
  const detail = obj(details, 'cpuPerDetectionMs');
  const graph = obj(detail, 'withGraphAdapter');
  return [
    '## CPU per detection',
    '',
    `${fmt(results.cpuPerDetectionMs, 3)} ms. Measured: ${String(detail.measured ?? 'n/a')}.`,
    ...(num(graph, 'cpuPerDetectionMs') !== undefined
      ? [
          '',
          `With the real Graph adapter over HTTPS: ${fmt(num(graph, 'cpuPerDetectionMs'))} ms ` +
            `per detection (${fmt(num(graph, 'requestsPerDetection'), 0)} requests each).`,
        ]
      : []),
    '',
    ...bullets(list(detail, 'notes')),
    '',
  ];
}

function massIncident(results: Results, details: Json): string[] {
  const mass = results.massIncident as Json | undefined;
  if (!mass) return [];
  const perInstance = obj(details, 'massIncidentPerInstanceLimiters');
  const row = (p: Json) => [
    String(p.limiterScope ?? 'n/a'),
    fmt(num(p, 'quotaUtilization'), 3),
    `${fmt(num(p, 'achievedWritesPer150s'), 0)} of ${fmt(num(p, 'quotaWritesPer150s'), 0)}`,
    fmt(num(p, 'throttled429'), 0),
    fmt(num(p, 'lost'), 0),
    fmt(num(p, 'redeliveries'), 0),
    `${fmt(num(p, 'drainSeconds'), 1)} s`,
  ];
  return [
    '## Mass incident',
    '',
    `${fmt(num(mass, 'detections'), 0)} detections against one tenant, ` +
      `${fmt(num(mass, 'concurrency'), 0)} at a time. Policy: ${String(mass.policy ?? 'n/a')}.`,
    '',
    ...table(
      [
        'limiter',
        'quota utilization',
        'writes / 150 s',
        '429s',
        'lost',
        'redeliveries',
        'drained in',
      ],
      [row(mass), ...(Object.keys(perInstance).length > 0 ? [row(perInstance)] : [])],
    ),
    '',
    ...(Object.keys(perInstance).length > 0
      ? [
          'The `instance` row gives every worker its own full-quota limiter, as separate Lambda ' +
            'instances would have without pacing; the deployed respond function therefore paces ' +
            "each instance to its share of the quota (`GRAPH_QUOTA_SHARE` = the queue's `maxConcurrency`).",
          '',
        ]
      : []),
    ...bullets(Object.entries(obj(mass, 'scaling')).map(([key, v]) => `${key}: ${String(v)}`)),
    ...bullets(list(mass, 'notes')),
    '',
  ];
}

function bundle(results: Results): string[] {
  const b = results.bundle as Json | undefined;
  if (!b) return [];
  const sizes = Object.entries(obj(b, 'functionBytes')).map(([name, bytes]) => [
    name,
    kb(bytes as number),
  ]);
  const parts = Object.entries(obj(b, 'respondComposition')).map(([name, size]) => [
    `\`${name}\``,
    `${fmt(size as number, 1)} KB`,
  ]);
  return [
    '## Bundles and module load',
    '',
    `The respond function loads in ${fmt(num(b, 'initMs'), 1)} ms against ` +
      `${fmt(num(b, 'baselineInitMs'), 1)} ms for a bare DynamoDB client ` +
      `(${kb(num(b, 'baselineBytes'))}). Measured: ${String(b.measured ?? 'n/a')}.`,
    '',
    ...table(['function', 'bundle'], sizes),
    '',
    'The largest parts of the respond bundle:',
    '',
    ...table(['part', 'size'], parts),
    '',
    ...bullets(list(b, 'notes')),
    '',
  ];
}

function memory(results: Results): string[] {
  const m = results.memory as Json | undefined;
  if (!m) return [];
  const runs = list(m, 'responderProcessPerRun').map((r) => r as Json);
  const run = (label: string, r: Json) => [
    label,
    `${fmt(num(r, 'readyRssMb'), 1)} MB`,
    `${fmt(num(r, 'readyHeapMb'), 1)} MB`,
    `${fmt(num(r, 'peakRssMb'), 1)} MB`,
    `${fmt(num(r, 'peakHeapUsedMb'), 1)} MB`,
    `${fmt(num(r, 'liveHeapAfterRunMb'), 1)} MB`,
  ];
  const deployed =
    m.functionMemoryMb === undefined
      ? ''
      : ` (${num(m, 'functionMemoryMb')} MB function, \`${String(m.nodeOptions ?? '')}\`)`;
  return [
    '## Memory',
    '',
    `Peak RSS of the respond process${deployed}: ${fmt(num(m, 'respondPeakRssMb'), 1)} MB, ` +
      `${m.lost === undefined ? 'loss not measured' : `${fmt(num(m, 'lost'), 0)} detections lost`}. ` +
      `Measured: ${String(m.measured ?? 'n/a')}.`,
    '',
    ...table(
      ['run', 'RSS ready', 'heap ready', 'peak RSS', 'peak heap', 'heap after the run'],
      runs.map((r, i) => run(`${i + 1} (${String(r.heap ?? '')})`, r)),
    ),
    '',
    ...(runs.every(settled)
      ? [
          'In every run the heap after the run is within a quarter of the heap at start (no leak).',
          '',
        ]
      : []),
  ];
}

/** The live heap after the run came back to within 25% of the heap before the first detection. */
function settled(run: Json): boolean {
  const ready = num(run, 'readyHeapMb');
  const after = num(run, 'liveHeapAfterRunMb');
  return ready !== undefined && after !== undefined && after <= ready * 1.25;
}

function ledger(results: Results): string[] {
  const l = results.ledger as Json | undefined;
  if (!l) return [];
  const write = obj(l, 'write');
  const query = obj(l, 'query');
  const verify = obj(l, 'verify');
  const patterns = Object.entries(obj(query, 'patterns')).map(([name, p]) => [
    name,
    `${fmt(num(p, 'p50Ms'))} ms`,
    `${fmt(num(p, 'p95Ms'))} ms`,
    fmt(num(p, 'firstPageRecords'), 0),
  ]);
  return [
    '## Ledger',
    '',
    `On ${String(obj(l, 'environment').database ?? 'DynamoDB Local')}: ` +
      `${fmt(num(write, 'records'), 0)} records over ${fmt(num(write, 'incidents'), 0)} incidents ` +
      `with ${fmt(num(write, 'concurrentWriters'), 0)} writers at ` +
      `${fmt(num(write, 'recordsPerSecond'), 0)} records/s (append p50 ` +
      `${fmt(num(write, 'appendP50Ms'), 0)} ms, p99 ${fmt(num(write, 'appendP99Ms'), 0)} ms).`,
    '',
    `First page of ${fmt(num(query, 'pageSize'), 0)} records, ${fmt(num(query, 'runsPerPattern'), 0)} runs per access pattern:`,
    '',
    ...table(['access pattern', 'p50', 'p95', 'records on the first page'], patterns),
    '',
    `Auditor summary: ${fmt(num(obj(l, 'summary'), 'ms'), 0)} ms. Checkpoint: ` +
      `${fmt(num(obj(l, 'checkpoint'), 'ms'), 0)} ms. Verifying ${fmt(num(verify, 'records'), 0)} ` +
      `records: ${fmt(num(verify, 'seconds'))} s (${verify.intact === true ? 'intact' : 'NOT intact'}).`,
    '',
  ];
}

/** The whole document, exactly as checked in. */
export function benchmarksDoc(results: Results): string {
  const details = ((results as Json).details ?? {}) as Json;
  const groups = Object.entries(results.groups).map(([name, g]) => [
    name,
    g.measuredAt,
    `${fmt(g.seconds, 1)} s`,
    `${g.loadAverage.start[0]} → ${g.loadAverage.end[0]}`,
  ]);
  const lines = [
    '# Benchmarks',
    '',
    '<!-- Generated by `npm run docs:bench` (bench/write-benchmarks-doc.ts) from',
    '     bench/results/latest.json. Do not edit: a test fails when this file is stale. -->',
    '',
    '`npm run bench` measures every performance target on this machine against the simulated',
    'tenant (its own process) and DynamoDB Local, with warm-up and repetitions, prints the table',
    'below and writes the full figures, with the machine and the load average of each group, to',
    '`bench/results/latest.json`. `npm run docs:bench` then rewrites this page from that file.',
    '',
    ...table(
      ['command', 'what'],
      [
        ['`npm run bench`', 'every group'],
        [
          '`npm run -s bench -- --json`',
          "one JSON object on stdout (`-s` keeps npm's banner off stdout; progress goes to stderr)",
        ],
        [
          '`npm run bench -- --only ledger,cpu`',
          'some groups: `timeToContain` (`ttc`), `coldTimeToContain` (`cold`), `cpuPerDetectionMs` (`cpu`), `massIncident` (`mass`), `bundle`, `ledger`, `memory`',
        ],
        ['`npm run bench -- --quick`', 'fewer repetitions; writes nothing unless `--out <file>`'],
        ['`npm run docs:bench`', 'regenerate this page from `bench/results/latest.json`'],
      ],
    ),
    '',
    '## Latest run',
    '',
    `${machineLine(results.machine, results)}.`,
    '',
    ...table(['group', 'measured at', 'took', 'load average (1 min)'], groups),
    '',
    '## Figures against their targets',
    '',
    verdictTable(verdicts(results)),
    '',
    ...timeToContain(results, details),
    ...coldTimeToContain(results, details),
    ...cpu(results, details),
    ...massIncident(results, details),
    ...bundle(results),
    ...memory(results),
    ...ledger(results),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The checked-in results, validated. */
export function readResults(path: string = RESULTS_PATH): Results {
  const parsed = resultsSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} does not match the results schema`);
  return parsed.data;
}

if (import.meta.main) {
  writeFileSync(BENCHMARKS_DOC_PATH, benchmarksDoc(readResults()));
  process.stdout.write(`wrote ${BENCHMARKS_DOC_PATH}\n`);
}
