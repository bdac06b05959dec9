import { createHash } from 'node:crypto';

/**
 * The dedupe key `${incidentId}:${ownerTeam}` as a token every ticket system accepts (a Jira label
 * has no spaces, an idempotency key should be opaque): `rr-` and 32 hex characters of its SHA-256.
 */
export function dedupeTag(dedupeKey: string): string {
  return `rr-${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32)}`;
}
