import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { openTicketsDeps } from '../../shared/aws/runtime.ts';
import { parseRemediationRequest } from '../../shared/domain/tickets/remediation-request.ts';
import { lambdaLog, logger, MetricUnit, metrics } from '../../shared/observability.ts';
import { rawSha256 } from '../../shared/sources/raw.ts';
import { openTicket } from '../../shared/use-cases/open-tickets.ts';
import { recordRejection } from '../../shared/use-cases/record-rejection.ts';

/**
 * `open-tickets`: `Remediation Requested` events (bus rule → queue) → one ticket per owner.
 * A retryable failure fails only its record, so the queue retries it and finally dead-letters it.
 */
const deps = await openTicketsDeps(); // cold start: config, ticket credentials
const processor = new BatchProcessor(EventType.SQS);

async function handleRecord(record: SQSRecord): Promise<void> {
  let detail: unknown;
  try {
    detail = (JSON.parse(record.body) as { detail?: unknown }).detail;
  } catch {
    detail = undefined;
  }
  const request = parseRemediationRequest(detail);
  if (!request.ok) {
    await recordRejection(
      {
        channel: 'tickets queue',
        rawSha256: rawSha256(record.body),
        message: request.error.message,
        issues: request.error.issues,
      },
      deps,
    );
    return;
  }
  logger.appendKeys({ incidentId: request.value.incidentId, ownerTeam: request.value.owner.team });
  const outcome = await openTicket(request.value, deps);
  metrics.addMetric(
    outcome.status === 'failed' ? 'TicketsFailed' : 'TicketsOpened',
    MetricUnit.Count,
    1,
  );
  lambdaLog.info('ticket handled', { ...outcome });
}

export const handler = async (event: SQSEvent, context: Context) => {
  logger.addContext(context);
  try {
    return await processPartialResponse(event, handleRecord, processor, { context });
  } finally {
    metrics.publishStoredMetrics();
  }
};
