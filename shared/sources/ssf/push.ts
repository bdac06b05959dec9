import { canonicalTenantId } from '../../domain/identity.ts';
import { type Clock, systemClock } from '../../ports/clock.ts';
import type { ReplayGuard } from '../../ports/replay-guard.ts';
import { rawSha256 } from '../raw.ts';
import type { DetectionResult } from '../result.ts';
import type { SetError } from './errors.ts';
import { setTenantOf, setToDetection } from './events.ts';
import type { SsfTransmitter } from './transmitter.ts';
import { verifySet } from './verify.ts';

/** RFC 8935 section 2: the SET is the body, with this media type. */
export const SET_CONTENT_TYPE = 'application/secevent+jwt';
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

type PushResponse =
  | { status: 202; outcome: 'delivered'; detectionId: string; rawSha256: string }
  | { status: 202; outcome: 'ignored'; reason: string; rawSha256: string }
  | { status: 400; body: SetError; rawSha256: string };

export interface SetPushReceiverOptions {
  transmitters: readonly SsfTransmitter[];
  replayGuard: ReplayGuard;
  /**
   * Hands an accepted detection on (enqueue, or run the pipeline locally). If it throws, the
   * `jti` claim is given back and the error propagates: answer 5xx and the transmitter retries.
   */
  deliver(result: DetectionResult): Promise<void>;
  clock?: Clock;
  maxBodyBytes?: number;
}

export interface SetPushReceiver {
  receivePushedSet(body: string, contentType: string | undefined): Promise<PushResponse>;
}

/**
 * The RFC 8935 push endpoint's logic (`POST /v1/ssf/events`), independent of HTTP framework:
 * the SET's signature is the authentication. 202 once the SET is verified and handed on (or
 * understood and ignored); 400 `{err, description}` otherwise. A replayed `jti` is refused, so a
 * captured SET cannot re-trigger containment after an operator has released it.
 */
export function createSetPushReceiver(options: SetPushReceiverOptions): SetPushReceiver {
  const clock = options.clock ?? systemClock;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  return {
    async receivePushedSet(body, contentType) {
      const token = body.trim();
      const sha = rawSha256(token);
      const reject = (err: SetError['err'], description: string): PushResponse => ({
        status: 400,
        body: { err, description },
        rawSha256: sha,
      });

      if (mediaType(contentType) !== SET_CONTENT_TYPE) {
        return reject('invalid_request', `Content-Type must be ${SET_CONTENT_TYPE}`);
      }
      if (Buffer.byteLength(body, 'utf8') > maxBodyBytes) {
        return reject('invalid_request', `SET larger than ${maxBodyBytes} bytes`);
      }
      const verified = await verifySet(token, options.transmitters, clock);
      if (!verified.ok) return { status: 400, body: verified.error, rawSha256: sha };
      const { transmitter, claims } = verified.value;

      const tenant = setTenantOf(claims);
      // Compared on identity: the same tenant in another spelling is the same tenant.
      const canonical = (id: string) => {
        const parsed = canonicalTenantId(transmitter.provider, id);
        return parsed.ok ? parsed.value : id;
      };
      if (tenant !== undefined && canonical(tenant) !== canonical(transmitter.tenantId)) {
        return reject(
          'access_denied',
          `${transmitter.issuer} is configured for tenant ${transmitter.tenantId}, not ${tenant}`,
        );
      }
      const result = setToDetection(claims, transmitter, sha, { verified: true });
      if (result.kind === 'ignored') {
        return { status: 202, outcome: 'ignored', reason: result.reason, rawSha256: sha };
      }
      if (result.kind === 'invalid') return reject('invalid_request', result.error.message);

      const replayKey = `${claims.iss}|${claims.jti}`;
      const expiresAt = new Date((claims.iat + transmitter.maxAgeSeconds + 120) * 1000);
      if (!(await options.replayGuard.claim(replayKey, expiresAt))) {
        return reject('invalid_request', `duplicate SET: jti ${claims.jti} was already received`);
      }
      try {
        await options.deliver({ ...result, sourceFormat: 'ssf', sender: `ssf:${claims.iss}` });
      } catch (error) {
        await options.replayGuard.release(replayKey);
        throw error;
      }
      return {
        status: 202,
        outcome: 'delivered',
        detectionId: result.detection.detectionId,
        rawSha256: sha,
      };
    },
  };
}

function mediaType(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0]?.trim().toLowerCase();
}
