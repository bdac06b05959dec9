import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createIntakeApi } from '../../shared/adapters/http/intake-api.ts';
import { InMemoryLedgerStore } from '../../shared/adapters/memory/ledger-store.ts';
import { parseDetection } from '../../shared/domain/detection.ts';
import { InvalidInputError } from '../../shared/domain/errors.ts';
import { silentLog } from '../../shared/ports/log.ts';
import { type NormalizeResult, normalizeEvent } from '../../shared/sources/normalize.ts';
import { mutate, mutationArbitrary, type Segment, sensitivePaths, valueAt } from './mutations.ts';
import { detectionSamples, type Sample } from './support.ts';

/**
 * Property-based fuzzing of the native schema and of every source normalizer with malformed
 * events made from the valid fixtures and examples. For each: no crash; if invalid, an error
 * naming fields of the event itself, a 400 from the intake API that hands nothing on, and one
 * rejection record in the ledger.
 */

const RUNS_PER_FORMAT = 2_600;
/** The intake API's body limit (shared/adapters/http/bounded-json.ts). */
const MAX_DETECTION_BYTES = 64 * 1024;
const REQUIRED_MALFORMED = 10_000;

/** Which normalizer a sample exercises. */
function formatOf(sample: Sample): string {
  const name = sample.name;
  if (name.startsWith('examples/') || name.includes('/native/')) return 'native';
  if (name.includes('/securityhub/asff-')) return 'securityhub-asff';
  if (name.includes('/securityhub/ocsf-')) return 'securityhub-ocsf';
  return name.split('/')[2] ?? name;
}

const seeds = detectionSamples().map((sample) => ({
  ...sample,
  format: formatOf(sample),
  sensitive: sensitivePaths(sample.raw),
}));
const formats = [...new Set(seeds.map((seed) => seed.format))].sort();
const malformedByFormat = new Map<string, number>();

/** `detail.findings[0].Resources` → `['detail', 'findings', 0, 'Resources']`. */
function segmentsOf(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of path.split('.')) {
    const [key, ...indexes] = part.split('[');
    if (key) segments.push(key);
    for (const index of indexes) segments.push(Number(index.replace(']', '')));
  }
  return segments;
}

/** Members by which normalizeEvent recognises a format. */
const ROUTING_MEMBERS = [
  'detail',
  'detail-type',
  'schemaVersion',
  'detectionId',
  'riskDetection',
  'signIn',
  'riskEventType',
  'conditionalAccessStatus',
  'header',
];

/**
 * The issue names a place in the event itself: its first member is one of the event's (or the
 * one missing member), and it never descends through a value that is not an object or array.
 * Below a missing or null member it may name the field that belongs there.
 */
function namesAPlaceIn(event: unknown, path: string): boolean {
  const segments = segmentsOf(path);
  if (segments.length === 0) return false;
  if (segments.length > 1 && valueAt(event, segments.slice(0, 1)) === undefined) return false;
  for (let depth = 1; depth < segments.length; depth++) {
    const parent = valueAt(event, segments.slice(0, depth));
    if (parent === undefined || parent === null) return true;
    if (typeof parent !== 'object') return false;
  }
  return true;
}

/** Only an event with nothing to recognise it by is refused as a whole, saying what is accepted. */
function refusedAsAWhole(event: unknown, message: string): boolean {
  const members = event !== null && typeof event === 'object' ? Object.keys(event) : [];
  return (
    !ROUTING_MEMBERS.some((member) => members.includes(member)) &&
    /unrecognised format.*expected an EventBridge event/.test(message)
  );
}

const post = (body: string) => ({
  method: 'POST',
  path: '/v1/detections',
  query: {},
  headers: { 'content-type': 'application/json' },
  body,
});

