import { readFileSync } from 'node:fs';
import { ConfigError, type InvalidInputError, type Result } from '../domain/errors.ts';

type Parse<T> = (input: unknown) => Result<T, InvalidInputError>;

/**
 * Configuration is validated once, at start-up, so a bad file stops the process with a message
 * naming the file and the field instead of misbehaving later.
 */
export function configFrom<T>(input: unknown, source: string, parse: Parse<T>): T {
  const parsed = parse(input);
  if (!parsed.ok)
    throw new ConfigError(`${source}: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.value;
}

/** Reads and validates a JSON configuration file. Throws ConfigError naming file and field. */
export function loadJsonConfig<T>(path: string, what: string, parse: Parse<T>): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(`${what} ${path}: cannot read (${code})`, { cause: error });
  }
  return configFrom(jsonFrom(text, `${what} ${path}`), `${what} ${path}`, parse);
}

/** JSON text from a file or a variable, or a ConfigError naming where it came from. */
export function jsonFrom(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
