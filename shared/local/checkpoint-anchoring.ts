import { join } from 'node:path';
import { FolderAnchors } from '../adapters/anchors/folder-anchors.ts';
import { LocalKeySigner } from '../adapters/signing/local-key-signer.ts';
import { systemClock } from '../ports/clock.ts';
import type { AnchorDeps } from '../use-cases/anchor-checkpoints.ts';

/** Local mode checkpoints after every run (AWS: every 15 minutes). */
export const LOCAL_CHECKPOINT_CADENCE =
  'after every local run (and on `responder ledger checkpoint`)';

/** Local mode's signer (a key pair in the state folder) and anchor store (`<state>/anchors`). */
export function localAnchoring(stateDir: string): AnchorDeps & { anchors: FolderAnchors } {
  return {
    signer: new LocalKeySigner(stateDir),
    anchors: new FolderAnchors(join(stateDir, 'anchors')),
    clock: systemClock,
  };
}
