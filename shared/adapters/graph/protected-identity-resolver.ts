import type { ContainmentPolicy, ProtectedIdentityNames } from '../../domain/guardrails.ts';
import { canonicalTenantId, isObjectId, nameKey } from '../../domain/identity.ts';
import type { ProtectedIdentityDirectory } from '../../ports/protected-identities.ts';
import type { GraphCallResult } from './graph-session.ts';

/**
 * Resolves each configured Entra protected identity to every name the directory knows it by
 * (object id, UPN, mail, proxy addresses) with `GET /users/{id | userPrincipalName}`, at start-up
 * and again when the last resolution is older than the refresh interval. Detections are checked
 * against what is in memory; a refresh runs in the background and never delays one.
 * A lookup that fails (other than 404: no such user) is kept as a failure, and the guardrail
 * fails closed for that tenant until a refresh succeeds.
 */

interface UserNames {
  id?: string;
  userPrincipalName?: string;
  mail?: string | null;
  proxyAddresses?: string[] | null;
}

/** What the resolver needs of a tenant's Graph session. */
interface UserReader {
  call<T>(spec: {
    operation: 'readUser';
    method: 'GET';
    path: string;
    query?: Record<string, string>;
  }): Promise<GraphCallResult<T>>;
}

export interface ProtectedIdentityResolverOptions {
  policy: Pick<ContainmentPolicy, 'protectedIdentities'>;
  /** Canonical tenant id → that tenant's Graph session. */
  tenants: ReadonlyMap<string, UserReader>;
  refreshMs?: number;
  now?: () => number;
}

const SELECT = 'id,userPrincipalName,mail,proxyAddresses';
const EMPTY: ProtectedIdentityNames = { names: new Map(), failures: [] };

export class GraphProtectedIdentityResolver implements ProtectedIdentityDirectory {
  readonly #options: ProtectedIdentityResolverOptions;
  readonly #refreshMs: number;
  readonly #now: () => number;
  #current: ProtectedIdentityNames = EMPTY;
  #resolvedAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(options: ProtectedIdentityResolverOptions) {
    this.#options = options;
    this.#refreshMs = options.refreshMs ?? 15 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  current(): ProtectedIdentityNames {
    if (this.#now() - this.#resolvedAt >= this.#refreshMs) {
      // Keep answering from what is known; the refresh replaces it when done.
      void this.refresh().catch(() => undefined);
    }
    return this.#current;
  }

  /** Resolves every entry now (cold start awaits this); concurrent calls share one run. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#resolveAll().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  async #resolveAll(): Promise<void> {
    const names = new Map<string, readonly string[]>();
    const failures: ProtectedIdentityNames['failures'][number][] = [];
    const lookups: Promise<void>[] = [];
    for (const [tenantId, session] of this.#options.tenants) {
      for (const [index, entry] of this.#options.policy.protectedIdentities.entries()) {
        if (!appliesTo(entry.tenantId, tenantId)) continue;
        const key = entry.id ?? entry.userPrincipalName;
        // AWS ARNs, Okta ids: not Entra users, nothing to resolve here.
        if (key === undefined || !(isObjectId(key) || key.includes('@'))) continue;
        lookups.push(
          resolveUser(session, isObjectId(key) ? key.toLowerCase() : key).then((found) => {
            if (found.ok) names.set(`${tenantId}#${index}`, found.names);
            else failures.push({ tenantId, index, why: found.why });
          }),
        );
      }
    }
    await Promise.all(lookups);
    this.#current = { names, failures };
    this.#resolvedAt = this.#now();
  }
}

function appliesTo(entryTenant: string | undefined, tenantId: string): boolean {
  if (entryTenant === undefined) return true;
  const canonical = canonicalTenantId('entra', entryTenant);
  return canonical.ok && canonical.value === tenantId;
}

async function resolveUser(
  session: UserReader,
  idOrUpn: string,
): Promise<{ ok: true; names: string[] } | { ok: false; why: string }> {
  try {
    const answer = await session.call<UserNames>({
      operation: 'readUser',
      method: 'GET',
      path: `/users/${encodeURIComponent(idOrUpn)}`,
      query: { $select: SELECT },
    });
    if (!answer.ok) {
      // No such user: nothing more to know than its configured names.
      if (answer.failure.httpStatus === 404) return { ok: true, names: [] };
      return { ok: false, why: `${idOrUpn}: ${answer.failure.message}` };
    }
    const user = answer.value;
    const proxies = (user.proxyAddresses ?? []).map((p) => p.replace(/^smtp:/i, ''));
    const all = [user.id, user.userPrincipalName, user.mail ?? undefined, ...proxies];
    return { ok: true, names: [...new Set(all.flatMap((n) => (n ? [nameKey(n)] : [])))] };
  } catch (error) {
    return { ok: false, why: `${idOrUpn}: ${(error as Error).message}` };
  }
}
