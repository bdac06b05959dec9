import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EmbeddedDynamoDbError,
  LOCAL_LEDGER_TABLE,
  startEmbeddedDynamoDb,
} from '../../../shared/local/embedded-dynamodb.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'responder-embedded-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('embedded DynamoDB Local', { timeout: 120_000 }, () => {
  it('creates the ledger table, and a second process on the same folder joins instead of starting another', async () => {
    const dataDir = join(dir, 'dynamodb');
    const owner = await startEmbeddedDynamoDb({ dataDir });
    try {
      expect(owner.joined).toBe(false);
      const tables = await owner.client.send(new ListTablesCommand({}));
      expect(tables.TableNames).toContain(LOCAL_LEDGER_TABLE);
      expect(existsSync(join(dataDir, 'server.json'))).toBe(true);

      const second = await startEmbeddedDynamoDb({ dataDir });
      expect(second.joined).toBe(true);
      expect(second.endpoint).toBe(owner.endpoint);
      await second.close();
      // Closing the joiner leaves the owner's server running.
      await expect(owner.client.send(new ListTablesCommand({}))).resolves.toBeDefined();
    } finally {
      await owner.close();
    }
    expect(existsSync(join(dataDir, 'server.json'))).toBe(false);
    expect(existsSync(join(dataDir, 'shared-local-instance.db'))).toBe(true);
  });

  it('says that Java 17 is needed when java cannot be found', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const failure = startEmbeddedDynamoDb({});
      await expect(failure).rejects.toBeInstanceOf(EmbeddedDynamoDbError);
      await expect(failure).rejects.toThrow(/needs Java 17 or later/);
    } finally {
      process.env.PATH = path;
    }
  });
});
