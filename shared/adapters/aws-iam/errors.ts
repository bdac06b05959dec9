import type { OutcomeError } from '../containment-outcome.ts';

const FORBIDDEN = ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation'];
const NOT_FOUND = ['NoSuchEntity', 'NoSuchEntityException'];
const THROTTLED = [
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
];
const UNMODIFIABLE = ['UnmodifiableEntity', 'UnmodifiableEntityException'];
const INVALID = [
  'LimitExceeded',
  'LimitExceededException',
  'MalformedPolicyDocument',
  'MalformedPolicyDocumentException',
  'InvalidInput',
  'InvalidInputException',
];
const TRANSIENT = [
  'ServiceFailure',
  'ServiceFailureException',
  'InternalFailure',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'ConcurrentModification',
  'ConcurrentModificationException',
];
const NETWORK = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN'];

/**
 * An IAM SDK error as a containment failure class. `forbidden` names the IAM action the
 * responder's role lacks, so the fix is one policy line. Messages carry ARNs, never credentials.
 */
export function classifyIamError(error: unknown, iamAction: string): OutcomeError {
  const e = (error ?? {}) as {
    name?: string;
    message?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? 'Error';
  const message = `${iamAction}: ${name}: ${(e.message ?? String(error)).slice(0, 500)}`;
  const httpStatus = e.$metadata?.httpStatusCode;
  const withStatus = <T extends OutcomeError>(value: T): T =>
    httpStatus === undefined ? value : { ...value, httpStatus };
  if (error instanceof DeadlineError || name === 'AbortError') {
    // Our own deadline ended the call (retries included): redelivery finishes it.
    return {
      class: 'deadline',
      message: `${iamAction}: the invocation's deadline was reached`,
      retryable: true,
    };
  }

  if (FORBIDDEN.includes(name)) {
    return withStatus({
      class: 'forbidden',
      message,
      retryable: false,
      missingPermission: `iam:${iamAction}`,
    });
  }
  if (UNMODIFIABLE.includes(name)) {
    return withStatus({
      class: 'forbidden',
      message: `${message} (IAM protects this entity)`,
      retryable: false,
    });
  }
  if (NOT_FOUND.includes(name)) return withStatus({ class: 'notFound', message, retryable: false });
  if (THROTTLED.includes(name)) return withStatus({ class: 'throttled', message, retryable: true });
  if (INVALID.includes(name)) return withStatus({ class: 'invalid', message, retryable: false });
  if (
    TRANSIENT.includes(name) ||
    NETWORK.includes(e.code ?? '') ||
    e.$fault === 'server' ||
    (httpStatus !== undefined && httpStatus >= 500)
  ) {
    return withStatus({ class: 'transient', message, retryable: true });
  }
  return withStatus({ class: 'transient', message, retryable: false });
}

/** The invocation's deadline came before the IAM call could be sent or answered. */
export class DeadlineError extends Error {
  override readonly name = 'DeadlineError';
}
