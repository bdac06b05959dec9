import { ConfigError } from '../domain/errors.ts';
import type { Log } from '../ports/log.ts';

/** How often `responder serve` re-checks contained identities when nothing is configured. */
const DEFAULT_WATCH_INTERVAL_MINUTES = 15;

/** `RESPONDER_WATCH_INTERVAL_MINUTES`: whole minutes, 1 to 1440; absent means the default. */
export function watchIntervalFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.RESPONDER_WATCH_INTERVAL_MINUTES;
  if (raw === undefined || raw === '') return DEFAULT_WATCH_INTERVAL_MINUTES;
  const minutes = Number(raw);
  if (!/^\d+$/.test(raw) || minutes < 1 || minutes > 1440) {
    throw new ConfigError(
      `RESPONDER_WATCH_INTERVAL_MINUTES must be a whole number of minutes from 1 to 1440, not ${raw}`,
    );
  }
  return minutes;
}

/**
 * The local stand-in for the watch schedule: runs `watch` every interval, one run at a time (a
 * run still going when the next is due makes that one skip), on an unref'd timer so it never
 * keeps the process alive. A failed run is logged; the next interval tries again.
 */
export function startWatchTimer(
  watch: () => Promise<unknown>,
  intervalMs: number,
  log: Log,
): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = watch()
      .then(
        () => undefined,
        (error: unknown) => log.error('containment watch failed', { error: String(error) }),
      )
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
