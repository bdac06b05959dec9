import type {
  ActionOutcome,
  ContainmentAction,
  ContainmentRequest,
  VerificationResult,
} from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { recordIntent, type StartedAction, startAction } from '../containment-outcome.ts';
import { disableAccount } from './account-enabled.ts';
import type { CompromiseReporter } from './compromise-reporter.ts';
import { describeGraphFailure, outcomeErrorOf } from './errors.ts';
import type { GraphCallResult, GraphTenantSession } from './graph-session.ts';

const enc = encodeURIComponent;

interface ServicePrincipalState {
  accountEnabled?: boolean;
  passwordCredentials?: { keyId: string; hint?: string | null; displayName?: string | null }[];
}

/**
 * Containment of a workload identity (service principal): it has no sessions to revoke, so it is
 * confirmed compromised, disabled and stripped of its password credentials. One read serves
 * both the disable and the credential removal. Runs the actions among `requested`.
 */
export async function containServicePrincipal(
  session: GraphTenantSession,
  id: string,
  requested: readonly ContainmentAction[],
  clock: Clock,
  reporter: CompromiseReporter,
  intent?: ContainmentRequest['recordIntent'],
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
      query: { $select: 'id,accountEnabled,passwordCredentials' },
    });
    if (wants('disableAccount')) {
      work.push(
        read.then(async (sp) => [
          await disableAccount(session, 'servicePrincipal', id, sp, disabling, intent),
        ]),
      );
    }
    if (wants('removeCredentials')) {
      work.push(read.then((sp) => removePasswords(session, id, sp, removing, clock, intent)));
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

/** One outcome per password credential; a secret cannot be put back, so none is recorded. */
async function removePasswords(
  session: GraphTenantSession,
  id: string,
  sp: GraphCallResult<ServicePrincipalState>,
  started: StartedAction,
  clock: Clock,
  intent?: ContainmentRequest['recordIntent'],
): Promise<ActionOutcome[]> {
  if (!sp.ok) return [started.failed(outcomeErrorOf(sp.failure))];
  const credentials = sp.value.passwordCredentials ?? [];
  if (credentials.length === 0) {
    return [started.succeeded('the service principal has no password credentials')];
  }
  const unrecorded = await recordIntent(
    intent,
    credentials.map((c) => ({
      kind: 'credentialRemoved' as const,
      owner: 'servicePrincipal' as const,
      ownerId: id,
      credentialType: 'password' as const,
      keyId: c.keyId,
    })),
    started,
  );
  if (unrecorded) return [unrecorded];
  return Promise.all(
    credentials.map(async (credential) => {
      const removing = startAction(
        clock,
        'removeCredentials',
        `${id}/passwordCredentials/${credential.keyId}`,
      );
      const removed = await session.call({
        operation: 'removeServicePrincipalPassword',
        method: 'POST',
        path: `/servicePrincipals/${enc(id)}/removePassword`,
        body: { keyId: credential.keyId },
      });
      const label = credential.displayName ? ` "${credential.displayName}"` : '';
      return removed.ok
        ? removing.succeeded(
            `password credential${label} removed; a secret cannot be put back: issue a new one after the investigation`,
          )
        : removing.failed(outcomeErrorOf(removed.failure));
    }),
  );
}
