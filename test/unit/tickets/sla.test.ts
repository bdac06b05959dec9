import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dueDateFor, parseTicketSla, type TicketSla } from '../../../shared/domain/tickets/sla.ts';
import { DEFAULT_TICKET_SLA } from '../../../shared/use-cases/open-tickets.ts';

const sla: TicketSla = {
  version: 1,
  dueWithinHours: { critical: 24, high: 72, medium: 168, low: 720 },
};
const now = new Date('2026-03-17T09:42:11Z');

describe('dueDateFor', () => {
  it.each([
    ['critical', '2026-03-18T09:42:11.000Z'],
    ['high', '2026-03-20T09:42:11.000Z'],
    ['medium', '2026-03-24T09:42:11.000Z'],
    ['low', '2026-04-16T09:42:11.000Z'],
  ] as const)('gives a %s ticket its SLA', (severity, due) => {
    expect(dueDateFor(severity, now, sla)).toBe(due);
  });
});

describe('ticket SLA config', () => {
  it('ships a valid default: critical 24 h, high 72 h, medium 7 d, low 30 d', () => {
    const shipped = JSON.parse(
      readFileSync(
        join(import.meta.dirname, '../../../shared/config/ticket-sla.default.json'),
        'utf8',
      ),
    );
    expect(parseTicketSla(shipped)).toEqual({ ok: true, value: sla });
    expect(DEFAULT_TICKET_SLA).toEqual(sla);
  });

  it('rejects a config naming the bad field', () => {
    const parsed = parseTicketSla({
      version: 1,
      dueWithinHours: { critical: 0, high: 72, medium: 'x' },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    const paths = parsed.error.issues.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'dueWithinHours.critical',
        'dueWithinHours.medium',
        'dueWithinHours.low',
      ]),
    );
  });
});
