import type { Clock } from '../../ports/clock.ts';
import { systemClock } from '../../ports/clock.ts';
import type { ReplayGuard } from '../../ports/replay-guard.ts';

/** One process's replay guard (local mode, tests). Expired claims are swept as new ones arrive. */
export class InMemoryReplayGuard implements ReplayGuard {
  readonly #claims = new Map<string, number>();
  readonly #clock: Clock;

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async claim(key: string, expiresAt: Date): Promise<boolean> {
    const now = this.#clock.now().getTime();
    for (const [claimed, until] of this.#claims) if (until <= now) this.#claims.delete(claimed);
    if (this.#claims.has(key)) return false;
    this.#claims.set(key, expiresAt.getTime());
    return true;
  }

  async release(key: string): Promise<void> {
    this.#claims.delete(key);
  }
}
