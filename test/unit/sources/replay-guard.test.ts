import { describe, expect, it } from 'vitest';
import { InMemoryReplayGuard } from '../../../shared/adapters/memory/replay-guard.ts';

function clockAt(iso: string) {
  let now = new Date(iso);
  return { now: () => now, set: (next: string) => (now = new Date(next)) };
}

describe('in-memory replay guard', () => {
  it('claims a key once and refuses it while the claim holds', async () => {
    const clock = clockAt('2026-03-17T16:50:00Z');
    const guard = new InMemoryReplayGuard({ clock });
    const until = new Date('2026-03-24T16:50:00Z');
    expect(await guard.claim('iss|jti-1', until)).toBe(true);
    expect(await guard.claim('iss|jti-1', until)).toBe(false);
    expect(await guard.claim('iss|jti-2', until)).toBe(true);
  });

  it('forgets a claim after it expires', async () => {
    const clock = clockAt('2026-03-17T16:50:00Z');
    const guard = new InMemoryReplayGuard({ clock });
    await guard.claim('k', new Date('2026-03-17T17:00:00Z'));
    clock.set('2026-03-17T17:00:01Z');
    expect(await guard.claim('k', new Date('2026-03-17T18:00:00Z'))).toBe(true);
  });

  it('accepts a released key again', async () => {
    const guard = new InMemoryReplayGuard({ clock: clockAt('2026-03-17T16:50:00Z') });
    await guard.claim('k', new Date('2026-03-18T00:00:00Z'));
    await guard.release('k');
    expect(await guard.claim('k', new Date('2026-03-18T00:00:00Z'))).toBe(true);
  });
});
