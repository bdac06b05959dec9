import type { WindowCounts } from '../domain/guardrails.ts';

/**
 * The blast-radius window: how many containments a tenant, and each of its sources, had recently.
 * Shared by every responder instance (DynamoDB in AWS, memory locally), so a mass incident is
 * seen as one. Counting rules: shared/domain/window-counts.ts.
 */
export interface ContainmentWindow {
  /**
   * Records the incident (once: a redelivery does not count again and keeps its first time) and
   * returns the tenant's and the source's counts in the `windowSeconds` ending at it, this one
   * included. One storage round trip: it stands before the revoke.
   */
  claim(request: WindowClaimRequest): Promise<WindowClaim>;
}

export interface WindowClaimRequest {
  tenantId: string;
  /** The detection's blast-radius source key. */
  source: string;
  incidentId: string;
  at: Date;
  windowSeconds: number;
  maxPerSource: number;
}

export interface WindowClaim {
  counts: WindowCounts;
  /**
   * After the decision, off the path before the revoke: keeps the counts for redeliveries and
   * forgets what no window needs any more. Skipping it loses nothing the counts rely on.
   */
  settle(): Promise<void>;
}
