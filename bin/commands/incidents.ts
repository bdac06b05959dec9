import { parseArgs } from 'node:util';
import type { IncidentSummary } from '../../shared/domain/incident-state.ts';
import { startLocalRuntime } from '../../shared/local/runtime.ts';
import { listIncidents, parseIncidentListQuery } from '../../shared/use-cases/list-incidents.ts';
import { type CliIo, EXIT, stateDirOf, UsageError } from '../io.ts';

const USAGE = 'usage: responder incidents [--status S] [--since ISO] [--json] [--state-dir DIR]';

/** `responder incidents`: incidents and their state, newest first (the same as `GET /v1/incidents`). */
export async function incidentsCommand(args: string[], io: CliIo): Promise<number> {
  let values: { status?: string; since?: string; json?: boolean; 'state-dir'?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        status: { type: 'string' },
        since: { type: 'string' },
        json: { type: 'boolean' },
        'state-dir': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${USAGE}`, { cause: error });
  }
  const query = parseIncidentListQuery({
    ...(values.status !== undefined ? { status: values.status } : {}),
    ...(values.since !== undefined ? { since: values.since } : {}),
  });
  if (!query.ok) throw new UsageError(`${query.error.message}\n${USAGE}`);
  const runtime = await startLocalRuntime({
    stateDir: stateDirOf(values['state-dir'], io),
    env: io.env,
  });
  try {
    const incidents = await listIncidents(query.value, runtime.operator);
    io.out(
      values.json ? JSON.stringify({ mode: runtime.mode, incidents }, null, 2) : table(incidents),
    );
    return EXIT.ok;
  } finally {
    await runtime.close();
  }
}

function table(incidents: IncidentSummary[]): string {
  if (incidents.length === 0) return 'no incidents';
  const lines = [`${'incident'.padEnd(28)} ${'status'.padEnd(18)} ${'severity'.padEnd(8)} subject`];
  for (const incident of incidents) {
    const subject = incident.subject.userPrincipalName ?? incident.subject.id;
    lines.push(
      `${incident.incidentId.padEnd(28)} ${incident.status.padEnd(18)} ${incident.severity.padEnd(8)} ${subject}`,
    );
    if (incident.awaiting) {
      lines.push(
        `  awaiting approval: ${incident.awaiting.actions.join(', ')}${incident.awaiting.expiresAt ? ` (expires ${incident.awaiting.expiresAt})` : ''}`,
      );
    }
    if (incident.decision) {
      lines.push(
        `  ${incident.decision.kind} at ${incident.decision.at}${incident.decision.by ? ` by ${incident.decision.by}` : ''}: ${incident.decision.reason}`,
      );
    }
  }
  return lines.join('\n');
}
