import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  signWebhook,
  verifyWebhookSignature,
} from '../../../shared/adapters/tickets/webhook/signature.ts';

const secret = 'whsec-0123456789abcdef';
const body = '{"kind":"remediation-ticket"}';
const timestamp = 1_773_740_531;
const now = new Date(timestamp * 1000 + 30_000);

describe('webhook signature', () => {
  it('is v1= and the hex HMAC-SHA256 of "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signWebhook(secret, timestamp, body)).toBe(`v1=${expected}`);
  });

  it('verifies a fresh, untouched request', () => {
    const signature = signWebhook(secret, timestamp, body);
    expect(
      verifyWebhookSignature({ secret, timestamp: String(timestamp), signature, body, now }),
    ).toEqual({
      ok: true,
    });
  });

  it('rejects a changed body, a changed timestamp and a wrong secret', () => {
    const signature = signWebhook(secret, timestamp, body);
    const check = (over: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({
        secret,
        timestamp: String(timestamp),
        signature,
        body,
        now,
        ...over,
      });
    expect(check({ body: `${body} ` }).ok).toBe(false);
    expect(check({ timestamp: String(timestamp + 1) }).ok).toBe(false);
    expect(check({ secret: `${secret}x` }).ok).toBe(false);
    expect(check({ signature: undefined }).ok).toBe(false);
  });

  it('rejects a replay older than the tolerance', () => {
    const signature = signWebhook(secret, timestamp, body);
    const later = new Date(timestamp * 1000 + 301_000);
    expect(
      verifyWebhookSignature({ secret, timestamp: String(timestamp), signature, body, now: later }),
    ).toEqual({ ok: false, reason: 'timestamp is 301 s old' });
  });
});
