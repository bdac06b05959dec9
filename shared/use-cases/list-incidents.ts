import * as z from 'zod/mini';
import type { InvalidInputError, Result } from '../domain/errors.ts';
import {
  INCIDENT_STATUSES,
  type IncidentStatus,
  type IncidentSummary,
  summarizeIncident,
} from '../domain/incident-state.ts';
import { timestampSchema } from '../domain/ledger/query.ts';
import { parseWith } from '../domain/validation.ts';
import type { Clock } from '../ports/clock.ts';
import type { LedgerReader } from '../ports/ledger.ts';
import { incidentRecords, recordsSince } from './incident-records.ts';

/**
 * Incidents and their state, for operators (`responder incidents`, `GET /v1/incidents`): every
 * incident with a record since `since` (default the last 7 days), newest first, read through
 * the ledger's time index and each incident's chain (Query calls, never a Scan).
 */

export interface IncidentListQuery {
  status?: IncidentStatus;
  since?: string;
}

const DEFAULT_LOOK_BACK_MS = 7 * 24 * 3_600_000;

const querySchema = z.strictObject({
  status: z.optional(z.enum(INCIDENT_STATUSES)),
  since: z.optional(timestampSchema),
});

export function parseIncidentListQuery(
  input: unknown,
): Result<IncidentListQuery, InvalidInputError> {
  return parseWith(querySchema, input, 'incident query') as Result<
    IncidentListQuery,
    InvalidInputError
  >;
}

export async function listIncidents(
  query: IncidentListQuery,
  deps: { ledger: LedgerReader; clock: Clock },
): Promise<IncidentSummary[]> {
  const now = deps.clock.now();
  const since = query.since ?? new Date(now.getTime() - DEFAULT_LOOK_BACK_MS).toISOString();
  const touched = new Set((await recordsSince(deps.ledger, since)).map((r) => r.incidentId));
  const incidents: IncidentSummary[] = [];
  for (const incidentId of touched) {
    const summary = summarizeIncident(await incidentRecords(deps.ledger, incidentId), now);
    if (summary && (query.status === undefined || summary.status === query.status)) {
      incidents.push(summary);
    }
  }
  return incidents.sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : -1));
}
