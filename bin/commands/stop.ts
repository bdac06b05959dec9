import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stopLingering } from '../../shared/local/lingering-dynamodb.ts';
import { type CliIo, EXIT, stateDirOf, UsageError } from '../io.ts';

/** `responder stop`: ends the DynamoDB Local earlier commands left running for follow-ups. */
export async function stopCommand(args: string[], io: CliIo): Promise<number> {
  let stateDir: string | undefined;
  try {
    ({
      values: { 'state-dir': stateDir },
    } = parseArgs({ args, strict: true, options: { 'state-dir': { type: 'string' } } }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\nusage: responder stop [--state-dir DIR]`, {
      cause: error,
    });
  }
  const dataDir = resolve(stateDirOf(stateDir, io), 'dynamodb');
  io.out(
    (await stopLingering(dataDir))
      ? `stopped DynamoDB Local for ${dataDir}`
      : `no DynamoDB Local left running for ${dataDir}`,
  );
  return EXIT.ok;
}
