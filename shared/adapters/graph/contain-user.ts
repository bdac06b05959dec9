import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  ContainmentResult,
  VerificationResult,
} from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { startAction, tenths } from '../containment-outcome.ts';
import { disableAccount } from './account-enabled.ts';
import type { CompromiseReporter } from './compromise-reporter.ts';
import { describeGraphFailure, outcomeErrorOf } from './errors.ts';
import type { GraphTenantSession } from './graph-session.ts';
import { checkPrivilege, isolateUserPrivilege } from './isolate-privilege.ts';

const enc = encodeURIComponent;

/**
 * Containment of an Entra user. Critical path: the revoke request is the first network call
 * (the token is already cached), and only once it has left the process do the role listings
 * start, in parallel with it. Role removals run in parallel; disabling waits for them, so an
 * account that was an administrator a moment ago no longer needs a privileged role on the app
 * to be disabled. Runs the actions among `requested`; `enteredAt` times the revoke from `contain`.
 */
export async function containUser(
  session: GraphTenantSession,
  request: ContainmentRequest,
  requested: readonly ContainmentAction[],
  enteredAt: number,
  clock: Clock,
  reporter: CompromiseReporter,
): Promise<ContainmentResult> {
  const subject = request.subject;
  const wants = (action: ContainmentAction) => requested.includes(action);
  let timeToContainMs: number | undefined;
  let revoke: Promise<ActionOutcome> | undefined;
  if (wants('revokeSessions')) {
    let issued: () => void = () => undefined;
    const firstCallIssued = new Promise<void>((resolve) => {
      issued = resolve;
    });
    const started = startAction(clock, 'revokeSessions', subject.id, enteredAt);
    revoke = session
      .call<{ value?: boolean } | undefined>({
        operation: 'revokeSignInSessions',
        method: 'POST',
        path: `/users/${enc(subject.id)}/revokeSignInSessions`,
        onIssued: issued,
      })
      .then((result) => {
        if (!result.ok) return started.failed(outcomeErrorOf(result.failure));
        timeToContainMs = tenths(performance.now() - enteredAt);
        return started.succeeded(
          `refresh tokens and sign-in sessions revoked (${result.value?.value === undefined ? 'no content' : `value: ${String(result.value.value)}`}); CAE-capable services react within minutes, other access tokens stay valid until they expire`,
        );
      });
    // Nothing else leaves before the revoke request has.
    await firstCallIssued;
  }
  const isolate = wants('isolatePrivilege')
    ? isolateUserPrivilege(session, request, clock)
    : undefined;
  const mark = wants('markCompromised')
    ? reporter.markCompromised(session, 'user', subject.id)
    : undefined;
  const disable = wants('disableAccount')
    ? (isolate ?? Promise.resolve([])).then(() =>
        disableUser(session, subject.id, clock, request.recordIntent),
      )
    : undefined;
  const outcomes = [
    ...(revoke ? [await revoke] : []),
    ...((await isolate) ?? []),
    ...(mark ? [await mark] : []),
    ...(disable ? [await disable] : []),
  ];
  return timeToContainMs === undefined ? { outcomes } : { outcomes, timeToContainMs };
}

/**
 * Whether the sessions the detection saw are revoked (Graph's valid-from is after it), and,
 * re-listed in parallel, whether any path back to a directory role remains.
 */
export async function verifyUserRevocation(
  session: GraphTenantSession,
  id: string,
  detectedAt: string,
): Promise<Omit<VerificationResult, 'checkedAt'>> {
  const [revocation, privilege] = await Promise.all([
    verifySessions(session, id, detectedAt),
    checkPrivilege(session, id),
  ]);
  return { ...revocation, detail: `${revocation.detail}; ${privilege.detail}`, privilege };
}

async function verifySessions(
  session: GraphTenantSession,
  id: string,
  detectedAt: string,
): Promise<Omit<VerificationResult, 'checkedAt'>> {
  const read = await session.call<{ signInSessionsValidFromDateTime?: string | null }>({
    operation: 'readUser',
    method: 'GET',
    path: `/users/${enc(id)}`,
    query: { $select: 'id,signInSessionsValidFromDateTime' },
  });
  if (!read.ok) return { verified: false, detail: describeGraphFailure(read.failure) };
  const validFrom = read.value.signInSessionsValidFromDateTime ?? undefined;
  // Graph keeps whole seconds: compare with the detection time truncated to its second.
  const detectedSecond = Math.floor(Date.parse(detectedAt) / 1000) * 1000;
  const verified = validFrom !== undefined && Date.parse(validFrom) >= detectedSecond;
  return {
    verified,
    ...(validFrom === undefined ? {} : { sessionsValidFrom: validFrom }),
    detail: verified
      ? `sessions and refresh tokens issued before ${validFrom} are now invalid, which covers the session detected at ${detectedAt}`
      : `signInSessionsValidFromDateTime is ${validFrom ?? 'not set'}, before the detection at ${detectedAt}: revocation has not taken effect`,
  };
}

async function disableUser(
  session: GraphTenantSession,
  id: string,
  clock: Clock,
  intent?: ContainmentRequest['recordIntent'],
): Promise<ActionOutcome> {
  const started = startAction(clock, 'disableAccount', id);
  const read = await session.call<{ accountEnabled?: boolean }>({
    operation: 'readUser',
    method: 'GET',
    path: `/users/${enc(id)}`,
    query: { $select: 'id,accountEnabled' },
  });
  return disableAccount(session, 'user', id, read, started, intent);
}
