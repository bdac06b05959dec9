import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every depth, so the same payload hashes the same however the
 * sender ordered its keys. Arrays keep their order: it can carry meaning.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return sorted;
  }
  return value;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The fingerprint of a raw source payload, recorded so the ledger can prove what it acted on. */
export function rawSha256(payload: unknown): string {
  return sha256Hex(typeof payload === 'string' ? payload : canonicalJson(payload));
}