async function checkMalformed(mutated: unknown): Promise<NormalizeResult['kind']> {
  // What a sender can send: JSON (an undefined member vanishes, -Infinity becomes null).
  const body = JSON.stringify(mutated);
  const event: unknown = JSON.parse(body);
  let result: NormalizeResult | undefined;
  expect(() => {
    result = normalizeEvent(event);
  }).not.toThrow();
  if (!result) throw new Error('no result');
  if (result.kind === 'detection') {
    // A mutation the contract tolerates (an optional field dropped): still a valid detection.
    expect(parseDetection(result.detection).ok).toBe(true);
    return result.kind;
  }
  if (result.kind === 'ignored') {
    expect(result.reason.length).toBeGreaterThan(0);
    return result.kind;
  }

  expect(result.error).toBeInstanceOf(InvalidInputError);
  expect(result.error.issues.length).toBeGreaterThan(0);
  for (const issue of result.error.issues) {
    const named =
      issue.path === ''
        ? refusedAsAWhole(event, result.error.message)
        : namesAPlaceIn(event, issue.path);
    expect(named, `'${issue.path}' in ${result.error.message}`).toBe(true);
    expect(issue.message.length).toBeGreaterThan(0);
  }

  // Through the intake API: refused with the fields named, nothing handed on, one record.
  let delivered = 0;
  const ledger = new InMemoryLedgerStore();
  const api = createIntakeApi({
    deliver: async () => {
      delivered += 1;
      return undefined;
    },
    ledger,
    clock: { now: () => new Date('2026-03-17T12:00:00Z') },
    log: silentLog,
  });
  const response = await api(post(body));
  expect(response.status).toBe(400);
  expect(delivered).toBe(0);
  const answer = JSON.parse(response.body) as {
    error: string;
    message: string;
    issues?: unknown;
    rejectionRecord: string;
  };
  const records = ledger.all();
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({
    kind: 'detection.rejected',
    incidentId: answer.rejectionRecord,
    status: 'rejected',
  });
  if (Buffer.byteLength(body) > MAX_DETECTION_BYTES) {
    expect(answer.error).toBe('invalid_request');
    expect(answer.message).toMatch(/the limit is/);
  } else {
    expect(answer.error).toBe('invalid_detection');
    expect(answer.issues).toEqual(result.error.issues);
    expect(records[0]?.data).toMatchObject({ rawSha256: result.rawSha256 });
  }
  // The untrusted payload itself is not stored (its hash proves what was refused), and the
  // record stays small whatever was sent.
  const stored = JSON.stringify(records[0]?.data);
  expect(stored).not.toContain(body);
  expect(stored.length).toBeLessThan(40_000);
  return result.kind;
}

describe('fuzzing every normalizer with malformed events', () => {
  it('has seeds for the native schema and every source normalizer', () => {
    expect(formats).toEqual([
      'entra',
      'guardduty',
      'native',
      'okta',
      'securityhub-asff',
      'securityhub-ocsf',
    ]);
    for (const seed of seeds) expect(seed.sensitive.length, seed.name).toBeGreaterThan(0);
  });

  it.each(formats)(
    '%s: no crash, the field named, no action, a rejection record',
    async (format) => {
      const mine = seeds.filter((seed) => seed.format === format);
      let malformed = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.nat(mine.length - 1),
          fc.array(mutationArbitrary, { minLength: 1, maxLength: 3 }),
          async (index, mutations) => {
            const seed = mine[index];
            if (!seed) throw new Error('no seed');
            const event = mutate(seed.raw, seed.sensitive, mutations);
            if ((await checkMalformed(event)) === 'invalid') malformed += 1;
          },
        ),
        { numRuns: RUNS_PER_FORMAT },
      );
      malformedByFormat.set(format, malformed);
      // Most runs must really be malformed, or the fuzzing proves little about this normalizer.
      expect(malformed).toBeGreaterThan(RUNS_PER_FORMAT / 2);
    },
    60_000,
  );

  it('generated at least 10,000 malformed events in all', () => {
    expect([...malformedByFormat.keys()].sort()).toEqual(formats);
    const total = [...malformedByFormat.values()].reduce((sum, n) => sum + n, 0);
    expect(total).toBeGreaterThanOrEqual(REQUIRED_MALFORMED);
  });
});
