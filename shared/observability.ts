import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import type { Log } from './ports/log.ts';

/**
 * The one place for Logger, Metrics and Tracer (Powertools for AWS Lambda). Lambdas import from
 * here; local mode uses its own stderr logger behind the same `Log` port.
 */
const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'revocation-responder';

export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: 'RevocationResponder', serviceName });

/**
 * Tracer (and the X-Ray SDK under it) is evaluated on first use, not at import: nothing before
 * the first revoke needs it, and it loads while the cold start waits on the network. A client
 * made before it has loaded is traced once it has.
 */
let tracerLoad: Promise<Tracer> | undefined;
function loadTracer(): Promise<Tracer> {
  // setImmediate: after the pending requests are on the wire, not in the microtasks before them.
  tracerLoad ??= new Promise((resolve) => setImmediate(resolve))
    .then(() => import('@aws-lambda-powertools/tracer'))
    .then(({ Tracer }) => new Tracer({ serviceName }));
  return tracerLoad;
}

/** An AWS SDK v3 client, traced by Powertools Tracer (X-Ray subsegments) once it has loaded. */
export function traced<T>(client: T): T {
  loadTracer().then(
    (tracer) => tracer.captureAWSv3Client(client),
    (error: unknown) => logger.warn('tracer not loaded: AWS calls go untraced', { error }),
  );
  return client;
}
export { MetricUnit };

/** Powertools Logger behind the use cases' `Log` port. */
export const lambdaLog: Log = {
  debug: (message, attributes) => logger.debug(message, attributes ?? {}),
  info: (message, attributes) => logger.info(message, attributes ?? {}),
  warn: (message, attributes) => logger.warn(message, attributes ?? {}),
  error: (message, attributes) => logger.error(message, attributes ?? {}),
};
