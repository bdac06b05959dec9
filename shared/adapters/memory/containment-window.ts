import type { ContainmentWindow } from '../../ports/containment-window.ts';

/**
 * One process's blast-radius window (local mode, tests). Entries older than `retentionSeconds`
 * are forgotten; a redelivery later than that counts as a new containment.
 */
export class InMemoryContainmentWindow implements ContainmentWindow {
  readonly #byTenant = new Map<string, Map<string, number>>();
  readonly #retentionMs: number;

  constructor(options: { retentionSeconds?: number } = {}) {
    this.#retentionMs = (options.retentionSeconds ?? 24 * 3600) * 1000;
  }

  async recordAndCount(
    tenantId: string,
    incidentId: string,
    at: Date,
    windowSeconds: number,
  ): Promise<number> {
    const incidents = this.#byTenant.get(tenantId) ?? new Map<string, number>();
    this.#byTenant.set(tenantId, incidents);
    const now = at.getTime();
    for (const [id, recordedAt] of incidents) {
      if (recordedAt < now - Math.max(this.#retentionMs, windowSeconds * 1000))
        incidents.delete(id);
    }
    const recordedAt = incidents.get(incidentId) ?? now;
    incidents.set(incidentId, recordedAt);
    const from = recordedAt - windowSeconds * 1000;
    let count = 0;
    for (const time of incidents.values()) if (time > from && time <= recordedAt) count++;
    return count;
  }
}
