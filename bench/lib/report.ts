import * as z from 'zod/mini';
import { formatFigure, formatMs } from '../../shared/adapters/human-figures.ts';
import type { Machine } from './machine.ts';

/**
 * The benchmark's output: the groups the issues name (each with its documented fields),
 * the machine and load they were measured under, and a verdict per target. One schema, checked
 * when the previous results are read back and by the tests on the checked-in file.
 */

export const GROUPS = [
  'timeToContain',
  'coldTimeToContain',
  'cpuPerDetectionMs',
  'massIncident',
  'bundle',
  'ledger',
  'memory',
  'localCommands',
] as const;
export type Group = (typeof GROUPS)[number];

const ALIASES: Record<string, Group> = {
  ttc: 'timeToContain',
  cold: 'coldTimeToContain',
  cpu: 'cpuPerDetectionMs',
  mass: 'massIncident',
  'mass-incident': 'massIncident',
};

const figure = z.number();
const loadAverageSchema = z.object({ start: z.array(figure), end: z.array(figure) });

const timeToContainPoint = z.looseObject({
  graphLatencyMs: figure,
  p50Ms: figure,
  p99Ms: figure,
  p50Ratio: figure,
  p99Ratio: figure,
  privilegeIsolatedMs: z.optional(z.looseObject({ p50: figure })),
  privilegeIsolatedRatioToTwoRoundTrips: z.optional(z.looseObject({ p50: figure })),
});

export const resultsSchema = z.looseObject({
  benchmark: z.literal('revocation-responder'),
  mode: z.literal('simulated'),
  quick: z.boolean(),
  measuredAt: z.iso.datetime(),
  machine: z.looseObject({
    cpuModel: z.string(),
    cores: figure,
    memoryGb: figure,
    node: z.string(),
  }),
  loadAverage: loadAverageSchema,
  timeToContain: z.optional(z.array(timeToContainPoint)),
  coldTimeToContain: z.optional(
    z.looseObject({
      graphLatencyMs: figure,
      p50Ms: figure,
      warmP50Ms: figure,
      ratio: figure,
      stagesP50Ms: z.record(z.string(), figure),
    }),
  ),
  cpuPerDetectionMs: z.optional(figure),
  massIncident: z.optional(
    z.looseObject({
      detections: figure,
      quotaWritesPer150s: figure,
      achievedWritesPer150s: figure,
      quotaUtilization: figure,
      lost: figure,
      throttled429: figure,
    }),
  ),
  bundle: z.optional(
    z.looseObject({
      respondBytes: figure,
      initMs: figure,
      baselineInitMs: figure,
      initRatio: figure,
    }),
  ),
  ledger: z.optional(
    z.looseObject({ records: figure, writesPerSecond: figure, queryP50Ms: figure }),
  ),
  memory: z.optional(z.looseObject({ respondPeakRssMb: figure, lost: z.optional(figure) })),
  localCommands: z.optional(
    z.looseObject({ localFirstCommandMs: figure, localSecondCommandMs: figure }),
  ),
  /** When, under which load and how long each group was measured. */
  groups: z.record(
    z.string(),
    z.object({ measuredAt: z.iso.datetime(), loadAverage: loadAverageSchema, seconds: figure }),
  ),
});
export type Results = z.infer<typeof resultsSchema>;

export interface Verdict {
  figure: string;
  measured: string;
  target: string;
  met: boolean;
}

/** Issue 15: a fixed cost weighs more against a short round trip, so the targets are per latency. */
export const TIME_TO_CONTAIN_TARGETS: Record<number, { p50Ratio: number; p99Ratio: number }> = {
  50: { p50Ratio: 1.3, p99Ratio: 1.5 },
  200: { p50Ratio: 1.1, p99Ratio: 1.3 },
};

