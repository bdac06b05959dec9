import { createHash } from 'node:crypto';
import type { LedgerEntry, LedgerRecord } from '../domain/ledger/record.ts';
import { jtiFor, type Signal, signalsOf } from '../domain/ssf/signals.ts';
import type { Stream } from '../domain/ssf/stream.ts';
import { detectionSubjectKeys, streamIncludes, subjectIdFor } from '../domain/ssf/subjects.ts';
import { DELIVERY_POLL } from '../domain/ssf/vocabulary.ts';
import type { Clock } from '../ports/clock.ts';
import type { LedgerReader, LedgerWriter } from '../ports/ledger.ts';
import type { QueuedSet, SetPusher, SetSigner, StreamStore } from '../ports/ssf.ts';

/**
 * The Shared Signals transmitter's use case: tell every subscribed receiver what containment (or
 * its release) did to an incident's subject. Reads the incident's ledger, so it consumes the
 * responder's results rather than changing how it responds, and is safe to run again: a SET's
 * `jti` is derived from incident, signal and stream, and what is recorded as sent is not sent
 * twice.
 */
export interface TransmitDeps {
  ledger: LedgerReader & LedgerWriter;
  streams: StreamStore;
  signer: SetSigner;
  pusher: SetPusher;
  clock: Clock;
  defaultSubjects: 'ALL' | 'NONE';
  /** This transmitter's `iss`: incidents raised by its own SETs are not echoed back. */
  issuer: string;
  /** Epoch ms by which the caller must return: push retries stop before it. */
  deadline?: number;
}

export interface TransmitResult {
  sent: number;
  held: number;
  failed: number;
  /** Some failures may succeed later (5xx, 429, unreachable): redeliver the trigger. */
  retryable: boolean;
}

export async function transmitIncidentSignals(
  incidentId: string,
  deps: TransmitDeps,
): Promise<TransmitResult> {
  const records = await incidentRecords(deps.ledger, incidentId);
  const signals = signalsOf(records).filter((s) => !echoOf(s.detection, deps.issuer));
  const result: TransmitResult = { sent: 0, held: 0, failed: 0, retryable: false };
  if (signals.length === 0) return result;
  const settled = settledJtis(records);
  const streams = await deps.streams.list();
  for (const stream of streams) {
    for (const signal of signals) {
      if (!wants(stream, signal, deps.defaultSubjects)) continue;
      const jti = jtiFor(signal, stream.stream_id);
      if (settled.has(jti)) continue;
      const outcome = await transmit(stream, signal, jti, deps);
      result[outcome.status] += 1;
      if (outcome.status === 'failed' && outcome.retryable) result.retryable = true;
    }
  }
  return result;
}

/**
 * A detection the responder's own receiver made from one of this transmitter's SETs (its id is
 * `ssf:<sha256(iss) prefix>:<jti>`, see sources/ssf/events.ts): signalling it again would loop.
 */
function echoOf(detection: Signal['detection'], issuer: string): boolean {
  const prefix = createHash('sha256').update(issuer).digest('hex').slice(0, 16);
  return detection.detectionId.startsWith(`ssf:${prefix}:`);
}

/** Whether a stream hears about this signal at all (event type, mode, subject filter). */
function wants(stream: Stream, signal: Signal, defaultSubjects: 'ALL' | 'NONE'): boolean {
  if (!stream.events_delivered.includes(signal.eventType)) return false;
  if (signal.mode === 'dry-run') return false; // nothing happened
  if (signal.mode === 'simulated' && !stream.test_stream) return false;
  return streamIncludes(stream, detectionSubjectKeys(signal.detection), defaultSubjects);
}

type Outcome = { status: 'sent' | 'held' } | { status: 'failed'; retryable: boolean };

