import type { ActionOutcome } from '../../domain/containment.ts';
import type { Clock } from '../../ports/clock.ts';
import { startAction } from '../containment-outcome.ts';
import { outcomeErrorOf } from './errors.ts';
import type { GraphCallResult, GraphTenantSession } from './graph-session.ts';

/**
 * Identity Protection allows one request per second per tenant, and `confirmCompromised` takes a
 * list of ids. So reports queue per tenant and leave together in the next free slot: a mass
 * incident marks a hundred users in a few calls instead of a hundred seconds of waiting.
 */

/** Documented for `dismiss`; `confirmCompromised` documents none, so the same bound is kept. */
const MAX_IDS_PER_CALL = 60;

type Kind = 'user' | 'servicePrincipal';

interface Waiter {
  id: string;
  resolve: (result: GraphCallResult<unknown>) => void;
}

export class CompromiseReporter {
  readonly #queues = new Map<string, { waiters: Waiter[]; flushing: boolean }>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Confirms the identity compromised in Identity Protection: the `markCompromised` outcome. */
  async markCompromised(
    session: GraphTenantSession,
    kind: Kind,
    id: string,
  ): Promise<ActionOutcome> {
    const started = startAction(this.#clock, 'markCompromised', id);
    const result = await this.#report(session, kind, id);
    if (!result.ok) return started.failed(outcomeErrorOf(result.failure));
    return started.succeeded(
      kind === 'user'
        ? 'confirmed compromised in Identity Protection: user risk set to high (a CAE critical event)'
        : 'service principal confirmed compromised in Identity Protection',
    );
  }

  #report(session: GraphTenantSession, kind: Kind, id: string): Promise<GraphCallResult<unknown>> {
    const key = `${session.tenantId.toLowerCase()}|${kind}`;
    let queue = this.#queues.get(key);
    if (!queue) {
      queue = { waiters: [], flushing: false };
      this.#queues.set(key, queue);
    }
    const result = new Promise<GraphCallResult<unknown>>((resolve) => {
      queue.waiters.push({ id, resolve });
    });
    if (!queue.flushing) {
      queue.flushing = true;
      void this.#flush(session, kind, queue);
    }
    return result;
  }

  async #flush(
    session: GraphTenantSession,
    kind: Kind,
    queue: { waiters: Waiter[]; flushing: boolean },
  ): Promise<void> {
    while (queue.waiters.length > 0) {
      const waiting = session.waitForSlot('identityProtection');
      const refused = waiting ? await waiting : undefined;
      if (refused) {
        for (const w of queue.waiters.splice(0)) {
          w.resolve({ ok: false, failure: refused, attempts: 0, afterAmbiguous: false });
        }
        continue;
      }
      // Everyone who queued while we waited for the slot goes in this call.
      const batch = queue.waiters.splice(0, MAX_IDS_PER_CALL);
      const unique = [...new Set(batch.map((w) => w.id))];
      const result = await this.#send(session, kind, unique, true);
      if (!result.ok && unique.length > 1 && !result.failure.retryable) {
        // One unknown id must not sink the others: report them one by one.
        for (const id of unique) {
          const single = await this.#send(session, kind, [id], false);
          for (const w of batch) if (w.id === id) w.resolve(single);
        }
        continue;
      }
      for (const w of batch) w.resolve(result);
    }
    queue.flushing = false;
  }

  #send(
    session: GraphTenantSession,
    kind: Kind,
    ids: string[],
    slotHeld: boolean,
  ): Promise<GraphCallResult<unknown>> {
    return session.call(
      kind === 'user'
        ? {
            operation: 'confirmCompromisedUser',
            method: 'POST',
            path: '/identityProtection/riskyUsers/confirmCompromised',
            body: { userIds: ids },
            lane: 'identityProtection',
            firstSlotHeld: slotHeld,
          }
        : {
            operation: 'confirmCompromisedServicePrincipal',
            method: 'POST',
            path: '/identityProtection/riskyServicePrincipals/confirmCompromised',
            body: { servicePrincipalIds: ids },
            lane: 'identityProtection',
            firstSlotHeld: slotHeld,
          },
    );
  }
}
