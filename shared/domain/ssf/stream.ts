import * as z from 'zod/mini';
import type { InvalidInputError, Result } from '../errors.ts';
import { parseWith } from '../validation.ts';
import {
  DELIVERY_POLL,
  DELIVERY_PUSH,
  STREAM_STATUSES,
  type StreamStatus,
  SUBJECT_FORMATS,
  SUPPORTED_EVENT_TYPES,
  type SubjectFormat,
} from './vocabulary.ts';

/**
 * An event stream as SSF 1.0 section 8.1.1 describes it, plus what the transmitter keeps beside
 * it: who owns it (the bearer token's principal), its status, its subject filter, and whether
 * it is a test stream (the only kind that hears about simulated containment).
 */
export interface Stream {
  stream_id: string;
  iss: string;
  aud: string | string[];
  events_supported: string[];
  events_requested: string[];
  events_delivered: string[];
  delivery: { method: string; endpoint_url?: string; authorization_header?: string };
  description?: string;
  min_verification_interval?: number;
  /** When the receiver last asked for a verification event (bookkeeping, not shown). */
  last_verification_at?: string;
  /** The subject identifier format SETs on this stream use (default `complex`). */
  format: SubjectFormat;
  test_stream: boolean;
  status: StreamStatus;
  reason?: string;
  owner: string;
  /** Subject keys (see subjectKeys) added and removed through the subject endpoints. */
  subjects_added: string[];
  subjects_removed: string[];
  created_at: string;
}

const deliverySchema = z.object({
  method: z.enum([DELIVERY_PUSH, DELIVERY_POLL]),
  endpoint_url: z.optional(z.url()),
  authorization_header: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
});

/**
 * The receiver-supplied members of a create or replace request. Transmitter-supplied ones
 * (`iss`, `aud`, `events_supported`, `events_delivered`, …) are not read from it: on create they
 * are ignored (SSF 8.1.1.1 lists only receiver-supplied values), on update and replace they must
 * match (see transmitterSuppliedMismatch).
 */
const streamRequestSchema = z.object({
  events_requested: z.array(z.string().check(z.maxLength(512))).check(z.maxLength(50)),
  delivery: deliverySchema,
  description: z.optional(z.string().check(z.maxLength(1024))),
  format: z.optional(z.enum(SUBJECT_FORMATS)),
  test_stream: z.optional(z.boolean()),
});
export type StreamRequest = z.infer<typeof streamRequestSchema>;

/** PATCH: every member optional, `stream_id` required. */
const streamPatchSchema = z.object({
  stream_id: z.string().check(z.minLength(1), z.maxLength(128)),
  ...z.partial(streamRequestSchema).shape,
});
export type StreamPatch = z.infer<typeof streamPatchSchema>;

const statusRequestSchema = z.object({
  stream_id: z.string().check(z.minLength(1), z.maxLength(128)),
  status: z.enum(STREAM_STATUSES),
  reason: z.optional(z.string().check(z.maxLength(1024))),
});

export function parseStreamRequest(input: unknown): Result<StreamRequest, InvalidInputError> {
  return parseWith(streamRequestSchema, input, 'stream configuration');
}

export function parseStreamPatch(input: unknown): Result<StreamPatch, InvalidInputError> {
  return parseWith(streamPatchSchema, input, 'stream configuration');
}

export function parseStatusRequest(
  input: unknown,
): Result<z.infer<typeof statusRequestSchema>, InvalidInputError> {
  return parseWith(statusRequestSchema, input, 'stream status');
}

const TRANSMITTER_SUPPLIED = [
  'iss',
  'aud',
  'events_supported',
  'events_delivered',
  'min_verification_interval',
  'inactivity_timeout',
] as const;

/**
 * SSF 8.1.1.3 and 8.1.1.4: on update and replace, transmitter-supplied properties besides
 * `stream_id` may be echoed back but must match the stream's; the first that differs, by name.
 */
export function transmitterSuppliedMismatch(
  body: Record<string, unknown>,
  stream: Stream,
): string | undefined {
  const current = streamConfiguration(stream);
  return TRANSMITTER_SUPPLIED.find(
    (name) => name in body && JSON.stringify(body[name]) !== JSON.stringify(current[name]),
  );
}

/**
 * The `min_verification_interval` every stream advertises: a receiver asking for verification
 * events more often is answered 429 (SSF 8.1.1).
 */
export const MIN_VERIFICATION_INTERVAL_SECONDS = 60;

/** Seconds until a verification may be asked for again, or 0 when it may be now. */
export function verificationWait(stream: Stream, now: Date): number {
  if (!stream.last_verification_at) return 0;
  const interval = (stream.min_verification_interval ?? MIN_VERIFICATION_INTERVAL_SECONDS) * 1000;
  const next = Date.parse(stream.last_verification_at) + interval;
  return next > now.getTime() ? Math.ceil((next - now.getTime()) / 1000) : 0;
}

/** `events_delivered`: what was asked for and the transmitter can send (SSF 8.1.1). */
export function eventsDelivered(requested: readonly string[]): string[] {
  return SUPPORTED_EVENT_TYPES.filter((type) => requested.includes(type));
}

/** What a receiver sees of a stream: the SSF members, not the transmitter's bookkeeping. */
export function streamConfiguration(stream: Stream): Record<string, unknown> {
  const {
    owner,
    subjects_added,
    subjects_removed,
    created_at,
    status,
    reason,
    last_verification_at,
    ...visible
  } = stream;
  const { authorization_header, ...delivery } = stream.delivery;
  return { ...visible, delivery };
}
