import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  VerificationResult,
} from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { type StartedAction, startAction } from '../containment-outcome.ts';
import { disableAccount } from './account-enabled.ts';
import {
  type Credential,
  credentialChange,
  NOT_BACK,
  removeApplicationCredentials,
  withIntent,
} from './application-credentials.ts';
import type { CompromiseReporter } from './compromise-reporter.ts';
import { describeGraphFailure, outcomeErrorOf } from './errors.ts';
import type { GraphCallResult, GraphTenantSession } from './graph-session.ts';

const enc = encodeURIComponent;

interface ServicePrincipalState {
  appId?: string;
  accountEnabled?: boolean;
  passwordCredentials?: Credential[];
}

/**
 * Containment of a workload identity (service principal): it has no sessions to revoke, so it is
 * confirmed compromised, disabled and stripped of its credentials: the service principal's
 * passwords and, when its application is registered in this tenant, the application's secrets
 * and certificates (where they usually live). One read serves the disable and the removals.
 * Runs the actions among `requested`.
 */
export async function containServicePrincipal(
  session: GraphTenantSession,
  request: Pick<ContainmentRequest, 'recordIntent'>,
  id: string,
  requested: readonly ContainmentAction[],
  clock: Clock,
  reporter: CompromiseReporter,
): Promise<ActionOutcome[]> {
  const wants = (action: ContainmentAction) => requested.includes(action);
  const mark = wants('markCompromised')
    ? reporter.markCompromised(session, 'servicePrincipal', id)
    : undefined;
  const work: Promise<ActionOutcome[]>[] = [];
  if (wants('disableAccount') || wants('removeCredentials')) {
    const disabling = startAction(clock, 'disableAccount', id);
    const removing = startAction(clock, 'removeCredentials', id);
    const read = session.call<ServicePrincipalState>({
      operation: 'readServicePrincipal',
      method: 'GET',
      path: `/servicePrincipals/${enc(id)}`,
      query: { $select: 'id,appId,accountEnabled,passwordCredentials' },
    });
    if (wants('disableAccount')) {
      work.push(
        read.then(async (sp) => [
          await disableAccount(
            session,
            'servicePrincipal',
            id,
            sp,
            disabling,
            request.recordIntent,
          ),
        ]),
      );
    }
    if (wants('removeCredentials')) {
      work.push(
        read.then((sp) =>
          removeServicePrincipalPasswords(session, request, id, sp, removing, clock),
        ),
        read.then((sp) =>
          sp.ok && sp.value.appId
            ? removeApplicationCredentials(session, request, id, sp.value.appId, clock)
            : [],
        ),
      );
    }
  }
  const done = (await Promise.all(work)).flat();
  return [...(mark ? [await mark] : []), ...done];
}

/** Whether the service principal is disabled: what containment of a workload comes to. */
export async function verifyServicePrincipal(
  session: GraphTenantSession,
  id: string,
): Promise<Omit<VerificationResult, 'checkedAt'>> {
  const read = await session.call<{ accountEnabled?: boolean }>({
    operation: 'readServicePrincipal',
    method: 'GET',
    path: `/servicePrincipals/${enc(id)}`,
    query: { $select: 'id,accountEnabled' },
  });
  if (!read.ok) return { verified: false, detail: describeGraphFailure(read.failure) };
  const disabled = read.value.accountEnabled === false;
  return {
    verified: disabled,
    detail: disabled
      ? 'the service principal is disabled (workload identities have no sessions to revoke)'
      : 'the service principal is still enabled',
  };
}

/** One outcome per password credential of the service principal, each recorded (not restorable). */
async function removeServicePrincipalPasswords(
  session: GraphTenantSession,
  request: Pick<ContainmentRequest, 'recordIntent'>,
  id: string,
  sp: GraphCallResult<ServicePrincipalState>,
  started: StartedAction,
  clock: Clock,
): Promise<ActionOutcome[]> {
  if (!sp.ok) return [started.failed(outcomeErrorOf(sp.failure))];
  const credentials = sp.value.passwordCredentials ?? [];
  if (credentials.length === 0) {
    return [started.succeeded('the service principal has no password credentials')];
  }
  return Promise.all(
    credentials.map((credential) => {
      const removing = startAction(
        clock,
        'removeCredentials',
        `${id}/passwordCredentials/${credential.keyId}`,
      );
      const change = credentialChange(id, 'servicePrincipal', id, 'password', credential);
      return withIntent(request, [change], removing, async () => {
        const removed = await session.call({
          operation: 'removeServicePrincipalPassword',
          method: 'POST',
          path: `/servicePrincipals/${enc(id)}/removePassword`,
          body: { keyId: credential.keyId },
        });
        const label = credential.displayName ? ` "${credential.displayName}"` : '';
        return removed.ok
          ? removing.succeeded(`password credential${label} removed; ${NOT_BACK}`, [change])
          : removing.failed(outcomeErrorOf(removed.failure));
      });
    }),
  );
}
