import type { LocalResponse } from '../../shared/local/runtime.ts';
import type { SoakRequest } from './soak-traffic.ts';

/**
 * The soak's deliveries to the local server, as SQS would make them: a 5xx or a 409 (a copy
 * still in progress) is handed back and redelivered after a pause, dead-lettered after the last
 * try. It counts what the responder answered, by logical request (redeliveries counted once).
 */

export const COUNTERS = [
  'in',
  'contained',
  'partiallyContained',
  'notContained',
  'approvalRequired',
  'protectedIdentity',
  'notCovered',
  'nothingToDo',
  'rejected',
  'ignored',
  'duplicates',
  'setAccepted',
  'inProgress',
  'failedRetryable',
  'deadLettered',
  'lost',
] as const;
export type Counter = (typeof COUNTERS)[number];

const MAX_DELIVERIES = 5;

export class Deliveries {
  readonly counts = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>;
  readonly byLabel = new Map<string, number>();
  readonly deadLetters: SoakRequest[] = [];
  /** Every request as first sent, copies apart: what the ledger is checked against. */
  readonly logical: SoakRequest[] = [];
  transportErrors = 0;
  readonly #url: string;
  readonly #redeliveries: Array<{ request: SoakRequest; due: number }> = [];

  constructor(url: string) {
    this.#url = url;
  }

  /** Redeliveries waiting for their turn. */
  get waiting(): number {
    return this.#redeliveries.length;
  }

  /** A redelivery that is due, taken off the queue. */
  takeDue(now: number): SoakRequest | undefined {
    const due = this.#redeliveries.findIndex((r) => r.due <= now);
    if (due < 0) return undefined;
    return this.#redeliveries.splice(due, 1)[0]?.request;
  }

  /** At the end: what still waits for a redelivery is dead-lettered. */
  deadLetterWaiting(): void {
    for (const { request } of this.#redeliveries.splice(0)) {
      this.counts.deadLettered += 1;
      this.deadLetters.push(request);
    }
  }

  async deliver(request: SoakRequest): Promise<void> {
    const { counts } = this;
    request.deliveries += 1;
    if (request.deliveries === 1) {
      counts.in += 1;
      this.byLabel.set(request.label, (this.byLabel.get(request.label) ?? 0) + 1);
      if (!request.duplicate) this.logical.push(request);
    }
    let status: number;
    let text: string;
    try {
      const response = await fetch(`${this.#url}${request.path}`, {
        method: 'POST',
        headers: { 'content-type': request.contentType },
        body: request.body,
      });
      status = response.status;
      text = await response.text();
    } catch {
      this.transportErrors += 1;
      status = 599;
      text = '';
    }
    if (status >= 500 || status === 409) {
      // 409: a copy still in progress; 503: failed transiently; 5xx: failed. What SQS does:
      // hand it back, redeliver after a pause, dead-letter after the last try.
      if (request.deliveries === 1) counts[status === 409 ? 'inProgress' : 'failedRetryable'] += 1;
      if (request.deliveries >= MAX_DELIVERIES) {
        counts.deadLettered += 1;
        this.deadLetters.push(request);
      } else {
        this.#redeliveries.push({ request, due: Date.now() + 500 + 500 * request.deliveries });
      }
      return;
    }
    if (status === 400) {
      counts.rejected += 1;
      const body = JSON.parse(text || '{}') as { rejectionRecord?: string };
      if (request.expect.kind === 'rejection' && body.rejectionRecord) {
        request.expect = { kind: 'rejection', incidentId: body.rejectionRecord };
      }
      return;
    }
    if (text === '') {
      counts.setAccepted += 1;
      return;
    }
    const body = JSON.parse(text) as { status?: string; result?: LocalResponse };
    if (body.status === 'ignored') {
      counts.ignored += 1;
      return;
    }
    const result = body.result;
    if (!result) return;
    if (result.replayed) {
      counts.duplicates += 1;
      return;
    }
    const key = result.status === 'awaitingApproval' ? 'approvalRequired' : result.status;
    if ((COUNTERS as readonly string[]).includes(key)) counts[key as Counter] += 1;
  }
}
