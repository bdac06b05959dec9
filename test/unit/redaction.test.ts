import { describe, expect, it } from 'vitest';
import { redactingLog } from '../../shared/adapters/logging.ts';
import { REDACTED, redactSecrets } from '../../shared/domain/redaction.ts';
import type { Log } from '../../shared/ports/log.ts';

const SECRET = 'ATATT3xFfGF0-very-secret-token';

describe('secret redaction', () => {
  it('replaces a secret wherever it appears, however deep', () => {
    const value = {
      message: `401 for token ${SECRET}`,
      nested: [{ header: `Basic ${SECRET}` }],
      n: 3,
    };
    expect(redactSecrets(value, [SECRET])).toEqual({
      message: `401 for token ${REDACTED}`,
      nested: [{ header: `Basic ${REDACTED}` }],
      n: 3,
    });
  });

  it('leaves values alone when no secret is configured, and ignores values too short to be secrets', () => {
    const value = { message: 'ok' };
    expect(redactSecrets(value, [])).toBe(value);
    expect(redactSecrets({ message: 'the ok path' }, ['ok'])).toEqual({ message: 'the ok path' });
  });

  it('scrubs log messages and attributes before they reach the logger', () => {
    const lines: unknown[] = [];
    const inner: Log = {
      debug: () => {},
      info: (message, attributes) => lines.push({ message, attributes }),
      warn: () => {},
      error: () => {},
    };
    redactingLog(inner, () => [SECRET]).info(`calling with ${SECRET}`, {
      error: new Error(`echo ${SECRET}`),
    });
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(lines).toEqual([
      { message: `calling with ${REDACTED}`, attributes: { error: `echo ${REDACTED}` } },
    ]);
  });
});
