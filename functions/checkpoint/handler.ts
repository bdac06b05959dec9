import { ledgerFor } from '../../shared/aws/runtime.ts';
import { lambdaLog } from '../../shared/observability.ts';
import { checkpointLedger } from '../../shared/use-cases/verify-ledger.ts';

/** `checkpoint`: on a schedule, chains the heads of every incident that changed (tamper evidence). */
const store = ledgerFor();

export const handler = async (): Promise<void> => {
  const result = await checkpointLedger(store);
  lambdaLog.info('ledger checkpoint', { ...result });
};
