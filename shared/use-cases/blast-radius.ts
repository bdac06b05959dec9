import type { Detection } from '../domain/detection.ts';
import {
  blastRadiusSource,
  type ContainmentPolicy,
  type WindowCounts,
} from '../domain/guardrails.ts';
import type { ContainmentWindow } from '../ports/containment-window.ts';

/**
 * The tenant's and the source's windows, recorded at once (one round trip, not two): the
 * source's is keyed under the tenant, so the per-tenant limit still holds across sources.
 */
export async function countInWindows(
  deps: { window: ContainmentWindow; policy: ContainmentPolicy },
  detection: Detection,
  incidentId: string,
  at: Date,
): Promise<WindowCounts> {
  const { tenantId } = detection.tenant;
  const seconds = deps.policy.blastRadius.windowSeconds;
  const [tenant, source] = await Promise.all([
    deps.window.recordAndCount(tenantId, incidentId, at, seconds),
    deps.window.recordAndCount(
      `${tenantId}#source#${blastRadiusSource(detection)}`,
      incidentId,
      at,
      seconds,
    ),
  ]);
  return { tenant, source };
}