/** The targets at a latency: the nearest one measured above it, or the strictest. */
export function timeToContainTargets(latencyMs: number): { p50Ratio: number; p99Ratio: number } {
  const at = Object.keys(TIME_TO_CONTAIN_TARGETS)
    .map(Number)
    .sort((a, b) => a - b)
    .find((latency) => latency >= latencyMs);
  return TIME_TO_CONTAIN_TARGETS[at ?? 200] ?? { p50Ratio: 1.1, p99Ratio: 1.3 };
}

/** One line per target, for every group present. */
export function verdicts(results: Results): Verdict[] {
  const out: Verdict[] = [];
  for (const point of results.timeToContain ?? []) {
    const at = `time to contain @ ${point.graphLatencyMs} ms Graph`;
    const target = timeToContainTargets(point.graphLatencyMs);
    out.push({
      figure: `${at}, p50 ratio`,
      measured: `${formatFigure(point.p50Ratio, 2)} (${formatMs(point.p50Ms)})`,
      target: `<= ${target.p50Ratio}`,
      met: point.p50Ratio <= target.p50Ratio,
    });
    out.push({
      figure: `${at}, p99 ratio`,
      measured: `${formatFigure(point.p99Ratio, 2)} (${formatMs(point.p99Ms)})`,
      target: `<= ${target.p99Ratio}`,
      met: point.p99Ratio <= target.p99Ratio,
    });
    const isolated = point.privilegeIsolatedRatioToTwoRoundTrips;
    if (isolated && point.privilegeIsolatedMs && point.graphLatencyMs === 200) {
      out.push({
        figure: `privilege isolated @ ${point.graphLatencyMs} ms Graph, p50 ratio to two round trips`,
        measured: `${formatFigure(isolated.p50, 2)} (${formatMs(point.privilegeIsolatedMs.p50)})`,
        target: '<= 1.1',
        met: isolated.p50 <= 1.1,
      });
    }
  }
  const cold = results.coldTimeToContain;
  if (cold) {
    out.push({
      figure: `cold time to contain @ ${cold.graphLatencyMs} ms Graph, ratio to warm p50`,
      measured: `${formatFigure(cold.ratio, 2)} (${formatMs(cold.p50Ms)} vs ${formatMs(cold.warmP50Ms)})`,
      target: '<= 2.5',
      met: cold.ratio <= 2.5,
    });
  }
  if (results.cpuPerDetectionMs !== undefined) {
    out.push({
      figure: 'responder CPU per detection',
      measured: formatMs(results.cpuPerDetectionMs),
      target: '< 5 ms',
      met: results.cpuPerDetectionMs < 5,
    });
  }
  const mass = results.massIncident;
  if (mass) {
    out.push({
      figure: `mass incident (${mass.detections}), quota utilization`,
      measured: `${formatFigure(mass.quotaUtilization, 3)} (${mass.achievedWritesPer150s} of ${mass.quotaWritesPer150s} writes / 150 s)`,
      target: '>= 0.9',
      met: mass.quotaUtilization >= 0.9,
    });
    out.push({
      figure: 'mass incident, lost detections',
      measured: String(mass.lost),
      target: '0',
      met: mass.lost === 0,
    });
    const few = Math.floor(mass.detections / 100);
    out.push({
      figure: 'mass incident, 429s answered',
      measured: String(mass.throttled429),
      target: `few (<= ${few})`,
      met: mass.throttled429 <= few,
    });
  }
  const bundle = results.bundle;
  if (bundle) {
    out.push({
      figure: 'respond bundle size',
      measured: `${formatFigure(bundle.respondBytes / 1024, 0)} KB`,
      target: '< 800 KB',
      met: bundle.respondBytes < 800 * 1024,
    });
    out.push({
      figure: 'respond module load vs bare DynamoDB client',
      measured: `${formatFigure(bundle.initRatio, 2)} (${formatMs(bundle.initMs)} vs ${formatMs(bundle.baselineInitMs)})`,
      target: '< 1.5',
      met: bundle.initRatio < 1.5,
    });
  }
  if (results.ledger) {
    out.push({
      figure: `ledger writes on DynamoDB Local (${results.ledger.records} records)`,
      measured: `${formatFigure(results.ledger.writesPerSecond, 0)} records/s`,
      target: 'figure only',
      met: true,
    });
    out.push({
      figure: 'ledger query, first page p50',
      measured: formatMs(results.ledger.queryP50Ms),
      target: 'figure only',
      met: true,
    });
  }
  if (results.localCommands) {
    out.push({
      figure: 'local CLI command, first on a state folder (starts DynamoDB Local)',
      measured: formatMs(results.localCommands.localFirstCommandMs),
      target: 'figure only',
      met: true,
    });
    out.push({
      figure: 'local CLI command right after it (joins DynamoDB Local)',
      measured: formatMs(results.localCommands.localSecondCommandMs),
      target: '< 2 s',
      met: results.localCommands.localSecondCommandMs < 2000,
    });
  }
  if (results.memory) {
    out.push({
      figure: 'respond peak RSS during the mass incident (256 MB function, its heap flags)',
      measured: `${formatFigure(results.memory.respondPeakRssMb, 0)} MB, ${results.memory.lost ?? '?'} lost`,
      target: '< 200 MB, 0 lost',
      met: results.memory.respondPeakRssMb < 200 && results.memory.lost === 0,
    });
  }
  return out;
}

