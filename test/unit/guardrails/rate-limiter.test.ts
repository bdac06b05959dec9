import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../shared/adapters/graph/errors.ts';
import { GraphRateLimiter } from '../../../shared/adapters/graph/rate-limiter.ts';

describe('GraphRateLimiter', () => {
  it('grants writes at once while the tenant is under its quota', () => {
    let now = 1_000_000;
    const limiter = new GraphRateLimiter({ writesPerWindow: 3, windowSeconds: 10 }, () => now);
    expect(limiter.acquireWrite('t1')).toBeUndefined();
    expect(limiter.acquireWrite('t1')).toBeUndefined();
    expect(limiter.acquireWrite('t1')).toBeUndefined();
    now += 1;
    const fourth = limiter.acquireWrite('t1');
    expect(fourth).toBeInstanceOf(Promise);
    expect(limiter.queuedWrites('t1')).toBe(1);
    // another tenant has its own quota
    expect(limiter.acquireWrite('t2')).toBeUndefined();
  });

  it('releases queued writes in arrival order as the window slides', async () => {
    let now = 0;
    const limiter = new GraphRateLimiter({ writesPerWindow: 1, windowSeconds: 0.02 }, () => now);
    const order: number[] = [];
    expect(limiter.acquireWrite('t')).toBeUndefined();
    const waiting = [1, 2, 3].map((n) => limiter.acquireWrite('t')?.then(() => order.push(n)));
    // the window is measured with the injected clock: move it on as timers fire
    const tick = setInterval(() => {
      now += 25;
    }, 5);
    await Promise.all(waiting);
    clearInterval(tick);
    expect(order).toEqual([1, 2, 3]);
  });

  it('holds every write of a tenant while Graph asked to wait', () => {
    const now = 5_000;
    const limiter = new GraphRateLimiter({}, () => now);
    limiter.pauseWrites('t', now + 2_000);
    expect(limiter.acquireWrite('t')).toBeInstanceOf(Promise);
    expect(limiter.acquireWrite('other')).toBeUndefined();
  });

  it('spaces Identity Protection calls per tenant', () => {
    const now = 0;
    const limiter = new GraphRateLimiter({ identityProtectionIntervalMs: 1_000 }, () => now);
    expect(limiter.acquireIdentityProtection('t')).toBeUndefined();
    expect(limiter.acquireIdentityProtection('t')).toBeInstanceOf(Promise);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-15T10:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfter('7', now)).toBe(7_000);
  });
  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Thu, 15 Jan 2026 10:00:03 GMT', now)).toBe(3_000);
  });
  it('treats a date in the past as no wait, and nonsense as absent', () => {
    expect(parseRetryAfter('Thu, 15 Jan 2026 09:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
