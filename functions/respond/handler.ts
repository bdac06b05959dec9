import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseBoundedJson } from '../../shared/adapters/http/bounded-json.ts';
import { respondRuntime } from '../../shared/aws/runtime.ts';
import { lambdaLog, logger, MetricUnit, metrics } from '../../shared/observability.ts';
import { systemClock } from '../../shared/ports/clock.ts';
import { normalizeEvent } from '../../shared/sources/normalize.ts';
import { rawSha256 } from '../../shared/sources/raw.ts';
import { recordRejection } from '../../shared/use-cases/record-rejection.ts';
import type { RespondResult } from '../../shared/use-cases/respond.ts';

/**
 * `respond`: SQS (fed by EventBridge rules and the intake API) → normalize → contain, attribute,
 * record, announce. Partial batch responses: one bad record never redelivers the others.
 */
const runtime = await respondRuntime(lambdaLog); // cold start: config, secrets, Graph sign-in
const processor = new BatchProcessor(EventType.SQS);
const MAX_MESSAGE_BYTES = 256 * 1024;

async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
  const parsed = parseBoundedJson(record.body, { maxBytes: MAX_MESSAGE_BYTES });
  const normalized = parsed.ok
    ? normalizeEvent(parsed.value, { trustedNativeSources: runtime.trustedNativeSources })
    : undefined;
  if (!normalized || normalized.kind === 'invalid') {
    // Bad input is recorded and not retried: redelivery cannot make it valid.
    await recordRejection(
      {
        channel: 'respond queue',
        rawSha256: normalized?.rawSha256 ?? rawSha256(record.body),
        message:
          normalized?.kind === 'invalid' ? normalized.error.message : parsed.ok ? '' : parsed.error,
        ...(normalized?.kind === 'invalid' ? { issues: normalized.error.issues } : {}),
      },
      { ledger: runtime.ledger, clock: systemClock },
    );
    metrics.addMetric('DetectionsRejected', MetricUnit.Count, 1);
    return;
  }
  if (normalized.kind === 'ignored') {
    runtime.log.info('event ignored', { reason: normalized.reason, messageId: record.messageId });
    return;
  }
  const attributes = record.messageAttributes;
  logger.appendKeys({ detectionId: normalized.detection.detectionId });
  const { result, replayed } = await runtime.respondOnce(
    {
      detection: normalized.detection,
      sourceEventId: attributes.sourceEventId?.stringValue ?? normalized.sourceEventId,
      rawSha256: attributes.rawSha256?.stringValue ?? normalized.rawSha256,
      ...sourceOf(attributes.sourceFormat?.stringValue ?? normalized.sourceFormat),
      ...senderOf(attributes.sender?.stringValue ?? normalized.sender),
      // Every retry and wait of containment ends before the function is cut off.
      deadline: Date.now() + context.getRemainingTimeInMillis(),
    },
    context,
  );
  if (!replayed) recordMetrics(result);
}

const sourceOf = (format: string | undefined) => (format ? { sourceFormat: format } : {});
const senderOf = (sender: string | undefined) => (sender ? { sender } : {});

function recordMetrics(result: RespondResult): void {
  if (result.timeToContainMs !== undefined) {
    metrics.addMetric('TimeToContain', MetricUnit.Milliseconds, result.timeToContainMs);
  }
  const count = (status: string) =>
    result.containment.filter((line) => line.status === status).length;
  metrics.addMetric('ActionsSucceeded', MetricUnit.Count, count('succeeded'));
  metrics.addMetric('ActionsFailed', MetricUnit.Count, count('failed'));
  metrics.addMetric('ApprovalRequired', MetricUnit.Count, result.approval ? 1 : 0);
  for (const owner of result.remediation) {
    const single = metrics.singleMetric();
    single.addDimension('OwnerRole', owner.ownerRole);
    single.addMetric('FailedControls', MetricUnit.Count, owner.failedControls.length);
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  try {
    return await processPartialResponse(
      event,
      (record: SQSRecord) => handleRecord(record, context),
      processor,
      {
        context,
      },
    );
  } finally {
    metrics.publishStoredMetrics();
  }
};
