import { anchorDepsFor } from '../../shared/aws/anchoring.ts';
import { ledgerFor } from '../../shared/aws/runtime.ts';
import { lambdaLog } from '../../shared/observability.ts';
import { anchorCheckpoints } from '../../shared/use-cases/anchor-checkpoints.ts';
import { checkpointLedger } from '../../shared/use-cases/verify-ledger.ts';

/**
 * `checkpoint`: on a schedule, chains the heads of every incident that changed, then signs each
 * new checkpoint with the KMS key only this function may use and anchors it in the locked bucket.
 */
const store = ledgerFor();
const anchoring = anchorDepsFor();

export const handler = async (): Promise<void> => {
  const result = await checkpointLedger(store);
  lambdaLog.info('ledger checkpoint', { ...result });
  const signed = await anchorCheckpoints(await store.checkpoints(), anchoring);
  lambdaLog.info('checkpoints anchored', {
    anchored: signed.map((s) => s.checkpoint.seq),
    location: anchoring.anchors.location,
  });
};
