import type { Stream } from '../domain/ssf/stream.ts';

/** A signed SET waiting for a receiver: on a poll queue, or held while its stream is paused. */
export interface QueuedSet {
  jti: string;
  set: string;
  /** The incident it tells of, so delivery can be recorded in that incident's ledger. */
  incidentId?: string;
  eventType: string;
}

/** Streams and their queues (DynamoDB in both modes). */
export interface StreamStore {
  list(): Promise<Stream[]>;
  get(streamId: string): Promise<Stream | undefined>;
  /** Creates or replaces the whole stream document. */
  put(stream: Stream): Promise<void>;
  /** Deletes the stream and whatever it still queues or holds. */
  delete(streamId: string): Promise<void>;
  enqueue(streamId: string, set: QueuedSet): Promise<void>;
  /** Up to `max` SETs available to poll, oldest first. */
  available(streamId: string, max: number): Promise<QueuedSet[]>;
  /** Acknowledged SETs are gone for good (RFC 8936 section 2.4). */
  acknowledge(streamId: string, jtis: readonly string[]): Promise<void>;
  hold(streamId: string, set: QueuedSet): Promise<void>;
  /** Removes and returns the SETs held while the stream was paused. */
  takeHeld(streamId: string): Promise<QueuedSet[]>;
}

/** Signs SET claims as a compact JWS (RS256, typ secevent+jwt) and publishes its public keys. */
export interface SetSigner {
  sign(claims: Record<string, unknown>): Promise<string>;
  jwks(): Promise<{ keys: Record<string, unknown>[] }>;
}

export type PushOutcome =
  | { delivered: true; attempts: number }
  | {
      delivered: false;
      attempts: number;
      /** 5xx, 429 or network trouble that outlasted the retries: try the whole delivery later. */
      retryable: boolean;
      httpStatus?: number;
      /** The receiver's RFC 8935 error code, when it gave one. */
      err?: string;
      description: string;
    };

/** RFC 8935 push to a stream's endpoint. */
export interface SetPusher {
  push(stream: Stream, set: string, deadline?: number): Promise<PushOutcome>;
}

/**
 * Work the management API hands to the transmitter, the only part that signs and delivers: a
 * verification event, or the SETs a paused stream held once it is enabled again.
 */
export type TransmitRequest =
  | { kind: 'verify'; streamId: string; state?: string }
  | { kind: 'resume'; streamId: string };

/** The transmit queue in AWS; in-process locally. */
export interface TransmitRequests {
  request(request: TransmitRequest): Promise<void>;
}
