import type { Detection } from '../domain/detection.ts';
import {
  blastRadiusSource,
  type ContainmentPolicy,
  countsTowardBlastRadius,
  type ProtectedIdentityNames,
} from '../domain/guardrails.ts';
import { canonicalOrThrow } from '../domain/identity.ts';
import { incidentIdFor } from '../domain/incident.ts';
import type { Clock } from '../ports/clock.ts';
import type { ContainmentWindow, WindowClaim } from '../ports/containment-window.ts';
import type { IdentityProvider } from '../ports/identity-provider.ts';
import type { ProtectedIdentityDirectory } from '../ports/protected-identities.ts';

/**
 * The guards that stand before the revoke: canonical identity, coverage and the protected check
 * in memory, then the blast-radius claim, the only round trip. A runtime starts them alongside
 * its idempotency claim, so the two cost one round trip together; a replay or an in-flight
 * duplicate makes the window claim a no-op, since it is keyed per incident (a replay after its
 * entry was forgotten, two windows on, takes a slot again for one window: it errs towards approval).
 */
export interface StartedGuards<I extends { detection: Detection }> {
  /** The input with its detection in canonical form. */
  input: I;
  incidentId: string;
  receivedAt: Date;
  provider: IdentityProvider | undefined;
  covered: boolean;
  names: ProtectedIdentityNames | undefined;
  /** Undefined when the detection takes no slot (protected, not covered, nothing automatic). */
  window: Promise<WindowClaim> | undefined;
}

export interface GuardDeps {
  identityProviderFor(detection: Detection): IdentityProvider | undefined;
  policy: ContainmentPolicy;
  window: ContainmentWindow;
  protectedIdentities?: ProtectedIdentityDirectory;
  clock: Clock;
}

export function startGuards<I extends { detection: Detection }>(
  given: I,
  deps: GuardDeps,
): StartedGuards<I> {
  // Normalizers hand over canonical ids; this holds for any other caller too (idempotent).
  const input = { ...given, detection: canonicalOrThrow(given.detection) };
  const { detection } = input;
  const receivedAt = deps.clock.now();
  const incidentId = incidentIdFor(detection);
  const provider = deps.identityProviderFor(detection);
  const covered = provider?.coversTenant(detection.tenant.tenantId) === true;
  const names = deps.protectedIdentities?.current();
  const { windowSeconds, maxContainments, maxContainmentsPerSource } = deps.policy.blastRadius;
  const window =
    covered && countsTowardBlastRadius(detection, deps.policy, names)
      ? deps.window.claim({
          tenantId: detection.tenant.tenantId,
          source: blastRadiusSource(detection),
          incidentId,
          at: receivedAt,
          windowSeconds,
          maxPerSource: maxContainmentsPerSource ?? maxContainments,
        })
      : undefined;
  // A replay never awaits it: its failure must not surface as an unhandled rejection.
  window?.catch(() => undefined);
  return { input, incidentId, receivedAt, provider, covered, names, window };
}
