import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Log } from './ports/log.ts';

/**
 * The one place for Logger, Metrics and Tracer (Powertools for AWS Lambda). Lambdas import from
 * here; local mode uses its own stderr logger behind the same `Log` port.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'revocation-responder';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: 'RevocationResponder', serviceName });
export const tracer = new Tracer({ serviceName });
export { MetricUnit };

/** Powertools Logger behind the use cases' `Log` port. */
export const lambdaLog: Log = {
  debug: (message, attributes) => logger.debug(message, attributes ?? {}),
  info: (message, attributes) => logger.info(message, attributes ?? {}),
  warn: (message, attributes) => logger.warn(message, attributes ?? {}),
  error: (message, attributes) => logger.error(message, attributes ?? {}),
};