/** The verdicts as a Markdown table (readable in a terminal too). */
export function verdictTable(rows: readonly Verdict[]): string {
  const lines = [
    '| figure | measured | target | met |',
    '|---|---|---|---|',
    ...rows.map(
      (r) => `| ${r.figure} | ${r.measured} | ${r.target} | ${r.met ? 'yes' : '**no**'} |`,
    ),
  ];
  return lines.join('\n');
}

export function machineLine(machine: Machine | Results['machine'], results: Results): string {
  const [start] = results.loadAverage.start;
  const [end] = results.loadAverage.end;
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGb} GB, Node ${machine.node}; load average (1 min) ${start} at start, ${end} at end; ${results.measuredAt}${results.quick ? ' (quick mode: fewer repetitions)' : ''}`;
}

/**
 * The previous results with this run's groups put in their place: a run of some groups keeps
 * the figures of the others (and says when each was measured).
 */
export function mergeResults(previous: Results | undefined, current: Results): Results {
  if (!previous) return current;
  const merged: Results = {
    ...previous,
    ...current,
    groups: { ...previous.groups, ...current.groups },
  };
  for (const group of GROUPS) {
    if (current[group] === undefined && previous[group] !== undefined) {
      Object.assign(merged, { [group]: previous[group] });
    }
  }
  return merged;
}

export interface BenchArgs {
  json: boolean;
  quick: boolean;
  groups: Group[];
  /** Where the results go; undefined: nowhere (quick runs do not replace the checked-in file). */
  out: string | undefined;
}

export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** `[--json] [--quick] [--only g1,g2] [--out path]`. */
export function parseBenchArgs(argv: readonly string[], defaultOut: string): BenchArgs {
  const known = new Set(['--json', '--quick', '--only', '--out']);
  let groups: Group[] = [...GROUPS];
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!known.has(arg)) throw new BenchUsageError(`unknown option ${arg}`);
    if (arg === '--only' || arg === '--out') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) {
        throw new BenchUsageError(`${arg} needs a value`);
      }
      i++;
      if (arg === '--out') out = value;
      else {
        groups = value.split(',').map((name) => {
          const group = ALIASES[name] ?? GROUPS.find((g) => g === name);
          if (!group) {
            throw new BenchUsageError(
              `unknown group '${name}' (groups: ${GROUPS.join(', ')}; aliases: ${Object.keys(ALIASES).join(', ')})`,
            );
          }
          return group;
        });
      }
    }
  }
  const quick = argv.includes('--quick');
  return {
    json: argv.includes('--json'),
    quick,
    groups,
    out: out ?? (quick ? undefined : defaultOut),
  };
}
