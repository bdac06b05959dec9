import { randomUUID } from 'node:crypto';
import { VERIFICATION_EVENT } from '../domain/ssf/vocabulary.ts';
import type { TransmitRequest } from '../ports/ssf.ts';
import { deliverQueued, releaseHeld, type TransmitDeps } from './ssf-transmit.ts';

/**
 * The transmitter's side of what a receiver asked the management API for (SSF 8.1.4 verification,
 * 8.1.2.1 resuming a paused stream), so that only the transmitter signs and delivers. A stream
 * deleted or disabled meanwhile gets nothing. `retryable`: a push that may still succeed failed.
 */
export async function handleTransmitRequest(
  request: TransmitRequest,
  deps: Omit<TransmitDeps, 'defaultSubjects' | 'issuer'>,
): Promise<{ retryable: boolean }> {
  const stream = await deps.streams.get(request.streamId);
  if (!stream || stream.status === 'disabled') return { retryable: false };
  if (request.kind === 'resume') {
    if (stream.status !== 'enabled') return { retryable: false };
    return releaseHeld(stream, deps);
  }
  const jti = randomUUID();
  const set = await deps.signer.sign({
    iss: stream.iss,
    aud: stream.aud,
    iat: Math.floor(deps.clock.now().getTime() / 1000),
    jti,
    sub_id: { format: 'opaque', id: stream.stream_id },
    events: { [VERIFICATION_EVENT]: request.state === undefined ? {} : { state: request.state } },
  });
  const queued = { jti, set, eventType: VERIFICATION_EVENT };
  if (stream.status === 'paused') {
    await deps.streams.hold(stream.stream_id, queued);
    return { retryable: false };
  }
  const outcome = await deliverQueued(stream, queued, undefined, deps);
  return { retryable: outcome.status === 'failed' && outcome.retryable };
}

/** A transmit-queue message the management API sent, or undefined for a bus event. */
export function transmitRequestOf(message: unknown): TransmitRequest | undefined {
  const request = (message as { ssfRequest?: unknown } | null)?.ssfRequest as
    | Record<string, unknown>
    | undefined;
  if (!request || typeof request.streamId !== 'string' || request.streamId === '') return undefined;
  if (request.kind === 'resume') return { kind: 'resume', streamId: request.streamId };
  if (request.kind !== 'verify') return undefined;
  return {
    kind: 'verify',
    streamId: request.streamId,
    ...(typeof request.state === 'string' ? { state: request.state } : {}),
  };
}
