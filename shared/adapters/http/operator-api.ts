import { InvalidInputError } from '../../domain/errors.ts';
import { parseOperatorDecision } from '../../domain/operator-decision.ts';
import { approve, type DecisionDeps, type DecisionResult } from '../../use-cases/approve.ts';
import { deny } from '../../use-cases/deny.ts';
import { listIncidents, parseIncidentListQuery } from '../../use-cases/list-incidents.ts';
import type { ReleaseDeps } from '../../use-cases/release.ts';
import { parseBoundedJson } from './bounded-json.ts';
import { createReleaseApi } from './release-api.ts';
import { type HttpRequest, type HttpResponse, json } from './types.ts';

const DECISION = /^\/v1\/incidents\/([A-Za-z0-9-]{1,128})\/(approve|deny)\/?$/;
const RELEASE = /^\/v1\/incidents\/[^/]+\/release\/?$/;
const INCIDENTS = /^\/v1\/incidents\/?$/;

/**
 * The operators' API: `POST /v1/incidents/{id}/approve|deny` `{ reason, actions?, subjects?,
 * detections? }`, `GET /v1/incidents?status=&since=`, and the release route. `by` is the
 * authenticated caller (IAM in AWS; the loopback operator locally).
 */
export function createOperatorApi(deps: DecisionDeps & ReleaseDeps) {
  const releaseApi = createReleaseApi(deps);
  return async (request: HttpRequest, by: string): Promise<HttpResponse> => {
    const method = request.method.toUpperCase();
    if (RELEASE.test(request.path)) return releaseApi(request, by);
    if (INCIDENTS.test(request.path) && method === 'GET') {
      const query = parseIncidentListQuery({ ...request.query });
      if (!query.ok) return invalid(query.error);
      return json(200, { incidents: await listIncidents(query.value, deps) });
    }
    const match = DECISION.exec(request.path);
    if (method !== 'POST' || !match?.[1]) {
      return json(404, {
        error: 'not_found',
        message: `no route ${request.method} ${request.path}`,
      });
    }
    const [, incidentId, verb] = match;
    const body = parseBoundedJson(request.body ?? '', { maxBytes: 16 * 1024 });
    if (!body.ok) return json(400, { error: 'invalid_request', message: body.error });
    const decision = parseOperatorDecision(body.value);
    if (!decision.ok) return invalid(decision.error);
    if (verb === 'deny' && decision.value.actions) {
      return invalid(
        new InvalidInputError('deny', [
          { path: 'actions', message: 'deny closes every held action; give no actions' },
        ]),
      );
    }
    try {
      const run = verb === 'approve' ? approve : deny;
      return answer(await run({ ...decision.value, incidentId, by }, deps));
    } catch (error) {
      if (error instanceof InvalidInputError) return invalid(error);
      throw error;
    }
  };
}

function answer(result: DecisionResult): HttpResponse {
  switch (result.status) {
    case 'unknownIncident':
      return json(404, result);
    case 'nothingAwaiting':
    case 'expired':
      return json(409, result);
    default:
      return json(200, result);
  }
}

function invalid(error: InvalidInputError): HttpResponse {
  return json(400, { error: 'invalid_request', message: error.message, issues: error.issues });
}
