import { type GraphAnswer, graphError } from './directory.ts';

/**
 * Graph's throttling as the simulated tenant enforces it: the identity write quota per app and
 * tenant, and Identity Protection's requests per second per tenant.
 */

export interface ThrottlingSettings {
  /** Graph's identity write quota per app and tenant (3,000 per 150 s); false: not enforced. */
  writeQuota: { writes: number; windowSeconds: number } | false;
  /** Identity Protection: requests per second per tenant (1); false: not enforced. */
  identityProtectionPerSecond: number | false;
}

export const isWrite = (method: string) =>
  method === 'POST' || method === 'PATCH' || method === 'DELETE';

export class WriteQuota {
  readonly #tenantId: string;
  readonly #now: () => Date;
  readonly #writes = new Map<string, number[]>();
  readonly #lastIdentityProtection = new Map<string, number>();
  #settings: ThrottlingSettings;

  constructor(tenantId: string, settings: ThrottlingSettings, now: () => Date) {
    this.#tenantId = tenantId;
    this.#settings = { ...settings };
    this.#now = now;
  }

  set(settings: Partial<ThrottlingSettings>): void {
    this.#settings = { ...this.#settings, ...settings };
  }

  /** Writes the quota has counted in its current window, per client id. */
  writesInWindow(clientId: string): number {
    return this.#pruneWrites(clientId).length;
  }

  /** A 429 when the request is over a limit; otherwise counts it and answers undefined. */
  check(method: string, path: string, clientId: string, at: Date): GraphAnswer | undefined {
    const now = at.getTime();
    const perSecond = this.#settings.identityProtectionPerSecond;
    if (path.startsWith('/identityProtection/') && perSecond !== false) {
      const last = this.#lastIdentityProtection.get(this.#tenantId);
      if (last !== undefined && now - last < 1000 / perSecond) {
        // Identity Protection documents no Retry-After on its throttling responses.
        return graphError(429, 'TooManyRequests', 'Too many requests.', at);
      }
      this.#lastIdentityProtection.set(this.#tenantId, now);
    }
    const quota = this.#settings.writeQuota;
    if (isWrite(method) && quota !== false) {
      const writes = this.#pruneWrites(clientId);
      if (writes.length >= quota.writes) {
        const oldest = writes[0] ?? now;
        const waitSeconds = Math.max(
          1,
          Math.ceil((oldest + quota.windowSeconds * 1000 - now) / 1000),
        );
        const answer = graphError(
          429,
          'TooManyRequests',
          'Too many requests. The write quota for this application and tenant is exhausted.',
          at,
        );
        answer.headers = { 'retry-after': String(waitSeconds) };
        return answer;
      }
      writes.push(now);
    }
    return undefined;
  }

  #pruneWrites(clientId: string): number[] {
    const quota = this.#settings.writeQuota;
    const writes = this.#writes.get(clientId) ?? [];
    this.#writes.set(clientId, writes);
    if (quota === false) return writes;
    const from = this.#now().getTime() - quota.windowSeconds * 1000;
    while (writes.length > 0 && (writes[0] ?? 0) <= from) writes.shift();
    return writes;
  }
}
