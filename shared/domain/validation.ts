import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { type FieldIssue, InvalidInputError, type Result } from './errors.ts';

// zod/mini ships without messages; load the English ones (only: all locales weigh ~260 KB).
z.config(en());

/** Turns zod issues into field-named issues, e.g. `subject.id: expected string, received number`. */
export function toFieldIssues(error: z.core.$ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path
      .map((segment) => (typeof segment === 'number' ? `[${segment}]` : String(segment)))
      .join('.')
      .replaceAll('.[', '['),
    message: issue.message,
  }));
}

/** `safeParse` at the edge: a typed value, or an InvalidInputError naming the fields. */
export function parseWith<T>(
  schema: z.ZodMiniType<T>,
  input: unknown,
  what: string,
): Result<T, InvalidInputError> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    error: new InvalidInputError(what, toFieldIssues(parsed.error), { cause: parsed.error }),
  };
}
