import { describe, expect, it } from 'vitest';
import { percentile, round, slidingWindowCounts, spread } from '../../../bench/lib/stats.ts';

describe('benchmark statistics', () => {
  it('takes nearest-rank percentiles whatever the order of the samples', () => {
    const samples = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(percentile(samples, 50)).toBe(5);
    expect(percentile(samples, 90)).toBe(9);
    expect(percentile(samples, 99)).toBe(10);
    expect(percentile(samples, 0)).toBe(1);
    expect(percentile([], 50)).toBeNaN();
  });

  it('makes p99 of a hundred samples or fewer the slowest one', () => {
    const samples = Array.from({ length: 60 }, (_, i) => i + 1);
    expect(percentile(samples, 99)).toBe(60);
  });

  it('summarizes a spread with rounding', () => {
    expect(spread([1.234, 2.345, 3.456], 1)).toEqual({
      n: 3,
      p50: 2.3,
      p99: 3.5,
      min: 1.2,
      max: 3.5,
    });
    expect(round(2.005, 1)).toBe(2);
  });
});

describe('sliding quota windows', () => {
  it('counts the writes in each window that starts at a write and ends before demand ran out', () => {
    // Two bursts of three writes, 10 s apart, window 10 s; demand lasts until the last write.
    const at = [0, 100, 200, 10_000, 10_100, 10_200];
    expect(slidingWindowCounts(at, 10_000, 10_201)).toEqual([3, 3, 3]);
    expect(slidingWindowCounts(at, 10_000, 20_101)).toEqual([3, 3, 3, 3, 2]);
  });

  it('leaves out windows that would reach past the end of demand', () => {
    const at = [0, 1000, 2000, 3000];
    expect(slidingWindowCounts(at, 2000, 3001)).toEqual([2, 2]);
    expect(slidingWindowCounts(at, 5000, 3001)).toEqual([]);
  });

  it('does not depend on the order in which writes are reported', () => {
    expect(slidingWindowCounts([3000, 0, 2000, 1000], 2500, 10_000)).toEqual([3, 3, 2, 1]);
  });
});
