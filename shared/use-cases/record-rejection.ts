import type { FieldIssue } from '../domain/errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { LedgerWriter } from '../ports/ledger.ts';

export interface Rejection {
  /** Where the input came from: `POST /v1/detections`, `respond queue`, `cli`... */
  channel: string;
  rawSha256: string;
  message: string;
  issues?: readonly FieldIssue[];
  /** RFC 8935 error code, for a refused Security Event Token. */
  err?: string;
}

/**
 * Bad input causes no action but is never lost: its rejection is a ledger record of its own,
 * keyed by the payload's hash (the same payload twice is one record). The payload itself is not
 * stored: it is untrusted and may carry anything; the hash proves what was refused.
 */
export async function recordRejection(
  rejection: Rejection,
  deps: { ledger: LedgerWriter; clock: Clock },
): Promise<{ incidentId: string }> {
  const incidentId = `rejected-${rejection.rawSha256.slice(0, 32)}`;
  await deps.ledger.append(incidentId, [
    {
      kind: 'detection.rejected',
      stepKey: `rejection:${rejection.channel}`,
      status: 'rejected',
      data: {
        channel: rejection.channel,
        rawSha256: rejection.rawSha256,
        message: rejection.message.slice(0, 4000),
        // Issue texts can quote the input: bounded, so the record stays small whatever was sent.
        issues: (rejection.issues ?? []).slice(0, 50).map((issue) => ({
          path: issue.path.slice(0, 256),
          message: issue.message.slice(0, 256),
        })),
        ...(rejection.err ? { err: rejection.err } : {}),
        rejectedAt: deps.clock.now().toISOString(),
      },
    },
  ]);
  return { incidentId };
}
