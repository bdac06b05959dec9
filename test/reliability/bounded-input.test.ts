import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createIntakeApi } from '../../shared/adapters/http/intake-api.ts';
import { InMemoryLedgerStore } from '../../shared/adapters/memory/ledger-store.ts';
import { silentLog } from '../../shared/ports/log.ts';

/**
 * Oversized and deeply nested bodies are refused before any parsing: by their byte count, then
 * by a bracket count over the raw text. Nothing is timed: the proof of "cheap" is that
 * `JSON.parse` never sees the body and nothing is handed on; the refusal is still recorded.
 */

const LIMIT_BYTES = 64 * 1024;
const LIMIT_DEPTH = 32;

afterEach(() => {
  vi.restoreAllMocks();
});

function intake() {
  const ledger = new InMemoryLedgerStore();
  let delivered = 0;
  const api = createIntakeApi({
    deliver: async () => {
      delivered += 1;
      return undefined;
    },
    ledger,
    clock: { now: () => new Date('2026-03-17T12:00:00Z') },
    log: silentLog,
  });
  return {
    ledger,
    delivered: () => delivered,
    post: (body: string) =>
      api({
        method: 'POST',
        path: '/v1/detections',
        query: {},
        headers: { 'content-type': 'application/json' },
        body,
      }),
  };
}

/** JSON text nested `depth` levels deep, mixing arrays and objects, with brackets in strings. */
function nested(depth: number, openers: readonly boolean[], noise: string): string {
  let open = '';
  let close = '';
  for (let level = 0; level < depth; level++) {
    const isArray = openers[level % openers.length] ?? true;
    open += isArray ? '[' : `{"k${level}":`;
    close = (isArray ? ']' : '}') + close;
  }
  return `${open}${JSON.stringify(noise)}${close}`;
}

const bracketNoise = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ' ') });

describe('bounded input at the intake API', () => {
  it('refuses JSON nested deeper than the limit without parsing it, and records the refusal', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: LIMIT_DEPTH + 1, max: 20_000 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        bracketNoise,
        async (depth, openers, noise) => {
          const body = nested(depth, openers, noise);
          fc.pre(Buffer.byteLength(body) <= LIMIT_BYTES);
          const parse = vi.spyOn(JSON, 'parse');
          const { post, ledger, delivered } = intake();
          const response = await post(body);
          expect(parse.mock.calls.some(([text]) => text === body)).toBe(false);
          parse.mockRestore();
          expect(response.status).toBe(400);
          expect(JSON.parse(response.body)).toMatchObject({
            error: 'invalid_request',
            message: `JSON nested deeper than ${LIMIT_DEPTH} levels`,
          });
          expect(delivered()).toBe(0);
          expect(ledger.all().map((r) => r.kind)).toEqual(['detection.rejected']);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a body over the size limit without parsing it, and records the refusal', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: LIMIT_BYTES + 1, max: 1024 * 1024 }),
        fc.constantFrom('x', 'é', '€', '𝄞'),
        async (bytes, character) => {
          const width = Buffer.byteLength(character);
          const body = `{"pad":"${character.repeat(Math.ceil(bytes / width))}"}`;
          const parse = vi.spyOn(JSON, 'parse');
          const { post, ledger, delivered } = intake();
          const response = await post(body);
          expect(parse.mock.calls.some(([text]) => text === body)).toBe(false);
          parse.mockRestore();
          expect(response.status).toBe(400);
          expect((JSON.parse(response.body) as { message: string }).message).toMatch(
            new RegExp(`^body is ${Buffer.byteLength(body)} bytes; the limit is ${LIMIT_BYTES}$`),
          );
          expect(delivered()).toBe(0);
          expect(ledger.all().map((r) => r.kind)).toEqual(['detection.rejected']);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('does not count brackets inside strings: nesting within the limit is parsed and judged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: LIMIT_DEPTH }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        bracketNoise,
        async (depth, openers, noise) => {
          const body = nested(depth, openers, `${noise}${'['.repeat(100)}`);
          const parse = vi.spyOn(JSON, 'parse');
          const { post, delivered } = intake();
          const response = await post(body);
          // The same spy that shows the refused bodies were never parsed sees this one parsed.
          expect(parse.mock.calls.some(([text]) => text === body)).toBe(true);
          parse.mockRestore();
          expect(response.status).toBe(400);
          const answer = JSON.parse(response.body) as { error: string };
          // Parsed, then refused as no known format: not as too deep.
          expect(answer.error).toBe('invalid_detection');
          expect(delivered()).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
