import type {
  ActionOutcome,
  ContainmentAction,
  VerificationResult,
} from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { type StartedAction, startAction } from '../containment-outcome.ts';
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
 * both the disable and the credential removal.
 */
export class EntraServicePrincipalContainment {
  readonly #clock: Clock;
  readonly #reporter: CompromiseReporter;

  constructor(clock: Clock, reporter: CompromiseReporter) {
    this.#clock = clock;
    this.#reporter = reporter;
  }

  /** Runs the service principal's actions among `requested`. */
  async contain(
    session: GraphTenantSession,
    id: string,
    requested: readonly ContainmentAction[],
  ): Promise<ActionOutcome[]> {
    const wants = (action: ContainmentAction) => requested.includes(action);
    const mark = wants('markCompromised')
      ? this.#reporter.markCompromised(session, 'servicePrincipal', id)
      : undefined;
    const work: Promise<ActionOutcome[]>[] = [];
    if (wants('disableAccount') || wants('removeCredentials')) {
      const disabling = startAction(this.#clock, 'disableAccount', id);
      const removing = startAction(this.#clock, 'removeCredentials', id);
      const read = session.call<ServicePrincipalState>({
        operation: 'readServicePrincipal',
        method: 'GET',
        path: `/servicePrincipals/${enc(id)}`,
        query: { $select: 'id,accountEnabled,passwordCredentials' },
      });
      if (wants('disableAccount')) {
        work.push(read.then(async (sp) => [await this.#disable(session, id, sp, disabling)]));
      }
      if (wants('removeCredentials')) {
        work.push(read.then((sp) => this.#removePasswords(session, id, sp, removing)));
      }
    }
    const done = (await Promise.all(work)).flat();
    return [...(mark ? [await mark] : []), ...done];
  }

  /** Whether the service principal is disabled: what containment of a workload comes to. */
  async verify(
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

  async #disable(
    session: GraphTenantSession,
    id: string,
    sp: GraphCallResult<ServicePrincipalState>,
    started: StartedAction,
  ): Promise<ActionOutcome> {
    if (!sp.ok) return started.failed(outcomeErrorOf(sp.failure));
    if (sp.value.accountEnabled === false) {
      return started.succeeded(
        'the service principal was already disabled; nothing changed and nothing is recorded for restore',
      );
    }
    const patch = await session.call({
      operation: 'disableServicePrincipal',
      method: 'PATCH',
      path: `/servicePrincipals/${enc(id)}`,
      body: { accountEnabled: false },
    });
    return patch.ok
      ? started.succeeded(
          'service principal disabled: it can no longer obtain tokens; recorded for restore',
          [{ kind: 'servicePrincipalDisabled', subjectId: id }],
        )
      : started.failed(outcomeErrorOf(patch.failure));
  }

  /** One outcome per password credential; a secret cannot be put back, so none is recorded. */
  async #removePasswords(
    session: GraphTenantSession,
    id: string,
    sp: GraphCallResult<ServicePrincipalState>,
    started: StartedAction,
  ): Promise<ActionOutcome[]> {
    if (!sp.ok) return [started.failed(outcomeErrorOf(sp.failure))];
    const credentials = sp.value.passwordCredentials ?? [];
    if (credentials.length === 0) {
      return [started.succeeded('the service principal has no password credentials')];
    }
    return Promise.all(
      credentials.map(async (credential) => {
        const removing = startAction(
          this.#clock,
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
}
