import type { Result } from '../../domain/errors.ts';

const MAX_DETECTION_BYTES = 64 * 1024;
const MAX_JSON_DEPTH = 32;

/**
 * Parses a request body only after cheap checks: its size, then its nesting depth counted over
 * the raw text (brackets outside strings), so a hostile payload is refused before any work.
 */
export function parseBoundedJson(
  text: string,
  limits: { maxBytes?: number; maxDepth?: number } = {},
): Result<unknown, string> {
  const maxBytes = limits.maxBytes ?? MAX_DETECTION_BYTES;
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes)
    return { ok: false, error: `body is ${bytes} bytes; the limit is ${maxBytes}` };
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth)
        return { ok: false, error: `JSON nested deeper than ${maxDepth} levels` };
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: `body is not valid JSON: ${(error as Error).message}` };
  }
}
