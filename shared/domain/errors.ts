/** One problem found in an input, with the dotted path of the field it concerns. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** Bad input: names every offending field so the sender can fix it. Causes no action. */
export class InvalidInputError extends Error {
  override readonly name = 'InvalidInputError';
  readonly issues: readonly FieldIssue[];

  constructor(what: string, issues: readonly FieldIssue[], options?: ErrorOptions) {
    super(
      `invalid ${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`,
      options,
    );
    this.issues = issues;
  }
}

/** Configuration that cannot be used; thrown at start-up so the process fails fast. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Result<T, E = Error> = { ok: true; value: T } | { ok: false; error: E };
