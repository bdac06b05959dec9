import type { ProtectedIdentityNames } from '../domain/guardrails.ts';

/**
 * The names of the configured protected identities as the directory knows them (object id, UPN,
 * mail, proxy addresses), resolved at start-up and refreshed on a schedule, so the guardrail
 * check at detection time is in memory and adds no round trip.
 */
export interface ProtectedIdentityDirectory {
  /** What is known now; never waits on the network (a due refresh runs in the background). */
  current(): ProtectedIdentityNames;
}
