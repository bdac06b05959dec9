import { incidentIdFor } from '../../domain/incident.ts';
import type { Clock } from '../../ports/clock.ts';
import type { LedgerWriter } from '../../ports/ledger.ts';
import type { Log } from '../../ports/log.ts';
import { type NormalizeContext, normalizeEvent } from '../../sources/normalize.ts';
import { rawSha256 } from '../../sources/raw.ts';
import type { DetectionResult } from '../../sources/result.ts';
import type { SetPushReceiver } from '../../sources/ssf/push.ts';
import { recordRejection } from '../../use-cases/record-rejection.ts';
import { parseBoundedJson } from './bounded-json.ts';
import { type HttpRequest, type HttpResponse, header, json } from './types.ts';

export interface IntakeApiOptions {
  /** Hands an accepted detection on: the respond queue in AWS, the pipeline itself locally. */
  deliver(result: DetectionResult): Promise<Record<string, unknown> | undefined>;
  ledger: LedgerWriter;
  clock: Clock;
  log: Log;
  /** Absent when no SSF transmitter is configured: the route then answers 404. */
  setReceiver?: SetPushReceiver;
  normalize?: NormalizeContext;
}

export type IntakeApi = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * `POST /v1/detections` (IAM auth in AWS) and `POST /v1/ssf/events` (the SET signature is the
 * auth). Bad input is refused with the field named, recorded in the ledger, and acts on nothing.
 */
export function createIntakeApi(options: IntakeApiOptions): IntakeApi {
  const rejected = async (channel: string, sha: string, message: string, extra: object = {}) => {
    const { incidentId } = await recordRejection(
      { channel, rawSha256: sha, message, ...extra },
      { ledger: options.ledger, clock: options.clock },
    );
    options.log.warn('input rejected', {
      channel,
      rawSha256: sha,
      message,
      rejectionRecord: incidentId,
    });
    return incidentId;
  };

  async function detections(request: HttpRequest): Promise<HttpResponse> {
    const body = request.body ?? '';
    const parsed = parseBoundedJson(body);
    if (!parsed.ok) {
      const record = await rejected('POST /v1/detections', rawSha256(body), parsed.error);
      return json(400, {
        error: 'invalid_request',
        message: parsed.error,
        rejectionRecord: record,
      });
    }
    const result = normalizeEvent(parsed.value, options.normalize);
    if (result.kind === 'invalid') {
      const record = await rejected('POST /v1/detections', result.rawSha256, result.error.message, {
        issues: result.error.issues,
      });
      return json(400, {
        error: 'invalid_detection',
        message: result.error.message,
        issues: result.error.issues,
        rejectionRecord: record,
      });
    }
    if (result.kind === 'ignored') {
      return json(202, { status: 'ignored', reason: result.reason });
    }
    // The authenticated caller is who sent it, whatever the payload declares.
    const delivered = await options.deliver(
      request.caller ? { ...result, sender: `iam:${request.caller}` } : result,
    );
    return json(202, {
      status: 'accepted',
      detectionId: result.detection.detectionId,
      incidentId: incidentIdFor(result.detection),
      ...delivered,
    });
  }

  async function ssfEvents(request: HttpRequest): Promise<HttpResponse> {
    if (!options.setReceiver) {
      return json(404, { err: 'invalid_request', description: 'no SSF transmitter is configured' });
    }
    const answer = await options.setReceiver.receivePushedSet(
      request.body ?? '',
      header(request, 'content-type'),
    );
    if (answer.status === 400) {
      await rejected('POST /v1/ssf/events', answer.rawSha256, answer.body.description, {
        err: answer.body.err,
      });
      return json(400, answer.body);
    }
    return { status: 202, headers: {}, body: '' };
  }

  return async (request) => {
    const route = `${request.method.toUpperCase()} ${request.path.replace(/\/+$/, '')}`;
    if (route === 'POST /v1/detections') return detections(request);
    if (route === 'POST /v1/ssf/events') return ssfEvents(request);
    return json(404, { error: 'not_found', message: `no route ${route}` });
  };
}
