import * as z from 'zod/mini';
import { parseWith } from '../../domain/validation.ts';
import { type ReleaseDeps, release } from '../../use-cases/release.ts';
import { parseBoundedJson } from './bounded-json.ts';
import { type HttpRequest, type HttpResponse, json } from './types.ts';

const ROUTE = /^\/v1\/incidents\/([A-Za-z0-9-]{1,128})\/release\/?$/;

const text = () => z.string().check(z.minLength(10), z.maxLength(2000));
// `reason`, the word of every operator decision; `justification`, its older name, stays accepted.
const releaseBodySchema = z
  .object({
    reason: z.optional(text()),
    justification: z.optional(text()),
    force: z.optional(z.boolean()),
  })
  .check(
    z.refine((body) => body.reason !== undefined || body.justification !== undefined, {
      message: 'give the reason for the release',
      path: ['reason'],
    }),
  );

/**
 * `POST /v1/incidents/{id}/release` `{"reason": "...", "force"?: true}`: the operator's restore
 * after investigation (IAM auth, the operator's role). `requestedBy` is the authenticated caller.
 */
export function createReleaseApi(deps: ReleaseDeps) {
  return async (request: HttpRequest, requestedBy: string): Promise<HttpResponse> => {
    const match = ROUTE.exec(request.path);
    if (request.method.toUpperCase() !== 'POST' || !match?.[1]) {
      return json(404, {
        error: 'not_found',
        message: `no route ${request.method} ${request.path}`,
      });
    }
    const body = parseBoundedJson(request.body ?? '', { maxBytes: 8 * 1024 });
    const parsed = body.ok
      ? parseWith(releaseBodySchema, body.value, 'release request')
      : undefined;
    if (!parsed?.ok) {
      const message = parsed ? parsed.error.message : body.ok ? '' : body.error;
      return json(400, {
        error: 'invalid_request',
        message,
        ...(parsed ? { issues: parsed.error.issues } : {}),
      });
    }
    const { reason, justification, force } = parsed.value;
    const result = await release(
      {
        incidentId: match[1],
        requestedBy,
        reason: reason ?? justification ?? '',
        ...(force ? { force } : {}),
      },
      deps,
    );
    const status =
      result.status === 'unknownIncident'
        ? 404
        : result.status === 'alreadyReleasing' || result.status === 'ledgerBroken'
          ? 409
          : 200;
    return json(status, result);
  };
}
