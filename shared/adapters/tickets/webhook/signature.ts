import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `X-Responder-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
 * with `X-Responder-Timestamp: <unix seconds>`. Signing the timestamp with the body lets a
 * receiver reject a replayed request by its age without trusting an unsigned header.
 */
export const TIMESTAMP_HEADER = 'X-Responder-Timestamp';
export const SIGNATURE_HEADER = 'X-Responder-Signature';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export type WebhookVerification = { ok: true } | { ok: false; reason: string };

/** The receiver's side, for receivers written in TypeScript and for our tests. */
export function verifyWebhookSignature(input: {
  secret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  body: string;
  now: Date;
  toleranceSeconds?: number;
}): WebhookVerification {
  const tolerance = input.toleranceSeconds ?? 300;
  if (!input.timestamp || !/^\d{1,12}$/.test(input.timestamp)) {
    return { ok: false, reason: `missing or malformed ${TIMESTAMP_HEADER}` };
  }
  const age = Math.abs(input.now.getTime() / 1000 - Number(input.timestamp));
  if (age > tolerance) return { ok: false, reason: `timestamp is ${Math.round(age)} s old` };
  const expected = Buffer.from(signWebhook(input.secret, Number(input.timestamp), input.body));
  const given = Buffer.from(input.signature ?? '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}
