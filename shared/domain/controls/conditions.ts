import type { Detection, SignalName, Signals } from '../detection.ts';

/**
 * A tiny declarative condition language for control rules, evaluated with three-valued (Kleene)
 * logic. An absent fact is UNKNOWN; every atom answers unknown for an absent fact, and `all`/`any`
 * are Kleene's AND/OR, which never turn unknown inputs into a definite answer they would not give
 * for some value of those inputs. There is no negation of a whole condition and no empty
 * `all`/`any` (they would be constants), so a rule can only be TRUE when the facts it reads are
 * present and say so: an unknown signal can never make a control fail, by construction.
 */

/** Facts a rule may read: the detection's signals, plus session facts the contract carries. */
export type FactName = SignalName | 'session.refreshTokenAgeHours';

type SignalsOfType<T> = {
  [K in SignalName]-?: NonNullable<Signals[K]> extends T ? K : never;
}[SignalName];

export type BooleanFact = SignalsOfType<boolean>;
export type NumericFact = SignalsOfType<number> | 'session.refreshTokenAgeHours';
export type MfaMethod = NonNullable<Signals['mfaMethod']>;

export type Facts = Partial<Record<FactName, boolean | number | string>>;

/** `true`, `false`, or `undefined` for unknown. */
export type Truth = boolean | undefined;

type NonEmpty<T> = readonly [T, ...T[]];

export type Condition =
  | { readonly op: 'isTrue'; readonly fact: BooleanFact }
  | { readonly op: 'isFalse'; readonly fact: BooleanFact }
  | { readonly op: 'mfaMethodIn'; readonly values: NonEmpty<MfaMethod> }
  | { readonly op: 'exceeds'; readonly fact: NumericFact; readonly limit: NumericFact }
  | { readonly op: 'within'; readonly fact: NumericFact; readonly limit: NumericFact }
  | { readonly op: 'all'; readonly of: NonEmpty<Condition> }
  | { readonly op: 'any'; readonly of: NonEmpty<Condition> };

export const isTrue = (fact: BooleanFact): Condition => ({ op: 'isTrue', fact });
export const isFalse = (fact: BooleanFact): Condition => ({ op: 'isFalse', fact });
export const mfaMethodIn = (...values: NonEmpty<MfaMethod>): Condition => ({
  op: 'mfaMethodIn',
  values,
});
/** `fact > limit`, both numeric facts. */
export const exceeds = (fact: NumericFact, limit: NumericFact): Condition => ({
  op: 'exceeds',
  fact,
  limit,
});
/** `fact <= limit`, both numeric facts. */
export const within = (fact: NumericFact, limit: NumericFact): Condition => ({
  op: 'within',
  fact,
  limit,
});
export const all = (...of: NonEmpty<Condition>): Condition => ({ op: 'all', of });
export const any = (...of: NonEmpty<Condition>): Condition => ({ op: 'any', of });

/** The facts of one detection, keyed as rules name them. Absent stays absent. */
export function factsOf(detection: Pick<Detection, 'signals' | 'session'>): Facts {
  const facts: Facts = {};
  for (const [name, value] of Object.entries(detection.signals ?? {})) {
    if (value !== undefined) facts[name as SignalName] = value;
  }
  const refreshTokenAgeHours = detection.session?.refreshTokenAgeHours;
  if (refreshTokenAgeHours !== undefined) {
    facts['session.refreshTokenAgeHours'] = refreshTokenAgeHours;
  }
  return facts;
}

function booleanFact(facts: Facts, fact: BooleanFact): boolean | undefined {
  const value = facts[fact];
  return typeof value === 'boolean' ? value : undefined;
}

function numericFact(facts: Facts, fact: NumericFact): number | undefined {
  const value = facts[fact];
  return typeof value === 'number' ? value : undefined;
}

function compare(
  facts: Facts,
  a: NumericFact,
  b: NumericFact,
  test: (x: number, y: number) => boolean,
): Truth {
  const x = numericFact(facts, a);
  const y = numericFact(facts, b);
  return x === undefined || y === undefined ? undefined : test(x, y);
}

/** Kleene evaluation: `undefined` is unknown. */
export function evaluate(condition: Condition, facts: Facts): Truth {
  switch (condition.op) {
    case 'isTrue': {
      const value = booleanFact(facts, condition.fact);
      return value === undefined ? undefined : value;
    }
    case 'isFalse': {
      const value = booleanFact(facts, condition.fact);
      return value === undefined ? undefined : !value;
    }
    case 'mfaMethodIn': {
      const value = facts.mfaMethod;
      return typeof value === 'string'
        ? (condition.values as readonly string[]).includes(value)
        : undefined;
    }
    case 'exceeds':
      return compare(facts, condition.fact, condition.limit, (x, y) => x > y);
    case 'within':
      return compare(facts, condition.fact, condition.limit, (x, y) => x <= y);
    case 'all': {
      let result: Truth = true;
      for (const part of condition.of) {
        const value = evaluate(part, facts);
        if (value === false) return false;
        if (value === undefined) result = undefined;
      }
      return result;
    }
    case 'any': {
      let result: Truth = false;
      for (const part of condition.of) {
        const value = evaluate(part, facts);
        if (value === true) return true;
        if (value === undefined) result = undefined;
      }
      return result;
    }
  }
}

/** Every fact a condition reads, in first-use order. */
export function factsRead(condition: Condition): FactName[] {
  const seen = new Set<FactName>();
  const visit = (c: Condition): void => {
    switch (c.op) {
      case 'all':
      case 'any':
        for (const part of c.of) visit(part);
        return;
      case 'mfaMethodIn':
        seen.add('mfaMethod');
        return;
      case 'exceeds':
      case 'within':
        seen.add(c.fact);
        seen.add(c.limit);
        return;
      default:
        seen.add(c.fact);
    }
  };
  visit(condition);
  return [...seen];
}
