import { normalizeEvent } from '../../shared/sources/normalize.ts';
import type { DetectionResult } from '../../shared/sources/result.ts';
import { UsageError } from '../io.ts';

/**
 * The CLI's one entry for detections: native, or any supported source format, normalized.
 * Invalid input names the field; an event about no session or identity says why it is ignored.
 */
export function detectionFrom(input: unknown): DetectionResult {
  const result = normalizeEvent(input);
  if (result.kind === 'invalid')
    throw new UsageError(result.error.message, { cause: result.error });
  if (result.kind === 'ignored') {
    throw new UsageError(`not a session or identity compromise, nothing to do: ${result.reason}`);
  }
  return result;
}
