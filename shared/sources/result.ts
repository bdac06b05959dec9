import { type Detection, parseDetection } from '../domain/detection.ts';
import { type FieldIssue, InvalidInputError } from '../domain/errors.ts';

/**
 * What every normalizer answers. `ignored` is not an error: the source event is not about a
 * session or identity (an EC2 finding, a sign-in success, an SSF verification event...).
 */
export type NormalizeResult =
  | {
      kind: 'detection';
      detection: Detection;
      /** The source's own id for the event (finding id, Okta uuid, SET jti...). */
      sourceEventId: string;
      /** SHA-256 of the canonical raw payload (sorted-key JSON, or the compact JWS as sent). */
      rawSha256: string;
      /** The format it was normalized from (`native`, `guardduty`, `okta`, `ssf`...). */
      sourceFormat?: string;
      /** Who sent it, as far as the channel proves: bus source and account, SET issuer, caller ARN. */
      sender?: string;
    }
  | { kind: 'ignored'; reason: string; sourceEventId?: string; rawSha256: string }
  | { kind: 'invalid'; error: InvalidInputError; rawSha256: string };

export type DetectionResult = Extract<NormalizeResult, { kind: 'detection' }>;

/** A normalizer's draft: the detection before contract validation. */
export type DetectionDraft = Omit<Detection, 'schemaVersion'>;

/**
 * The contract refused what a normalizer made of a source event. Its issues name detection
 * fields; `normalizeEvent` moves them onto the source fields they came from (see locate.ts).
 */
export class DraftRejectedError extends InvalidInputError {
  readonly what: string;
  readonly draft: Record<string, unknown>;

  constructor(
    what: string,
    issues: readonly FieldIssue[],
    draft: Record<string, unknown>,
    options?: ErrorOptions,
  ) {
    super(what, issues, options);
    this.what = what;
    this.draft = draft;
  }
}

/**
 * Validates the draft against the contract schema, so no normalizer can emit a detection the
 * pipeline would reject (oversized ids, bad timestamps). Failures name the detection field.
 */
export function finish(
  draft: DetectionDraft,
  meta: { sourceEventId: string; rawSha256: string; what: string },
): NormalizeResult {
  const bounded = withoutEmpty({ schemaVersion: '1', ...draft });
  const parsed = parseDetection(bounded);
  if (parsed.ok) {
    return {
      kind: 'detection',
      detection: parsed.value,
      sourceEventId: meta.sourceEventId,
      rawSha256: meta.rawSha256,
    };
  }
  return {
    kind: 'invalid',
    rawSha256: meta.rawSha256,
    error: new DraftRejectedError(
      `${meta.what} (it maps to a detection the contract rejects)`,
      parsed.error.issues,
      bounded,
      { cause: parsed.error },
    ),
  };
}

export function ignored(
  reason: string,
  rawSha256: string,
  sourceEventId?: string,
): NormalizeResult {
  return sourceEventId === undefined
    ? { kind: 'ignored', reason, rawSha256 }
    : { kind: 'ignored', reason, rawSha256, sourceEventId };
}

export function invalid(
  what: string,
  issues: readonly FieldIssue[] | FieldIssue,
  rawSha256: string,
  cause?: unknown,
): NormalizeResult {
  const list = Array.isArray(issues) ? issues : [issues as FieldIssue];
  return {
    kind: 'invalid',
    rawSha256,
    error: new InvalidInputError(what, list, cause === undefined ? undefined : { cause }),
  };
}

/** Drops undefined members and empty `session` / `signals` / `evidence`: absent means unknown. */
function withoutEmpty(detection: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(detection)) {
    if (value === undefined) continue;
    if (key === 'session' || key === 'signals') {
      const members = defined(value as Record<string, unknown>);
      if (Object.keys(members).length > 0) out[key] = members;
      continue;
    }
    if (key === 'evidence' && Array.isArray(value)) {
      if (value.length > 0) out[key] = value.slice(0, 100).map((e) => withinBounds(defined(e)));
      continue;
    }
    if (key === 'source' && value !== null && typeof value === 'object') {
      out[key] = sourceWithinBounds(defined(value as Record<string, unknown>));
      continue;
    }
    out[key] = value !== null && typeof value === 'object' ? defined(value) : value;
  }
  return out;
}

/**
 * Evidence and rule references are notes: an oversized one from the source is cut to the
 * contract's bounds rather than rejecting the event over a field the sender never named.
 */
function withinBounds(evidence: Record<string, unknown>): Record<string, unknown> {
  const out = { ...evidence };
  if (typeof out.ref === 'string') out.ref = clip(out.ref, 2048);
  if (typeof out.description === 'string') out.description = clip(out.description, 2000);
  return out;
}

function sourceWithinBounds(source: Record<string, unknown>): Record<string, unknown> {
  const out = { ...source };
  if (typeof out.ruleId === 'string') out.ruleId = clip(out.ruleId, 512);
  // A URL cut short is no link at all: leave it out.
  if (typeof out.url === 'string' && out.url.length > 2048) delete out.url;
  return out;
}

/** A copy without undefined members (one level deep). */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Cuts source text to the contract's bounds instead of rejecting a whole event over a note. */
export function clip(text: string | undefined | null, max: number): string | undefined {
  if (text === undefined || text === null) return undefined;
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A non-empty string, or undefined: sources send "" and null for "not known". */
export function present(value: string | null | undefined): string | undefined {
  return value === undefined || value === null || value.trim() === '' ? undefined : value;
}

/** Normalizes an ISO-8601 timestamp (any precision or offset) to UTC milliseconds. */
export function isoUtc(value: string): string {
  return new Date(value).toISOString();
}

export function isoFromEpochSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** Keeps the entries that are there: lets evidence lists be written with `cond && {...}`. */
export function compact<T>(items: readonly (T | false | '' | 0 | null | undefined)[]): T[] {
  return items.filter((item): item is T => !!item);
}
