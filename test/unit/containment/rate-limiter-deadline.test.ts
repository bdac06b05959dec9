import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  DeadlineReachedError,
  GraphRateLimiter,
} from '../../../shared/adapters/graph/rate-limiter.ts';

describe('a limiter wait bounded by the caller deadline', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2026-03-17T12:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('leaves the queue at the deadline instead of waiting for a slot past it', async () => {
    const limiter = new GraphRateLimiter({ writesPerWindow: 1, windowSeconds: 60 }, Date.now);
    expect(limiter.acquireWrite('t')).toBeUndefined();
    const waiting = limiter.acquireWrite('t', undefined, 1_000);
    const settled = waiting?.then(
      () => 'granted',
      (error: unknown) => error,
    );
    expect(limiter.queuedWrites('t')).toBe(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(limiter.queuedWrites('t')).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settled).toBeInstanceOf(DeadlineReachedError);
    expect(limiter.queuedWrites('t')).toBe(0);
  });

  it('grants a slot that frees before the deadline', async () => {
    const limiter = new GraphRateLimiter({ writesPerWindow: 1, windowSeconds: 1 }, Date.now);
    expect(limiter.acquireWrite('t')).toBeUndefined();
    const settled = limiter.acquireWrite('t', undefined, 5_000)?.then(() => 'granted');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await settled).toBe('granted');
  });

  it('refuses at once when no time is left', async () => {
    const limiter = new GraphRateLimiter({ writesPerWindow: 1, windowSeconds: 60 }, Date.now);
    expect(limiter.acquireWrite('t')).toBeUndefined();
    await expect(limiter.acquireWrite('t', undefined, 0)).rejects.toBeInstanceOf(
      DeadlineReachedError,
    );
  });
});
