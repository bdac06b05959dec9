import { countWindow, dropsOnSettle, type WindowEntry } from '../../domain/window-counts.ts';
import type {
  ContainmentWindow,
  WindowClaim,
  WindowClaimRequest,
} from '../../ports/containment-window.ts';

/**
 * One process's blast-radius window (local mode, tests), counting as the DynamoDB one does:
 * entries are kept in the order they were recorded, and settling forgets those older than twice
 * the window (or `retentionSeconds`, if longer).
 */
export class InMemoryContainmentWindow implements ContainmentWindow {
  readonly #byTenant = new Map<string, Map<string, WindowEntry>>();
  readonly #retentionMs: number;

  constructor(options: { retentionSeconds?: number } = {}) {
    this.#retentionMs = (options.retentionSeconds ?? 0) * 1000;
  }

  async claim(request: WindowClaimRequest): Promise<WindowClaim> {
    const entries = this.#byTenant.get(request.tenantId) ?? new Map<string, WindowEntry>();
    this.#byTenant.set(request.tenantId, entries);
    const recorded = entries.get(request.incidentId);
    const mine = recorded ?? {
      incidentId: request.incidentId,
      atMs: request.at.getTime(),
      source: request.source,
    };
    entries.set(request.incidentId, mine);
    const counts = countWindow(entries.values(), mine, { ...request, first: !recorded });
    return {
      counts,
      settle: async () => {
        const keepFrom =
          request.at.getTime() - Math.max(this.#retentionMs, 2 * request.windowSeconds * 1000);
        for (const [id, entry] of entries) if (entry.atMs < keepFrom) entries.delete(id);
        if (recorded) return;
        if (dropsOnSettle(counts, request.maxPerSource)) entries.delete(request.incidentId);
        else mine.counts = counts;
      },
    };
  }
}
