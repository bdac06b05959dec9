import { chmod, mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignedCheckpoint } from '../../domain/ledger/signed-checkpoint.ts';
import type { CheckpointAnchors } from '../../ports/checkpoint-signing.ts';
import { anchorKey, parseSignedCheckpoint } from './anchor-object.ts';

/**
 * Local mode's anchor store: one read-only file per signed checkpoint in an append-only folder.
 * Files are created exclusively (`wx`): an existing one is never replaced.
 */
export class FolderAnchors implements CheckpointAnchors {
  readonly location: string;

  constructor(folder: string) {
    this.location = folder;
  }

  async put(signed: SignedCheckpoint): Promise<void> {
    await mkdir(this.location, { recursive: true });
    const path = join(this.location, anchorKey(signed.checkpoint.seq));
    const handle = await open(path, 'wx', 0o444);
    try {
      await handle.writeFile(`${JSON.stringify(signed, null, 2)}\n`);
    } finally {
      await handle.close();
    }
    await chmod(path, 0o444);
  }

  async list(): Promise<SignedCheckpoint[]> {
    const files = await this.#files();
    return Promise.all(
      files.map(async (name) =>
        parseSignedCheckpoint(await readFile(join(this.location, name), 'utf8'), name),
      ),
    );
  }

  async newest(): Promise<SignedCheckpoint | undefined> {
    const name = (await this.#files()).pop();
    if (name === undefined) return undefined;
    return parseSignedCheckpoint(await readFile(join(this.location, name), 'utf8'), name);
  }

  async #files(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.location);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.filter((name) => /^checkpoint-\d{12}\.json$/.test(name)).sort();
  }
}
