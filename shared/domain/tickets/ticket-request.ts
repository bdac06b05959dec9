import type { Detection } from '../detection.ts';
import type { RemediationRequest } from './remediation-request.ts';

/** One remediation ticket for one accountable owner of one incident: the request plus its keys. */
export interface TicketRequest extends RemediationRequest {
  /** Always present here: read from the ledger when the bus message left it out. */
  detection: Detection;
  /** `${incidentId}:${ownerTeam}`: one ticket per (incident, owner team), however often asked. */
  dedupeKey: string;
  dueDate: string;
}
