/**
 * Client-side pacing of Graph writes, per tenant, shared by every containment in the process:
 * a mass incident queues here instead of provoking a storm of 429s. Sized to Graph's documented
 * quotas, configurable for tests and benchmarks.
 */

export interface GraphLimits {
  /** Writes (POST/PATCH/DELETE) per window per tenant. Graph allows 3,000 per 150 s per app. */
  writesPerWindow: number;
  windowSeconds: number;
  /** Minimum spacing of Identity Protection calls per tenant. Graph allows 1 request/s. */
  identityProtectionIntervalMs: number;
}

/** ~97% of the write quota and a margin on the 1/s limit: arrival jitter must not cross it. */
const DEFAULT_GRAPH_LIMITS: GraphLimits = {
  writesPerWindow: 2900,
  windowSeconds: 150,
  identityProtectionIntervalMs: 1100,
};

type Now = () => number;

/** Graph asked the lane to wait longer than the caller will: it is refused a slot at once. */
export class LanePausedError extends Error {
  override readonly name = 'LanePausedError';
  readonly pausedForMs: number;

  constructor(pausedForMs: number) {
    super(`Graph asked to wait ${Math.ceil(pausedForMs / 1000)} s`);
    this.pausedForMs = pausedForMs;
  }
}

/** The caller's deadline came before a slot did: it was taken out of the queue. */
export class DeadlineReachedError extends Error {
  override readonly name = 'DeadlineReachedError';
}

interface Waiter {
  grant: () => void;
  refuse: (error: Error) => void;
  maxPauseMs: number;
  expiry?: NodeJS.Timeout;
}

/** At most `limit` grants in any `windowMs`, granted in FIFO order, one timer for all waiters. */
class SlidingWindowLane {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: Now;
  readonly #grants: number[] = [];
  readonly #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pausedUntil = 0;