async function transmit(
  stream: Stream,
  signal: Signal,
  jti: string,
  deps: TransmitDeps,
): Promise<Outcome> {
  const base = { jti, streamId: stream.stream_id, eventType: signal.eventType };
  const subjectId = signal.detection.subject.id;
  const sub_id = subjectIdFor(signal.detection, stream.format);
  if (!sub_id) {
    await record(deps, signal.incidentId, subjectId, 'failed', {
      ...base,
      receiver: receiverOf(stream),
      retryable: false,
      description: `the subject has no ${stream.format} identifier: not sent`,
    });
    return { status: 'failed', retryable: false };
  }
  if (stream.status === 'disabled') {
    // SSF 8.1.2.1: a disabled stream neither transmits nor holds.
    await record(deps, signal.incidentId, subjectId, 'failed', {
      ...base,
      receiver: receiverOf(stream),
      retryable: false,
      description: 'stream disabled: the SET was dropped',
    });
    return { status: 'failed', retryable: false };
  }
  const set = await deps.signer.sign({
    iss: stream.iss,
    aud: stream.aud,
    iat: Math.floor(deps.clock.now().getTime() / 1000),
    jti,
    txn: signal.incidentId,
    sub_id,
    events: { [signal.eventType]: signal.event },
  });
  const queued: QueuedSet = {
    jti,
    set,
    incidentId: signal.incidentId,
    eventType: signal.eventType,
  };
  if (stream.status === 'paused') {
    await deps.streams.hold(stream.stream_id, queued);
    return { status: 'held' };
  }
  return deliverQueued(stream, queued, subjectId, deps);
}

/**
 * Delivers one signed SET on an enabled stream (push, or onto the poll queue) and records the
 * outcome in its incident's ledger. Also used when a paused stream is enabled again.
 */
export async function deliverQueued(
  stream: Stream,
  queued: QueuedSet,
  subjectId: string | undefined,
  deps: Pick<TransmitDeps, 'ledger' | 'streams' | 'pusher' | 'deadline'>,
): Promise<Outcome> {
  const base = {
    jti: queued.jti,
    streamId: stream.stream_id,
    eventType: queued.eventType,
    receiver: receiverOf(stream),
  };
  if (stream.delivery.method === DELIVERY_POLL) {
    await deps.streams.enqueue(stream.stream_id, queued);
    await record(deps, queued.incidentId, subjectId, 'sent', { ...base, method: 'poll' });
    return { status: 'sent' };
  }
  const pushed = await deps.pusher.push(stream, queued.set, deps.deadline);
  if (pushed.delivered) {
    await record(deps, queued.incidentId, subjectId, 'sent', {
      ...base,
      method: 'push',
      attempts: pushed.attempts,
    });
    return { status: 'sent' };
  }
  const { delivered, ...failure } = pushed;
  await record(deps, queued.incidentId, subjectId, 'failed', { ...base, ...failure });
  return { status: 'failed', retryable: pushed.retryable };
}

/**
 * Sends what a paused stream held, now that it is enabled (SSF 8.1.2.1). A push that can still
 * succeed goes back on hold rather than being lost, and `retryable` says to try again later.
 */
export async function releaseHeld(
  stream: Stream,
  deps: Pick<TransmitDeps, 'ledger' | 'streams' | 'pusher' | 'deadline'>,
): Promise<{ retryable: boolean }> {
  let retryable = false;
  for (const queued of await deps.streams.takeHeld(stream.stream_id)) {
    const outcome = await deliverQueued(stream, queued, undefined, deps);
    if (outcome.status === 'failed' && outcome.retryable) {
      await deps.streams.hold(stream.stream_id, queued);
      retryable = true;
    }
  }
  return { retryable };
}

function receiverOf(stream: Stream): string {
  return stream.delivery.method === DELIVERY_POLL
    ? `poll:${stream.stream_id}`
    : (stream.delivery.endpoint_url ?? stream.stream_id);
}

async function record(
  deps: Pick<TransmitDeps, 'ledger'>,
  incidentId: string | undefined,
  subjectId: string | undefined,
  status: 'sent' | 'failed',
  data: Record<string, unknown> & { jti: string; retryable?: boolean },
): Promise<void> {
  if (!incidentId) return;
  const entry: LedgerEntry = {
    kind: status === 'sent' ? 'signal.sent' : 'signal.failed',
    stepKey:
      status === 'sent'
        ? `signal:${data.jti}`
        : `signal:${data.jti}:failed:${data.retryable ? 'retryable' : 'final'}`,
    status,
    ...(subjectId ? { subjectId } : {}),
    data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
  };
  await deps.ledger.append(incidentId, [entry]);
}

/** SETs already delivered or finally refused: a redelivery does not send them again. */
function settledJtis(records: readonly LedgerRecord[]): Set<string> {
  return new Set(
    records
      .filter(
        (r) =>
          r.kind === 'signal.sent' || (r.kind === 'signal.failed' && r.data.retryable === false),
      )
      .map((r) => String(r.data.jti)),
  );
}

async function incidentRecords(reader: LedgerReader, incidentId: string): Promise<LedgerRecord[]> {
  const records: LedgerRecord[] = [];
  let pageToken: string | undefined;
  do {
    const page = await reader.query({ incidentId }, pageToken);
    records.push(...page.records);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return records;
}
