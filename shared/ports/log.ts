/**
 * Structured logging as a port: Lambdas pass Powertools Logger (shared/observability.ts), the
 * local CLI a stderr logger, tests a recorder. Attributes must never carry secrets.
 */
export interface Log {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };
