import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmbeddedDynamoDb } from './embedded-dynamodb.ts';
import { LAST_USED_FILE } from './lingering-dynamodb.ts';

/**
 * Run detached by a CLI command: keeps DynamoDB Local up for the state folder so the next
 * command joins it in well under a second instead of starting a JVM, and stops it after
 * `idleSeconds` without a command (commands touch `last-used`), or on SIGTERM (`responder stop`).
 * Usage: node dynamodb-keeper.ts <dataDir> <idleSeconds>
 */
const [dataDir, idleText] = process.argv.slice(2);
const idleMs = Number(idleText) * 1000;
if (!dataDir || !(idleMs > 0)) {
  process.stderr.write('usage: dynamodb-keeper.ts <dataDir> <idleSeconds>\n');
  process.exit(2);
}
const db = await startEmbeddedDynamoDb({ dataDir });
const stop = async () => {
  clearInterval(timer);
  await db.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
const timer = setInterval(async () => {
  const used = await stat(join(dataDir, LAST_USED_FILE)).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (Date.now() - used > idleMs) await stop();
}, 2000);
