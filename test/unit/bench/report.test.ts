import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  BenchUsageError,
  GROUPS,
  mergeResults,
  parseBenchArgs,
  type Results,
  resultsSchema,
  verdicts,
  verdictTable,
} from '../../../bench/lib/report.ts';

const machine = { cpuModel: 'Test CPU', cores: 2, memoryGb: 8, node: 'v24.0.0' };
const load = { start: [1, 1, 1], end: [1, 1, 1] };

function results(overrides: Partial<Results> = {}): Results {
  return {
    benchmark: 'revocation-responder',
    mode: 'simulated',
    quick: false,
    measuredAt: '2026-03-17T14:00:00.000Z',
    machine,
    loadAverage: load,
    groups: {},
    ...overrides,
  };
}

describe('benchmark arguments', () => {
  it('runs every group and writes the results file by default', () => {
    expect(parseBenchArgs([], '/out.json')).toEqual({
      json: false,
      quick: false,
      groups: [...GROUPS],
      out: '/out.json',
    });
  });

  it('runs the named groups, by name or alias', () => {
    expect(parseBenchArgs(['--only', 'ledger,ttc', '--json'], '/o').groups).toEqual([
      'ledger',
      'timeToContain',
    ]);
  });

  it('writes nothing in quick mode unless told where', () => {
    expect(parseBenchArgs(['--quick'], '/o').out).toBeUndefined();
    expect(parseBenchArgs(['--quick', '--out', '/tmp/q.json'], '/o').out).toBe('/tmp/q.json');
  });

  it('refuses an unknown group or option, naming it', () => {
    expect(() => parseBenchArgs(['--only', 'speed'], '/o')).toThrow(/unknown group 'speed'/);
    expect(() => parseBenchArgs(['--fast'], '/o')).toThrow(BenchUsageError);
    expect(() => parseBenchArgs(['--only'], '/o')).toThrow(/--only needs a value/);
  });
});

describe('verdicts against the targets', () => {
  it('flags every missed target and passes the met ones', () => {
    const rows = verdicts(
      results({
        timeToContain: [
          { graphLatencyMs: 50, p50Ms: 70, p99Ms: 80, p50Ratio: 1.4, p99Ratio: 1.6 },
          {
            graphLatencyMs: 200,
            p50Ms: 210,
            p99Ms: 230,
            p50Ratio: 1.05,
            p99Ratio: 1.15,
            privilegeIsolatedMs: { p50: 560 },
            privilegeIsolatedRatioToTwoRoundTrips: { p50: 1.38 },
          },
        ],
        coldTimeToContain: {
          graphLatencyMs: 200,
          p50Ms: 780,
          warmP50Ms: 260,
          ratio: 3,
          stagesP50Ms: { moduleLoad: 120, token: 210, revoke: 260 },
        },
        cpuPerDetectionMs: 0.8,
        massIncident: {
          detections: 1000,
          quotaWritesPer150s: 3000,
          achievedWritesPer150s: 2890,
          quotaUtilization: 0.963,
          lost: 1,
          throttled429: 30,
        },
        bundle: { respondBytes: 1_052_325, initMs: 130, baselineInitMs: 40, initRatio: 3.25 },
        memory: { respondPeakRssMb: 150, lost: 0 },
      }),
    );
    const missed = rows.filter((r) => !r.met).map((r) => r.figure);
    expect(missed).toEqual([
      'time to contain @ 50 ms Graph, p50 ratio',
      'time to contain @ 50 ms Graph, p99 ratio',
      'privilege isolated @ 200 ms Graph, p50 ratio to two round trips',
      'cold time to contain @ 200 ms Graph, ratio to warm p50',
      'mass incident, lost detections',
      'mass incident, 429s answered',
      'respond bundle size',
      'respond module load vs bare DynamoDB client',
    ]);
    expect(rows.find((r) => r.figure === 'responder CPU per detection')?.met).toBe(true);
    expect(verdictTable(rows)).toContain('| respond bundle size | 1028 KB | < 800 KB | **no** |');
  });

  it.each([
    { case: 'under 200 MB, nothing lost', memory: { respondPeakRssMb: 186, lost: 0 }, met: true },
    { case: 'under 200 MB, one lost', memory: { respondPeakRssMb: 186, lost: 1 }, met: false },
    { case: 'over 200 MB', memory: { respondPeakRssMb: 210, lost: 0 }, met: false },
    { case: 'lost not measured', memory: { respondPeakRssMb: 150 }, met: false },
  ])('judges the respond footprint on peak RSS and loss together ($case)', ({ memory, met }) => {
    const row = verdicts(results({ memory })).find((r) => r.figure.startsWith('respond peak RSS'));
    expect(row?.met).toBe(met);
  });
});

describe('merging a partial run into the previous results', () => {
  it('keeps the groups it did not run, with when they were measured', () => {
    const previous = results({
      cpuPerDetectionMs: 0.9,
      ledger: { records: 10_000, writesPerSecond: 300, queryP50Ms: 4 },
      groups: {
        cpuPerDetectionMs: {
          measuredAt: '2026-03-16T10:00:00.000Z',
          loadAverage: load,
          seconds: 9,
        },
        ledger: { measuredAt: '2026-03-16T10:01:00.000Z', loadAverage: load, seconds: 30 },
      },
    });
    const current = results({
      measuredAt: '2026-03-17T15:00:00.000Z',
      ledger: { records: 10_000, writesPerSecond: 420, queryP50Ms: 3.5 },
      groups: {
        ledger: { measuredAt: '2026-03-17T15:00:00.000Z', loadAverage: load, seconds: 28 },
        ledgerExtra: { measuredAt: '2026-03-17T15:01:00.000Z', loadAverage: load, seconds: 2 },
      },
    });
    const merged = mergeResults(previous, current);
    expect(merged.cpuPerDetectionMs).toBe(0.9);
    expect(merged.ledger?.writesPerSecond).toBe(420);
    expect(merged.groups.cpuPerDetectionMs?.measuredAt).toBe('2026-03-16T10:00:00.000Z');
    expect(merged.groups.ledger?.measuredAt).toBe('2026-03-17T15:00:00.000Z');
    expect(merged.groups.ledgerExtra?.seconds).toBe(2);
    expect(merged.measuredAt).toBe('2026-03-17T15:00:00.000Z');
  });
});

describe('the checked-in results', () => {
  it('hold every group with its documented figures, and the machine they ran on', () => {
    const file = JSON.parse(readFileSync('bench/results/latest.json', 'utf8')) as unknown;
    const parsed = resultsSchema.safeParse(file);
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    if (!parsed.success) return;
    for (const group of GROUPS) expect(parsed.data[group], group).toBeDefined();
    expect(parsed.data.quick).toBe(false);
    expect(parsed.data.timeToContain?.map((p) => p.graphLatencyMs)).toEqual([50, 200]);
    expect(parsed.data.massIncident?.detections).toBe(1000);
  });
});
