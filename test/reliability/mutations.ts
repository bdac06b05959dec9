import fc from 'fast-check';
import type { NormalizeContext } from '../../shared/sources/normalize.ts';
import { normalizeEvent } from '../../shared/sources/normalize.ts';

/**
 * Malformed events made from valid ones: a field dropped, given the wrong type, an oversized
 * string, a value outside its enum, wrapped in extra nesting, or nulled. Paths are lists of keys
 * and array indexes.
 */

export type Segment = string | number;
export type Path = Segment[];

export const MUTATION_KINDS = [
  'drop',
  'wrongType',
  'oversize',
  'badEnum',
  'nest',
  'nullify',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface Mutation {
  /** Index into the candidate paths (taken modulo their count). */
  pathIndex: number;
  /** Prefer paths whose mutation the normalizer notices (else any path). */
  sensitive: boolean;
  kind: MutationKind;
  /** The replacement for `wrongType`; the length of an oversized string. */
  value: unknown;
  size: number;
}

type Container = Record<string, unknown> | unknown[];

const isContainer = (value: unknown): value is Container =>
  value !== null && typeof value === 'object';

/** Every path in a JSON value, containers included (the root excluded). */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (!isContainer(value)) return [];
  const entries: Array<[Segment, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

export function valueAt(root: unknown, path: readonly Segment[]): unknown {
  let node = root;
  for (const segment of path) {
    if (!isContainer(node)) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function setAt(root: unknown, path: Path, update: (old: unknown) => unknown | typeof DROP): void {
  const parent = valueAt(root, path.slice(0, -1));
  const key = path.at(-1);
  if (!isContainer(parent) || key === undefined) return;
  const next = update((parent as Record<string | number, unknown>)[key]);
  if (next === DROP) {
    if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
    else delete (parent as Record<string | number, unknown>)[key];
  } else (parent as Record<string | number, unknown>)[key] = next;
}

const DROP = Symbol('drop');

/** A value of another JSON type than `old`. */
function otherType(old: unknown, candidate: unknown): unknown {
  const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (typeOf(candidate) !== typeOf(old)) return candidate;
  switch (typeOf(old)) {
    case 'string':
      return 42;
    case 'number':
      return 'forty-two';
    case 'boolean':
      return 'true';
    case 'array':
      return { items: old };
    case 'object':
      return 'an object was expected here';
    default:
      return {};
  }
}

export function applyMutation(root: unknown, paths: readonly Path[], mutation: Mutation): void {
  const path = paths[mutation.pathIndex % paths.length];
  if (!path) return;
  setAt(root, path, (old) => {
    switch (mutation.kind) {
      case 'drop':
        return DROP;
      case 'wrongType':
        return otherType(old, mutation.value);
      case 'oversize':
        return 'A'.repeat(mutation.size);
      case 'badEnum':
        return typeof old === 'string' ? `${old}-not-a-known-value` : 'not-a-known-value';
      case 'nest':
        return Array.isArray(old) ? [old] : { value: old };
      case 'nullify':
        return null;
    }
  });
}

/**
 * The paths of `raw` whose drop or wrong type the normalizer rejects: where fuzzing finds the
 * fields a normalizer reads, rather than spending its runs on fields nobody looks at.
 */
export function sensitivePaths(raw: unknown, context?: NormalizeContext): Path[] {
  return pathsOf(raw).filter((path) =>
    (['drop', 'wrongType'] as const).some((kind) => {
      const copy = structuredClone(raw);
      applyMutation(copy, [path], { pathIndex: 0, sensitive: true, kind, value: 7, size: 0 });
      return normalizeEvent(copy, context).kind === 'invalid';
    }),
  );
}

export const mutationArbitrary: fc.Arbitrary<Mutation> = fc.record({
  pathIndex: fc.nat(),
  sensitive: fc.oneof(
    { arbitrary: fc.constant(true), weight: 4 },
    { arbitrary: fc.constant(false), weight: 1 },
  ),
  kind: fc.constantFrom(...MUTATION_KINDS),
  value: fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 2 }),
  ),
  size: fc.integer({ min: 300, max: 20_000 }),
});

/** Applies mutations in turn, each on the paths of the event as it is by then. */
export function mutate(
  raw: unknown,
  sensitive: readonly Path[],
  mutations: readonly Mutation[],
): unknown {
  const copy = structuredClone(raw);
  for (const mutation of mutations) {
    const candidates = mutation.sensitive
      ? sensitive.filter((path) => valueAt(copy, path.slice(0, -1)) !== undefined)
      : [];
    applyMutation(copy, candidates.length > 0 ? candidates : pathsOf(copy), mutation);
  }
  return copy;
}
