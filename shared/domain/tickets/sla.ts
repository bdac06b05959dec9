import * as z from 'zod/mini';
import type { Severity } from '../detection.ts';
import type { InvalidInputError, Result } from '../errors.ts';
import { parseWith } from '../validation.ts';

/** How long each owner has to remediate, by the detection's severity. */
const hours = () => z.number().check(z.gt(0), z.lte(24 * 366));

const ticketSlaSchema = z.object({
  version: z.literal(1),
  dueWithinHours: z.object({
    critical: hours(),
    high: hours(),
    medium: hours(),
    low: hours(),
  }),
});

export type TicketSla = z.infer<typeof ticketSlaSchema>;

export function parseTicketSla(input: unknown): Result<TicketSla, InvalidInputError> {
  return parseWith(ticketSlaSchema, input, 'ticket SLA');
}

/** The due date as an ISO timestamp; `now` is passed in so the domain never reads the clock. */
export function dueDateFor(severity: Severity, now: Date, sla: TicketSla): string {
  return new Date(now.getTime() + sla.dueWithinHours[severity] * 3_600_000).toISOString();
}
