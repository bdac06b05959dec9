import type {
  ActionOutcome,
  ContainmentRequest,
  RestorableChange,
} from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { recordIntent, type StartedAction, startAction } from '../containment-outcome.ts';
import { outcomeErrorOf } from './errors.ts';
import type { GraphTenantSession } from './graph-session.ts';

/**
 * A workload's secrets and certificates usually live on its application object, not on the
 * service principal: containment removes them there too, when the application is registered in
 * this tenant. A multi-tenant application registered elsewhere cannot be changed from here;
 * disabling its service principal is then the containment, and the outcome says so.
 */

export interface Credential {
  keyId: string;
  displayName?: string | null;
}

type CredentialChange = Extract<RestorableChange, { kind: 'credentialRemoved' }>;

interface ApplicationState {
  id: string;
  passwordCredentials?: Credential[];
  keyCredentials?: Credential[];
}

const enc = encodeURIComponent;

export async function removeApplicationCredentials(
  session: GraphTenantSession,
  request: Pick<ContainmentRequest, 'recordIntent'>,
  subjectId: string,
  appId: string,
  clock: Clock,
): Promise<ActionOutcome[]> {
  const started = startAction(clock, 'removeCredentials', `application:${appId}`);
  const read = await session.call<ApplicationState>({
    operation: 'readApplication',
    method: 'GET',
    path: `/applications(appId='${enc(appId)}')`,
    query: { $select: 'id,appId,passwordCredentials,keyCredentials' },
  });
  if (!read.ok && read.failure.class === 'notFound') {
    return [
      started.skipped(
        'notApplicable',
        `application ${appId} is not registered in this tenant (a multi-tenant application from elsewhere): its secrets and certificates cannot be removed from here; disabling the service principal is the containment`,
      ),
    ];
  }
  if (!read.ok) return [started.failed(outcomeErrorOf(read.failure))];
  const app = read.value;
  const passwords = app.passwordCredentials ?? [];
  const keys = app.keyCredentials ?? [];
  if (passwords.length === 0 && keys.length === 0) {
    return [started.succeeded(`application ${appId} has no secrets or certificates`)];
  }
  const removals = passwords.map((credential) => {
    const removing = startAction(
      clock,
      'removeCredentials',
      `${app.id}/passwordCredentials/${credential.keyId}`,
    );
    const change = credentialChange(subjectId, 'application', app.id, 'password', credential);
    return withIntent(request, [change], removing, async () => {
      const removed = await session.call({
        operation: 'removeApplicationPassword',
        method: 'POST',
        path: `/applications/${enc(app.id)}/removePassword`,
        body: { keyId: credential.keyId },
      });
      const label = credential.displayName ? ` "${credential.displayName}"` : '';
      return removed.ok
        ? removing.succeeded(`application secret${label} removed; ${NOT_BACK}`, [change])
        : removing.failed(outcomeErrorOf(removed.failure));
    });
  });
  if (keys.length > 0) {
    // Certificates have no remove action: the whole keyCredentials collection is replaced.
    const removing = startAction(clock, 'removeCredentials', `${app.id}/keyCredentials`);
    const changes = keys.map((k) =>
      credentialChange(subjectId, 'application', app.id, 'certificate', k),
    );
    removals.push(
      withIntent(request, changes, removing, async () => {
        const patched = await session.call({
          operation: 'removeApplicationKeys',
          method: 'PATCH',
          path: `/applications/${enc(app.id)}`,
          body: { keyCredentials: [] },
        });
        return patched.ok
          ? removing.succeeded(
              `${keys.length} application certificate(s) removed; ${NOT_BACK}`,
              changes,
            )
          : removing.failed(outcomeErrorOf(patched.failure));
      }),
    );
  }
  return Promise.all(removals);
}

/** Records the removal of `changes` before `remove` runs; a refused record removes nothing. */
export async function withIntent(
  request: Pick<ContainmentRequest, 'recordIntent'>,
  changes: CredentialChange[],
  started: StartedAction,
  remove: () => Promise<ActionOutcome>,
): Promise<ActionOutcome> {
  return (await recordIntent(request.recordIntent, changes, started)) ?? remove();
}

export const NOT_BACK =
  'a removed credential cannot be put back: issue a new one after the investigation';

export function credentialChange(
  subjectId: string,
  owner: 'application' | 'servicePrincipal',
  ownerId: string,
  credentialType: 'password' | 'certificate',
  credential: Credential,
): CredentialChange {
  const change: CredentialChange = {
    kind: 'credentialRemoved',
    subjectId,
    owner,
    ownerId,
    credentialType,
    keyId: credential.keyId,
  };
  if (credential.displayName) change.displayName = credential.displayName;
  return change;
}
