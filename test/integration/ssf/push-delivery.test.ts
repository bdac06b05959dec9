import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpSetPusher } from '../../../shared/adapters/ssf/push.ts';
import type { Stream } from '../../../shared/domain/ssf/stream.ts';
import { type ReceiverDouble, startReceiverDouble } from './receiver-double.ts';

/** RFC 8935 push against a receiver on 127.0.0.1: retries, Retry-After, final refusals. */

let receiver: ReceiverDouble;
const waits: number[] = [];
const pusher = new HttpSetPusher({
  maxAttempts: 4,
  baseDelayMs: 100,
  sleep: async (ms) => {
    waits.push(ms);
  },
});

beforeAll(async () => {
  receiver = await startReceiverDouble();
});
afterAll(() => receiver.close());

const stream = (): Stream =>
  ({
    stream_id: 's1',
    delivery: { method: 'urn:ietf:rfc:8935', endpoint_url: receiver.url },
  }) as Stream;

describe('push delivery', () => {
  it('retries 5xx and 429 with backoff, honouring Retry-After, until the receiver accepts', async () => {
    waits.length = 0;
    receiver.script = [
      { status: 503 },
      { status: 429, headers: { 'retry-after': '3' } },
      { status: 202 },
    ];
    const before = receiver.received.length;
    expect(await pusher.push(stream(), 'a.b.c')).toEqual({ delivered: true, attempts: 3 });
    expect(receiver.received.length - before).toBe(3);
    expect(waits[0]).toBeGreaterThanOrEqual(100);
    expect(waits[1]).toBe(3000);
  });

  it.each([
    [400, 'invalid_audience'],
    [400, 'authentication_failed'],
    [403, 'access_denied'],
  ])('a %i with err %s is final and keeps the receiver’s code', async (status, err) => {
    receiver.script = [{ status, body: { err, description: 'no' } }];
    const before = receiver.received.length;
    expect(await pusher.push(stream(), 'a.b.c')).toEqual({
      delivered: false,
      attempts: 1,
      retryable: false,
      httpStatus: status,
      err,
      description: 'no',
    });
    expect(receiver.received.length - before).toBe(1);
  });

  it('gives up retryably after the last attempt when the receiver keeps failing', async () => {
    receiver.script = [{ status: 500 }, { status: 502 }, { status: 503 }, { status: 504 }];
    expect(await pusher.push(stream(), 'a.b.c')).toMatchObject({
      delivered: false,
      attempts: 4,
      retryable: true,
      httpStatus: 504,
    });
  });

  it('stops before the deadline instead of waiting past it', async () => {
    receiver.script = [{ status: 503 }];
    const outcome = await pusher.push(stream(), 'a.b.c', Date.now() + 10);
    expect(outcome).toMatchObject({ delivered: false, attempts: 1, retryable: true });
    receiver.script = [];
  });
});
