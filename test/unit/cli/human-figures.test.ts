import { describe, expect, it } from 'vitest';
import { verdicts, verdictTable } from '../../../bench/lib/report.ts';
import { formatFigure, formatMs } from '../../../shared/adapters/human-figures.ts';

describe('figures a person reads', () => {
  it.each([
    // The time to contain an AWS containment printed before rounding.
    { ms: 13.868750000000546, shown: '13.9 ms' },
    { ms: 0.4237, shown: '0.42 ms' },
    { ms: 0.1 + 0.2, shown: '0.3 ms' },
    { ms: 1, shown: '1 ms' },
    { ms: 99.96, shown: '100 ms' },
    { ms: 220.41, shown: '220 ms' },
    { ms: 1234.5678, shown: '1235 ms' },
    { ms: 0, shown: '0 ms' },
  ])('shows $ms ms as $shown', ({ ms, shown }) => {
    expect(formatMs(ms)).toBe(shown);
  });

  it.each([
    { value: 1.4599999999999997, digits: 2, shown: '1.46' },
    { value: 0.9633333333, digits: 3, shown: '0.963' },
    { value: 1027.6611328125, digits: 0, shown: '1028' },
    { value: -0.0001, digits: 2, shown: '0' },
    { value: Number.NaN, digits: 2, shown: 'NaN' },
  ])('rounds $value to at most $digits decimals: $shown', ({ value, digits, shown }) => {
    expect(formatFigure(value, digits)).toBe(shown);
  });

  it('never prints floating-point noise in the benchmark table', () => {
    const table = verdictTable(
      verdicts({
        benchmark: 'revocation-responder',
        mode: 'simulated',
        quick: false,
        measuredAt: '2026-03-17T14:00:00.000Z',
        machine: { cpuModel: 'Test CPU', cores: 2, memoryGb: 8, node: 'v24.0.0' },
        loadAverage: { start: [1, 1, 1], end: [1, 1, 1] },
        groups: {},
        timeToContain: [
          {
            graphLatencyMs: 50,
            p50Ms: 73.14000000000001,
            p99Ms: 87.56999999999999,
            p50Ratio: 1.4628000000000001,
            p99Ratio: 1.7514,
          },
        ],
        cpuPerDetectionMs: 0.42370000000000002,
        ledger: { records: 10_000, writesPerSecond: 812.3456, queryP50Ms: 13.868750000000546 },
        memory: { respondPeakRssMb: 150.33203125, lost: 0 },
      }),
    );
    expect(table).toContain('| 1.46 (73.1 ms) |');
    expect(table).toContain('| 0.42 ms |');
    expect(table).toContain('| 812 records/s |');
    expect(table).toContain('| 13.9 ms |');
    expect(table).toContain('| 150 MB, 0 lost |');
    // No figure with more decimals than a person reads.
    expect(table).not.toMatch(/\d\.\d{4,}/);
  });
});
