import { type FieldIssue, InvalidInputError } from '../domain/errors.ts';
import type { DraftRejectedError } from './result.ts';

/**
 * A sender fixes the field of its own event, not of our detection: each issue the contract
 * raised about a detection field is moved to the source field its value came from (found by
 * value: copied as is, cut out of a longer one, or prefixed), keeping the detection field in
 * the message. An issue whose value cannot be traced keeps the detection path.
 */
export function locateInSource(error: DraftRejectedError, input: unknown): InvalidInputError {
  const leaves = stringLeaves(input);
  const issues = error.issues.map((issue): FieldIssue => {
    const value = valueAt(error.draft, issue.path);
    const origin = typeof value === 'string' ? originOf(value, leaves) : undefined;
    return origin === undefined
      ? issue
      : { path: origin, message: `${issue.message} (it becomes the detection's ${issue.path})` };
  });
  return new InvalidInputError(error.what, issues, { cause: error });
}

/** Shortest distinctive text worth tracing: shorter values match too much by chance. */
const MIN_TRACEABLE = 8;

function originOf(value: string, leaves: ReadonlyArray<[string, string]>): string | undefined {
  if (value.length < MIN_TRACEABLE) return undefined;
  const exact = leaves.find(([, text]) => text === value);
  if (exact) return exact[0];
  const containing = leaves
    .filter(([, text]) => text.includes(value))
    .sort((a, b) => a[1].length - b[1].length)[0];
  if (containing) return containing[0];
  const contained = leaves
    .filter(([, text]) => text.length >= MIN_TRACEABLE && value.includes(text))
    .sort((a, b) => b[1].length - a[1].length)[0];
  return contained?.[0];
}

/** Every string in a JSON value with its path, written as field issues write paths. */
function stringLeaves(value: unknown, path = ''): Array<[string, string]> {
  if (typeof value === 'string') return path ? [[path, value]] : [];
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [`${path}[${index}]`, item] as const)
    : Object.entries(value).map(([key, item]) => [path ? `${path}.${key}` : key, item] as const);
  return entries.flatMap(([childPath, item]) => stringLeaves(item, childPath));
}

/** The value at a field-issue path (`evidence[3].ref`) in a detection draft. */
function valueAt(root: unknown, path: string): unknown {
  let node = root;
  for (const part of path.split('.')) {
    const [key, ...indexes] = part.split('[');
    const steps = [key ?? '', ...indexes.map((index) => Number(index.replace(']', '')))];
    for (const step of steps) {
      if (step === '') continue;
      if (node === null || typeof node !== 'object') return undefined;
      node = (node as Record<string | number, unknown>)[step];
    }
  }
  return node;
}
