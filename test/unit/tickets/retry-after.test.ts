import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../../shared/adapters/tickets/http.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-03-17T09:45:00Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
  });

  it('reads an HTTP date as the time left until it', () => {
    expect(parseRetryAfter('Tue, 17 Mar 2026 09:45:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 17 Mar 2026 09:44:00 GMT', now)).toBe(0);
  });

  it('ignores a missing or meaningless header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
