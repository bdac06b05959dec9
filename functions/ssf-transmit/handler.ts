import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseBoundedJson } from '../../shared/adapters/http/bounded-json.ts';
import { ssfTransmitDeps } from '../../shared/aws/runtime.ts';
import { lambdaLog, logger } from '../../shared/observability.ts';
import { handleTransmitRequest, transmitRequestOf } from '../../shared/use-cases/ssf-requests.ts';
import { transmitIncidentSignals } from '../../shared/use-cases/ssf-transmit.ts';

/**
 * `ssf-transmit`: the responder's own `Containment Completed` and `Release Completed` events
 * (EventBridge → SQS) → a signed SET to every subscribed stream; and the management API's
 * requests on the same queue (verification events, SETs held while a stream was paused), so this
 * is the only function that signs. A delivery that may still succeed (5xx, 429,
 * unreachable) fails the record, so SQS redelivers it; after the queue's receive limit it lands
 * in the dead-letter queue, where an alarm sees it. Sent SETs are never sent twice.
 */
const deps = ssfTransmitDeps();
const processor = new BatchProcessor(EventType.SQS);
const MAX_MESSAGE_BYTES = 256 * 1024;
/** Left for recording outcomes after the last push attempt. */
const DEADLINE_MARGIN_MS = 3000;

async function handleRecord(record: SQSRecord, context: Context): Promise<void> {
  const parsed = parseBoundedJson(record.body, { maxBytes: MAX_MESSAGE_BYTES });
  const deadline = Date.now() + context.getRemainingTimeInMillis() - DEADLINE_MARGIN_MS;
  const request = parsed.ok ? transmitRequestOf(parsed.value) : undefined;
  if (request) {
    const done = await handleTransmitRequest(request, { ...deps, deadline });
    lambdaLog.info('stream request handled', { ...request, ...done });
    if (done.retryable) throw new Error(`${request.kind} for ${request.streamId}: retry later`);
    return;
  }
  const detail = parsed.ok
    ? (parsed.value as { detail?: { incidentId?: unknown } }).detail
    : undefined;
  const incidentId = detail?.incidentId;
  if (typeof incidentId !== 'string' || incidentId === '') {
    // Redelivery cannot add an incident id: say so and let the message go.
    lambdaLog.warn('no incident in the event: nothing to transmit', {
      messageId: record.messageId,
    });
    return;
  }
  logger.appendKeys({ incidentId });
  const result = await transmitIncidentSignals(incidentId, { ...deps, deadline });
  lambdaLog.info('shared signals transmitted', { incidentId, ...result });
  if (result.retryable) {
    throw new Error(`${result.failed} SET(s) for ${incidentId} not delivered yet: retry later`);
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(
    event,
    (record: SQSRecord) => handleRecord(record, context),
    processor,
    // Report every failed record rather than throwing: each is redelivered on its own count.
    { context, throwOnFullBatchFailure: false },
  );
};
