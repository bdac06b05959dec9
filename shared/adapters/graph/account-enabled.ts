import type { ActionOutcome, ContainmentRequest } from '../../domain/containment.ts';
import { recordIntent, type StartedAction } from '../containment-outcome.ts';
import { outcomeErrorOf } from './errors.ts';
import type { GraphCallResult, GraphTenantSession } from './graph-session.ts';

/**
 * `accountEnabled` of a user or a service principal: containment turns it off (and records that
 * for restore), restore turns it back on. Sign-in is blocked either way; nothing else changes.
 */

type Kind = 'user' | 'servicePrincipal';

const SWITCH = {
  user: {
    path: 'users',
    disable: 'disableUser',
    enable: 'enableUser',
    already: 'the account was already disabled',
    disabled: 'account disabled (accountEnabled: false)',
    reenabled: 'account re-enabled',
    recorded: 'accountDisabled',
  },
  servicePrincipal: {
    path: 'servicePrincipals',
    disable: 'disableServicePrincipal',
    enable: 'enableServicePrincipal',
    already: 'the service principal was already disabled',
    disabled: 'service principal disabled: it can no longer obtain tokens',
    reenabled: 'service principal re-enabled',
    recorded: 'servicePrincipalDisabled',
  },
} as const;

function setAccountEnabled(
  session: GraphTenantSession,
  kind: Kind,
  id: string,
  enabled: boolean,
): Promise<GraphCallResult<unknown>> {
  const the = SWITCH[kind];
  return session.call({
    operation: enabled ? the.enable : the.disable,
    method: 'PATCH',
    path: `/${the.path}/${encodeURIComponent(id)}`,
    body: { accountEnabled: enabled },
  });
}

/** `disableAccount`, given the identity as just read: an account already off is left as it is. */
export async function disableAccount(
  session: GraphTenantSession,
  kind: Kind,
  id: string,
  read: GraphCallResult<{ accountEnabled?: boolean }>,
  started: StartedAction,
  intent?: ContainmentRequest['recordIntent'],
): Promise<ActionOutcome> {
  const the = SWITCH[kind];
  if (!read.ok) return started.failed(outcomeErrorOf(read.failure));
  if (read.value.accountEnabled === false) {
    return started.succeeded(`${the.already}; nothing changed and nothing is recorded for restore`);
  }
  const change = { kind: the.recorded, subjectId: id };
  const unrecorded = await recordIntent(intent, [change], started);
  if (unrecorded) return unrecorded;
  const patch = await setAccountEnabled(session, kind, id, false);
  return patch.ok
    ? started.succeeded(`${the.disabled}; recorded for restore`, [change])
    : started.failed(outcomeErrorOf(patch.failure));
}

/** Restore of a recorded `disableAccount`. */
export async function reenableAccount(
  session: GraphTenantSession,
  kind: Kind,
  id: string,
  started: StartedAction,
): Promise<ActionOutcome> {
  const result = await setAccountEnabled(session, kind, id, true);
  return result.ok
    ? started.succeeded(`${SWITCH[kind].reenabled} (it was disabled by containment)`)
    : started.failed(outcomeErrorOf(result.failure));
}
