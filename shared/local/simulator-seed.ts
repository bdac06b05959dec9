import { existsSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigError, type InvalidInputError, type Result } from '../domain/errors.ts';

/**
 * A simulator's seed, shared by the simulated Entra tenant and the simulated AWS IAM: where it
 * comes from (a seed, or the state a previous local-mode run left) and how changes are kept.
 */

export interface SeedSource<Input> {
  /** A seed object, or the path of a seed JSON file. */
  seed: Input | string;
  /** Local mode: a state file loaded instead of the seed when it exists. */
  statePath?: string;
}

/** The state file when there is one, else the seed; a clear ConfigError when it is unusable. */
export async function loadSimulatorSeed<Input, Seed>(
  source: SeedSource<Input>,
  parse: (input: unknown) => Result<Seed, InvalidInputError>,
  /** e.g. `simulated tenant`, as the error names it. */
  what: string,
): Promise<Seed> {
  const { statePath } = source;
  const seed = statePath !== undefined && existsSync(statePath) ? statePath : source.seed;
  let input: unknown = seed;
  if (typeof seed === 'string') {
    try {
      input = JSON.parse(await readFile(seed, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read ${what} seed ${seed}: ${String(error)}`, {
        cause: error,
      });
    }
  }
  const parsed = parse(input);
  if (!parsed.ok) throw new ConfigError(parsed.error.message, { cause: parsed.error });
  return parsed.value;
}

/** With a state path, an `onChange` that rewrites the state file (owner-only) after each change. */
export function persistChanges(
  statePath: string | undefined,
  toSeed: () => unknown,
): { onChange?: () => void } {
  if (statePath === undefined) return {};
  return {
    onChange: () => {
      writeFileSync(statePath, `${JSON.stringify(toSeed(), null, 2)}\n`, { mode: 0o600 });
    },
  };
}