  constructor(limit: number, windowMs: number, now: Now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /**
   * undefined when a slot was granted at once; else resolves when one is granted (FIFO). Rejects
   * with LanePausedError when Graph asks the lane to wait longer than `maxPauseMs`, now or while
   * queued: a caller with a deadline hands its work back instead of waiting past it. A waiter
   * still queued after `maxWaitMs` is refused with DeadlineReachedError.
   */
  acquire(maxPauseMs = Number.POSITIVE_INFINITY, maxWaitMs?: number): Promise<void> | undefined {
    const paused = this.#pausedForMs();
    if (paused > maxPauseMs) return Promise.reject(new LanePausedError(paused));
    if (this.#waiters.length === 0 && this.#waitMs() === 0) {
      this.#grants.push(this.#now());
      return undefined;
    }
    if (maxWaitMs !== undefined && maxWaitMs <= 0) {
      return Promise.reject(new DeadlineReachedError('no write slot before the deadline'));
    }
    return new Promise((grant, refuse) => {
      const waiter: Waiter = { grant, refuse, maxPauseMs };
      if (maxWaitMs !== undefined && Number.isFinite(maxWaitMs)) {
        // Leaves the queue at its deadline instead of holding a slot it can no longer use.
        waiter.expiry = setTimeout(() => {
          const at = this.#waiters.indexOf(waiter);
          if (at < 0) return;
          this.#waiters.splice(at, 1);
          refuse(
            new DeadlineReachedError(
              `no write slot before the deadline (${this.#waiters.length} still queued)`,
            ),
          );
        }, maxWaitMs);
      }
      this.#waiters.push(waiter);
      this.#schedule();
    });
  }

  /** Graph said to wait (429 Retry-After): nobody in this lane sends before then. */
  pauseUntil(time: number): void {
    if (time > this.#pausedUntil) this.#pausedUntil = time;
    const paused = this.#pausedForMs();
    for (const waiter of this.#waiters.filter((w) => paused > w.maxPauseMs)) {
      this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
      clearTimeout(waiter.expiry);
      waiter.refuse(new LanePausedError(paused));
    }
  }

  queued(): number {
    return this.#waiters.length;
  }

  #pausedForMs(): number {
    return Math.max(0, this.#pausedUntil - this.#now());
  }

  #waitMs(): number {
    const now = this.#now();
    while (this.#grants.length > 0 && (this.#grants[0] ?? 0) <= now - this.#windowMs) {
      this.#grants.shift();
    }
    const pause = Math.max(0, this.#pausedUntil - now);
    if (this.#grants.length < this.#limit) return pause;
    const oldest = this.#grants[0] ?? now;
    return Math.max(pause, oldest + this.#windowMs - now, 1);
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const drain = () => {
      this.#timer = undefined;
      while (this.#waiters.length > 0 && this.#waitMs() === 0) {
        this.#grants.push(this.#now());
        const waiter = this.#waiters.shift();
        clearTimeout(waiter?.expiry);
        waiter?.grant();
      }
      if (this.#waiters.length > 0) this.#timer = setTimeout(drain, this.#waitMs());
    };
    this.#timer = setTimeout(drain, this.#waitMs());
  }
}

export class GraphRateLimiter {
  readonly #limits: GraphLimits;
  readonly #now: Now;
  readonly #writes = new Map<string, SlidingWindowLane>();
  readonly #identityProtection = new Map<string, SlidingWindowLane>();

  constructor(limits: Partial<GraphLimits> = {}, now: Now = Date.now) {
    this.#limits = { ...DEFAULT_GRAPH_LIMITS, ...limits };
    this.#now = now;
  }

  get limits(): GraphLimits {
    return { ...this.#limits };
  }

  /**
   * Before each write to the directory of `tenantId`. undefined: go now, no await needed.
   * Rejects with LanePausedError when Graph asks the tenant to wait longer than `maxPauseMs`.
   */
  acquireWrite(
    tenantId: string,
    maxPauseMs?: number,
    maxWaitMs?: number,
  ): Promise<void> | undefined {
    return this.#writeLane(tenantId).acquire(maxPauseMs, maxWaitMs);
  }

  /** Before each Identity Protection call (which is a write as well). */
  acquireIdentityProtection(
    tenantId: string,
    maxPauseMs?: number,
    maxWaitMs?: number,
  ): Promise<void> | undefined {
    const slot = this.#identityProtectionLane(tenantId).acquire(maxPauseMs, maxWaitMs);
    if (slot === undefined) return this.acquireWrite(tenantId, maxPauseMs, maxWaitMs);
    return slot.then(() => this.acquireWrite(tenantId, maxPauseMs, maxWaitMs));
  }

  /** A 429 on a write: hold the tenant's writes until Graph's Retry-After has passed. */
  pauseWrites(tenantId: string, untilMs: number): void {
    this.#writeLane(tenantId).pauseUntil(untilMs);
  }

  pauseIdentityProtection(tenantId: string, untilMs: number): void {
    this.#identityProtectionLane(tenantId).pauseUntil(untilMs);
  }

  /** Writes waiting for a slot, for metrics. */
  queuedWrites(tenantId: string): number {
    return this.#writes.get(tenantId.toLowerCase())?.queued() ?? 0;
  }

  #writeLane(tenantId: string): SlidingWindowLane {
    const { writesPerWindow, windowSeconds } = this.#limits;
    return this.#lane(this.#writes, tenantId, writesPerWindow, windowSeconds * 1000);
  }

  #identityProtectionLane(tenantId: string): SlidingWindowLane {
    const interval = this.#limits.identityProtectionIntervalMs;
    return this.#lane(this.#identityProtection, tenantId, 1, interval);
  }

  #lane(
    lanes: Map<string, SlidingWindowLane>,
    tenantId: string,
    limit: number,
    windowMs: number,
  ): SlidingWindowLane {
    const key = tenantId.toLowerCase();
    let lane = lanes.get(key);
    if (!lane) {
      lane = new SlidingWindowLane(limit, windowMs, this.#now);
      lanes.set(key, lane);
    }
    return lane;
  }
}

/**
 * The limits of one of `share` processes that act on the same tenants at once (Lambda instances
 * up to the queue's maximum concurrency): each paces itself to its part of the tenant's quota,
 * so together they stay under it. Measured: one full quota per instance let 10 instances reach
 * 0.50 utilization with 30 × 429; a tenth each reached 0.967 with none.
 */
export function limitsForShare(share: number): Partial<GraphLimits> {
  const parts = Math.max(1, Math.floor(share));
  return {
    writesPerWindow: Math.max(1, Math.floor(DEFAULT_GRAPH_LIMITS.writesPerWindow / parts)),
    identityProtectionIntervalMs: DEFAULT_GRAPH_LIMITS.identityProtectionIntervalMs * parts,
  };
}
