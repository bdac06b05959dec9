import { redactSecrets } from '../domain/redaction.ts';
import type { Log } from '../ports/log.ts';

type Level = keyof Log;
const ORDER: readonly Level[] = ['debug', 'info', 'warn', 'error'];

/** A Log that scrubs the configured secret values from every message and attribute. */
export function redactingLog(inner: Log, secrets: () => readonly string[]): Log {
  const wrap =
    (level: Level) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      const known = secrets();
      inner[level](redactSecrets(message, known), attributes && redactSecrets(attributes, known));
    };
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/** JSON lines on stderr, for the CLI and the local server: stdout stays for results. */
export function stderrLog(
  minimum: Level = 'warn',
  write = (line: string) => process.stderr.write(line),
): Log {
  const emit =
    (level: Level) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      if (ORDER.indexOf(level) < ORDER.indexOf(minimum)) return;
      write(
        `${JSON.stringify({ level, time: new Date().toISOString(), message, ...attributes })}\n`,
      );
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}
