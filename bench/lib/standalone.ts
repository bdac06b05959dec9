import { loadAverage } from './machine.ts';

/**
 * A benchmark group run alone (`node bench/<group>.ts --name value ...`): reads its options and
 * prints its report as JSON with the load average it ran under.
 */
export async function runStandalone<T extends object>(
  measure: (option: (name: string, fallback: string) => string, flags: string[]) => Promise<T>,
): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: string) => {
    const index = args.indexOf(`--${name}`);
    return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
  };
  const started = loadAverage();
  const report = await measure(option, args);
  process.stdout.write(
    `${JSON.stringify({ loadAverage: { start: started, end: loadAverage() }, ...report }, null, 2)}\n`,
  );
}
