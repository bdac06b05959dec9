import { createHash } from 'node:crypto';
import type { Detection } from '../detection.ts';
import type { LedgerRecord } from '../ledger/record.ts';
import type { ResponseMode } from '../response-mode.ts';
import { EVENT_TYPES } from './vocabulary.ts';

/**
 * What the estate must hear about an incident, read from its ledger: one signal per action that
 * SUCCEEDED (the provider confirmed it), never for a planned, skipped or failed one.
 * - revokeSessions → CAEP session-revoked
 * - disableAccount → RISC account-disabled (reason hijacking)
 * - removeCredentials → CAEP credential-change (change_type revoke)
 * - a restored disabled account (release) → RISC account-enabled
 */
export interface Signal {
  incidentId: string;
  /** Stable within the incident: with the stream, it makes the SET's jti. */
  key: string;
  eventType: string;
  detection: Detection;
  mode: ResponseMode;
  /** When the provider acted (the SET's event_timestamp). */
  occurredAt: string;
  event: Record<string, unknown>;
}

export function signalsOf(records: readonly LedgerRecord[]): Signal[] {
  const received = records.find((r) => r.kind === 'detection.received');
  const detection = received?.data.detection as Detection | undefined;
  if (!received || !detection) return [];
  const incidentId = received.incidentId;
  const reasonAdmin = {
    en: `Contained by revocation-responder: incident ${incidentId} after ${detection.source.vendor} detection ${detection.detectionId}`,
  };
  const signals: Signal[] = [];
  const add = (
    record: LedgerRecord,
    eventType: string,
    event: (at: number) => Record<string, unknown>,
  ) => {
    const target = String(record.data.target ?? detection.subject.id);
    const occurredAt = String(record.data.startedAt ?? record.recordedAt);
    const key = `${eventType}|${target}`;
    if (signals.some((s) => s.key === key)) return;
    signals.push({
      incidentId,
      key,
      eventType,
      detection,
      mode: modeOf(record.data.mode ?? received.data.mode),
      occurredAt,
      event: event(Math.floor(Date.parse(occurredAt) / 1000)),
    });
  };
  for (const record of records) {
    if (record.status !== 'succeeded') continue;
    if (record.kind === 'containment.action') {
      switch (record.data.action) {
        case 'revokeSessions':
          add(record, EVENT_TYPES.sessionRevoked, (at) => ({
            event_timestamp: at,
            initiating_entity: 'policy',
            reason_admin: reasonAdmin,
          }));
          break;
        case 'disableAccount':
          add(record, EVENT_TYPES.accountDisabled, () => ({ reason: 'hijacking' }));
          break;
        case 'removeCredentials':
          // CAEP has no workload-secret type; Graph and IAM both treat these as shared secrets.
          add(record, EVENT_TYPES.credentialChange, (at) => ({
            credential_type: 'password',
            change_type: 'revoke',
            event_timestamp: at,
            initiating_entity: 'policy',
            reason_admin: reasonAdmin,
          }));
          break;
      }
    }
    if (record.kind === 'restore.action') {
      const kind = (record.data.change as { kind?: unknown } | undefined)?.kind;
      if (kind === 'accountDisabled' || kind === 'servicePrincipalDisabled') {
        add(record, EVENT_TYPES.accountEnabled, () => ({}));
      }
    }
  }
  return signals.map((s) => ({ ...s, mode: releaseMode(s, records) }));
}

/** A release has no mode of its own: it acts as the containment it undoes did. */
function releaseMode(signal: Signal, records: readonly LedgerRecord[]): ResponseMode {
  if (signal.eventType !== EVENT_TYPES.accountEnabled) return signal.mode;
  const contained = records.find(
    (r) => r.kind === 'containment.action' && r.status === 'succeeded',
  );
  return modeOf(contained?.data.mode ?? signal.mode);
}

function modeOf(value: unknown): ResponseMode {
  return value === 'live' || value === 'simulated' ? value : 'dry-run';
}

/** The SET's `jti`: the same signal to the same stream is the same token, on every redelivery. */
export function jtiFor(signal: Pick<Signal, 'incidentId' | 'key'>, streamId: string): string {
  return createHash('sha256')
    .update(`${signal.incidentId}\n${signal.key}\n${streamId}`)
    .digest('base64url')
    .slice(0, 32);
}
