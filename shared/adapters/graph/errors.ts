import { GraphError } from '@microsoft/microsoft-graph-client';
import type { FailureClass } from '../../domain/containment.ts';
import type { OutcomeError } from '../containment-outcome.ts';
import { GRAPH_PERMISSIONS, type GraphOperation } from './permissions.ts';

/** A Graph call that did not succeed, classified for the outcome and the retry policy. */
export interface GraphFailure {
  class: FailureClass;
  message: string;
  retryable: boolean;
  httpStatus?: number;
  missingPermission?: string;
  /** Graph's `Retry-After`, in ms from now, when it sent one. */
  retryAfterMs?: number;
  /** Graph may have acted although we got no success answer (timeout, 5xx, reset). */
  ambiguous: boolean;
}

/** Sign-in refused (bad secret, unknown app or tenant): fixing it needs an operator. */
export class SignInRejectedError extends Error {
  override readonly name = 'SignInRejectedError';
}

/** The login authority could not be reached or failed: worth retrying. */
export class SignInUnavailableError extends Error {
  override readonly name = 'SignInUnavailableError';
}

/** `Retry-After` as delta-seconds or an HTTP date, in ms from `nowMs`. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (value === null || value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

export function classifyGraphError(
  error: unknown,
  operation: GraphOperation,
  nowMs: number,
  redact: (text: string) => string,
): GraphFailure {
  if (!(error instanceof GraphError)) {
    const message = redact(error instanceof Error ? error.message : String(error));
    return { class: 'transient', message, retryable: true, ambiguous: true };
  }
  const status = error.statusCode;
  const code = error.code ?? '';
  const text = redact(`${code ? `${code}: ` : ''}${error.message}`);
  if (status === -1 || status === 0) {
    // No HTTP answer: the transport or the sign-in failed before one came back.
    switch (code) {
      case 'SignInRejectedError':
        return {
          class: 'forbidden',
          message: redact(`sign-in refused: ${error.message}`),
          retryable: false,
          ambiguous: false,
        };
      case 'SignInUnavailableError':
        return { class: 'transient', message: text, retryable: true, ambiguous: false };
      case 'GraphTimeoutError':
        return {
          class: 'transient',
          message: `timeout: ${error.message}`,
          retryable: true,
          ambiguous: true,
        };
      default:
        return { class: 'transient', message: text, retryable: true, ambiguous: true };
    }
  }
  const retryAfterMs = parseRetryAfter(error.headers?.get('retry-after'), nowMs);
  const base = { message: text, httpStatus: status };
  if (status === 429) {
    return {
      ...base,
      class: 'throttled',
      retryable: true,
      ambiguous: false,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (TRANSIENT_STATUSES.has(status)) {
    return {
      ...base,
      class: 'transient',
      retryable: true,
      ambiguous: true,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  if (status === 403) {
    return {
      ...base,
      class: 'forbidden',
      retryable: false,
      ambiguous: false,
      missingPermission: GRAPH_PERMISSIONS[operation],
    };
  }
  if (status === 401) {
    return { ...base, class: 'forbidden', retryable: false, ambiguous: false };
  }
  if (status === 404) return { ...base, class: 'notFound', retryable: false, ambiguous: false };
  return { ...base, class: 'invalid', retryable: false, ambiguous: false };
}

/** A Graph failure as an outcome reports it: no retry bookkeeping. */
export function outcomeErrorOf(failure: GraphFailure): OutcomeError {
  return {
    class: failure.class,
    message: failure.message,
    retryable: failure.retryable,
    ...(failure.missingPermission === undefined
      ? {}
      : { missingPermission: failure.missingPermission }),
    ...(failure.httpStatus === undefined ? {} : { httpStatus: failure.httpStatus }),
  };
}

/** One line for a verification detail or a note, e.g. `forbidden 403: ...`. */
export function describeGraphFailure(failure: GraphFailure): string {
  return `${failure.class}${failure.httpStatus ? ` ${failure.httpStatus}` : ''}: ${failure.message}`;
}
