import type { Subject } from '../../domain/detection.ts';
import { targetOf } from '../../domain/restorable-change.ts';
import type { Drift, Expectation, RecheckResult } from '../../domain/watch.ts';
import type { Clock } from '../../ports/clock.ts';
import { describeGraphFailure } from './errors.ts';
import type { GraphTenantSession } from './graph-session.ts';
import { resolveUserId } from './isolate-privilege.ts';
import { findPrivilegedPaths } from './privileged-paths.ts';

const enc = encodeURIComponent;

/**
 * Graph's clock and ours may differ a little; a valid-from this much older than our record of
 * the revoke is still the revoke. Anything older means sessions from before it are valid again.
 */
const CLOCK_SKEW_MS = 60_000;

type Unchecked = RecheckResult['unchecked'][number];

/**
 * Watch after containment in Entra: re-reads the account switch, the principal's active
 * directory roles and the sign-in sessions' valid-from, and reports what no longer holds.
 * Reads only; a read that fails leaves its expectation unchecked, never drifted.
 */
export async function recheckEntra(
  session: GraphTenantSession,
  subject: Subject,
  expectations: readonly Expectation[],
  clock: Clock,
): Promise<RecheckResult> {
  const drift: Drift[] = [];
  const unchecked: Unchecked[] = [];
  const wants = (check: Expectation['check']) => expectations.find((e) => e.check === check);
  const disabled = wants('accountDisabled');
  const revoked = wants('sessionsRevoked');
  if (disabled || revoked) {
    const path = subject.type === 'servicePrincipal' ? 'servicePrincipals' : 'users';
    const read = await session.call<{
      accountEnabled?: boolean;
      signInSessionsValidFromDateTime?: string | null;
    }>({
      operation: subject.type === 'servicePrincipal' ? 'readServicePrincipal' : 'readUser',
      method: 'GET',
      path: `/${path}/${enc(subject.id)}`,
      query: {
        $select:
          subject.type === 'servicePrincipal'
            ? 'id,accountEnabled'
            : 'id,accountEnabled,signInSessionsValidFromDateTime',
      },
    });
    if (!read.ok) {
      const detail = `could not read ${subject.id}: ${describeGraphFailure(read.failure)}`;
      for (const e of [disabled, revoked]) if (e) unchecked.push({ check: e.check, detail });
    } else {
      if (disabled && read.value.accountEnabled !== false) {
        drift.push({
          check: 'accountDisabled',
          target: subject.id,
          action: disabled.action,
          detail: `accountEnabled is ${String(read.value.accountEnabled ?? 'not reported')}: the account was disabled by containment and has been re-enabled`,
        });
      }
      if (revoked?.check === 'sessionsRevoked') {
        const validFrom = read.value.signInSessionsValidFromDateTime ?? undefined;
        const floor = Date.parse(revoked.revokedAt) - CLOCK_SKEW_MS;
        if (validFrom === undefined) {
          unchecked.push({
            check: 'sessionsRevoked',
            detail: 'signInSessionsValidFromDateTime is not reported',
          });
        } else if (Date.parse(validFrom) < floor) {
          drift.push({
            check: 'sessionsRevoked',
            target: subject.id,
            action: revoked.action,
            detail: `signInSessionsValidFromDateTime is ${validFrom}, older than the revoke at ${revoked.revokedAt}: sessions issued before the revoke are valid again`,
          });
        }
      }
    }
  }
  const privilege = wants('noPrivilegedRole');
  if (privilege?.check === 'noPrivilegedRole') {
    const found = await privilegeHeldAgain(session, subject.id, new Set(privilege.ignore));
    if (found.unchecked) unchecked.push({ check: 'noPrivilegedRole', detail: found.unchecked });
    for (const path of found.paths) {
      drift.push({
        check: 'noPrivilegedRole',
        target: path.target,
        action: privilege.action,
        detail: `${path.label} grants privilege again after containment removed it`,
      });
    }
  }
  return { checkedAt: clock.now().toISOString(), drift, unchecked };
}

/**
 * Every path back to a directory role that exists now (active, eligible, through a
 * role-assignable group or PIM for Groups): the same finder containment removes with, so the
 * watch sees whatever containment would have removed. Paths containment could not remove
 * (`ignore`) are not drift. A listing that fails leaves the check unchecked, never clean.
 */
async function privilegeHeldAgain(
  session: GraphTenantSession,
  subjectId: string,
  ignore: ReadonlySet<string>,
): Promise<{ paths: { target: string; label: string }[]; unchecked?: string }> {
  const resolved = await resolveUserId(session, subjectId);
  if (!resolved.ok) {
    return {
      paths: [],
      unchecked: `the user's object id could not be read: ${describeGraphFailure(resolved.failure)}`,
    };
  }
  const found = await findPrivilegedPaths(session, resolved.value.id);
  const paths = [
    ...found.removable.map((r) => ({ target: targetOf(r.change), label: r.label })),
    ...found.unremovable.map((u) => ({ target: u.target, label: `${u.label} (${u.why})` })),
  ].filter((path) => !ignore.has(path.target));
  const unreadable = found.unreadable.map(
    ({ listing, failure }) => `${listing} could not be read: ${describeGraphFailure(failure)}`,
  );
  return unreadable.length > 0 ? { paths, unchecked: unreadable.join('; ') } : { paths };
}
