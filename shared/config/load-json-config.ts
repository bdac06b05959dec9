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
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${what} ${path}: not valid JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return configFrom(json, `${what} ${path}`, parse);
}
