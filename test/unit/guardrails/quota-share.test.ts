import { describe, expect, it } from 'vitest';
import { limitsForShare } from '../../../shared/adapters/graph/rate-limiter.ts';

describe('Graph quota share', () => {
  it('gives each of N concurrent instances an Nth of the write quota, so together they stay under it', () => {
    const one = limitsForShare(1);
    const tenth = limitsForShare(10);
    expect(tenth.writesPerWindow).toBe(Math.floor((one.writesPerWindow ?? 0) / 10));
    expect((tenth.writesPerWindow ?? 0) * 10).toBeLessThanOrEqual(3000);
    expect(tenth.identityProtectionIntervalMs).toBe((one.identityProtectionIntervalMs ?? 0) * 10);
  });

  it('never paces to zero', () => {
    expect(limitsForShare(100_000).writesPerWindow).toBe(1);
  });
});
