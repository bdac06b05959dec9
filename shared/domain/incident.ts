import { createHash } from 'node:crypto';
import type { Detection } from './detection.ts';

/**
 * The incident id is derived from the detection, never random, so that every redelivery of the
 * same detection lands on the same incident (and so the same ledger chain and tickets).
 */
export function incidentIdFor(detection: Pick<Detection, 'detectionId' | 'tenant'>): string {
  const key = `${detection.tenant.provider}|${detection.tenant.tenantId}|${detection.detectionId}`;
  return `inc-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}
