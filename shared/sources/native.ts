import * as z from 'zod/mini';
import { detectionSchema, parseDetection } from '../domain/detection.ts';
import { InvalidInputError } from '../domain/errors.ts';
import { canonicalDetection } from '../domain/identity.ts';
import { parseWith } from '../domain/validation.ts';
import { rawSha256 } from './raw.ts';
import { invalid, type NormalizeResult } from './result.ts';

/** The contract's own event type on the bus (docs/contract.md, section 1). */
export const NATIVE_DETAIL_TYPE = 'Session Compromise Detected';

const nativeEventSchema = z.object({
  id: z.string(),
  'detail-type': z.literal(NATIVE_DETAIL_TYPE),
  source: z.string(),
  detail: detectionSchema,
});

/** A native detection as a file, stdin or `POST /v1/detections` body. */
export function normalizeNativeDetection(input: unknown): NormalizeResult {
  const sha = rawSha256(input);
  const parsed = parseDetection(input);
  if (!parsed.ok) return { kind: 'invalid', error: parsed.error, rawSha256: sha };
  return {
    kind: 'detection',
    detection: parsed.value,
    sourceEventId: parsed.value.detectionId,
    rawSha256: sha,
  };
}

/**
 * A native detection as the `detail` of an EventBridge event. When `trustedSources` is given,
 * an event from any other `source` is refused: the bus policy should already keep them out,
 * and this keeps a misconfigured rule from turning an untrusted publisher into a trigger.
 */
export function normalizeNativeEvent(
  input: unknown,
  trustedSources?: readonly string[],
): NormalizeResult {
  const sha = rawSha256(input);
  const parsed = parseWith(nativeEventSchema, input, 'Session Compromise Detected event');
  if (!parsed.ok) return { kind: 'invalid', error: parsed.error, rawSha256: sha };
  const event = parsed.value;
  if (trustedSources && !trustedSources.includes(event.source)) {
    return invalid(
      'Session Compromise Detected event',
      {
        path: 'source',
        message: `'${event.source}' is not a trusted source of native detections (trusted: ${trustedSources.join(', ') || 'none'})`,
      },
      sha,
    );
  }
  const canonical = canonicalDetection(event.detail);
  if (!canonical.ok) {
    const issues = canonical.error.issues.map((i) => ({ ...i, path: `detail.${i.path}` }));
    return {
      kind: 'invalid',
      error: new InvalidInputError('Session Compromise Detected event', issues),
      rawSha256: sha,
    };
  }
  return {
    kind: 'detection',
    detection: canonical.value,
    sourceEventId: canonical.value.detectionId,
    rawSha256: sha,
  };
}
