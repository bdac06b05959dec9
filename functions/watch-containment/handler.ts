import type { Context } from 'aws-lambda';
import { watchDeps } from '../../shared/aws/runtime.ts';
import { lambdaLog } from '../../shared/observability.ts';
import { watchContainment } from '../../shared/use-cases/watch-containment.ts';

/**
 * `watch-containment`: on a schedule, re-checks every identity contained within the watch
 * period; drift is recorded, announced and, as the policy says, contained again.
 */
const deps = await watchDeps(lambdaLog);

export const handler = async (_event: unknown, context: Context): Promise<void> => {
  const report = await watchContainment({
    ...deps,
    deadline: Date.now() + context.getRemainingTimeInMillis(),
  });
  lambdaLog.info('containment watch done', {
    window: report.window,
    incidents: report.incidents.length,
    drifted: report.incidents.filter((i) => i.state === 'drifted').length,
    notReached: report.notReached,
  });
};
