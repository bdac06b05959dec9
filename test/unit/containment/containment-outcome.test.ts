import { describe, expect, it, vi } from 'vitest';
import { startAction } from '../../../shared/adapters/containment-outcome.ts';
import type { RestorableChange } from '../../../shared/domain/containment.ts';

const clock = { now: () => new Date('2026-03-17T14:12:06.250Z') };
const change: RestorableChange = { kind: 'accountDisabled', subjectId: 'u-1' };

describe('startAction', () => {
  it('stamps every outcome with the action, its target and when it started', () => {
    const started = startAction(clock, 'disableAccount', 'u-1');
    const outcomes = [
      started.succeeded('disabled'),
      started.skipped('notApplicable', 'not here'),
      started.failed({ class: 'throttled', message: '429', retryable: true }),
      started.refused('recorded for another subject'),
    ];
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({
        action: 'disableAccount',
        target: 'u-1',
        startedAt: '2026-03-17T14:12:06.250Z',
      });
    }
  });

  it.each([
    [
      'succeeded',
      (s: ReturnType<typeof startAction>) => s.succeeded('disabled'),
      { status: 'succeeded', detail: 'disabled' },
    ],
    [
      'succeeded with what to restore',
      (s: ReturnType<typeof startAction>) => s.succeeded('disabled', [change]),
      { status: 'succeeded', detail: 'disabled', restore: [change] },
    ],
    [
      'skipped',
      (s: ReturnType<typeof startAction>) => s.skipped('dryRun', 'dry run'),
      { status: 'skipped', reason: 'dryRun', why: 'dry run' },
    ],
    [
      'failed',
      (s: ReturnType<typeof startAction>) =>
        s.failed({
          class: 'forbidden',
          message: '403',
          retryable: false,
          missingPermission: 'iam:PutRolePolicy',
        }),
      {
        status: 'failed',
        error: {
          class: 'forbidden',
          message: '403',
          retryable: false,
          missingPermission: 'iam:PutRolePolicy',
        },
      },
    ],
    [
      'refused',
      (s: ReturnType<typeof startAction>) => s.refused('malformed change; refused'),
      {
        status: 'failed',
        error: { class: 'invalid', message: 'malformed change; refused', retryable: false },
      },
    ],
  ])('reports %s with exactly its fields', (_, end, expected) => {
    const { action, target, startedAt, durationMs, ...rest } = end(
      startAction(clock, 'disableAccount', 'u-1'),
    );
    expect(rest).toEqual(expected);
  });

  it('says nothing of a restore when there is none to record', () => {
    expect(startAction(clock, 'disableAccount', 'u-1').succeeded('done')).not.toHaveProperty(
      'restore',
    );
  });

  it('times from the start, or from the moment it is given, in tenths of a millisecond', () => {
    const now = vi.spyOn(performance, 'now');
    try {
      now.mockReturnValue(1000);
      const started = startAction(clock, 'revokeSessions', 'u-1');
      const fromEntry = startAction(clock, 'revokeSessions', 'u-1', 990.02);
      now.mockReturnValue(1012.3456);
      expect(started.succeeded('revoked').durationMs).toBe(12.3);
      expect(fromEntry.succeeded('revoked').durationMs).toBe(22.3);
    } finally {
      now.mockRestore();
    }
  });
});
