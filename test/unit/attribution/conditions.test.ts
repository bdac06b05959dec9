import { describe, expect, it } from 'vitest';
import { CONTROL_CATALOG } from '../../../shared/domain/controls/catalog.ts';
import {
  all,
  any,
  type Condition,
  evaluate,
  exceeds,
  type FactName,
  type Facts,
  factsOf,
  isFalse,
  isTrue,
  mfaMethodIn,
  type Truth,
  within,
} from '../../../shared/domain/controls/conditions.ts';
import { MFA_METHODS } from '../../../shared/domain/detection.ts';

const T = isTrue('legacySso'); // true when legacySso=true
const F = isTrue('sharedAdminSession'); // false when sharedAdminSession=false
const U = isTrue('phishingDetected'); // unknown: never set below
const facts: Facts = { legacySso: true, sharedAdminSession: false };

describe('condition language (Kleene logic)', () => {
  it('answers unknown for every atom whose fact is absent', () => {
    expect(evaluate(isTrue('legacySso'), {})).toBeUndefined();
    expect(evaluate(isFalse('legacySso'), {})).toBeUndefined();
    expect(evaluate(mfaMethodIn('push'), {})).toBeUndefined();
    expect(
      evaluate(exceeds('sessionLifetimeHours', 'maxSessionLifetimeHours'), {}),
    ).toBeUndefined();
    expect(
      evaluate(within('sessionLifetimeHours', 'maxSessionLifetimeHours'), {
        sessionLifetimeHours: 4,
      }),
    ).toBeUndefined();
  });

  it('evaluates atoms on present facts', () => {
    expect(evaluate(isTrue('legacySso'), { legacySso: true })).toBe(true);
    expect(evaluate(isFalse('legacySso'), { legacySso: true })).toBe(false);
    expect(evaluate(isFalse('legacySso'), { legacySso: false })).toBe(true);
    expect(evaluate(mfaMethodIn('push', 'sms'), { mfaMethod: 'sms' })).toBe(true);
    expect(evaluate(mfaMethodIn('push', 'sms'), { mfaMethod: 'phishingResistant' })).toBe(false);
    const lifetime = { sessionLifetimeHours: 12, maxSessionLifetimeHours: 12 };
    expect(evaluate(exceeds('sessionLifetimeHours', 'maxSessionLifetimeHours'), lifetime)).toBe(
      false,
    );
    expect(evaluate(within('sessionLifetimeHours', 'maxSessionLifetimeHours'), lifetime)).toBe(
      true,
    );
    expect(
      evaluate(exceeds('sessionLifetimeHours', 'maxSessionLifetimeHours'), {
        ...lifetime,
        sessionLifetimeHours: 12.5,
      }),
    ).toBe(true);
  });

  const table: [string, Condition, Truth][] = [
    ['all(T, T)', all(T, T), true],
    ['all(T, F)', all(T, F), false],
    ['all(T, U)', all(T, U), undefined],
    ['all(F, U)', all(F, U), false],
    ['all(U, U)', all(U, U), undefined],
    ['any(F, F)', any(F, F), false],
    ['any(T, F)', any(T, F), true],
    ['any(F, U)', any(F, U), undefined],
    ['any(T, U)', any(T, U), true],
    ['any(U, U)', any(U, U), undefined],
  ];
  it.each(table)('%s follows the Kleene truth table', (_, condition, expected) => {
    expect(evaluate(condition, facts)).toBe(expected);
  });

  it('reads signals and the refresh token age from a detection, leaving absent ones absent', () => {
    expect(
      factsOf({
        signals: { legacySso: false, mfaMethod: 'otp' },
        session: { refreshTokenAgeHours: 3 },
      }),
    ).toEqual({ legacySso: false, mfaMethod: 'otp', 'session.refreshTokenAgeHours': 3 });
    expect(factsOf({})).toEqual({});
  });
});

/** Every value a fact can take, plus absence: small enough to enumerate per control. */
function domainOf(fact: FactName): readonly (boolean | number | string | undefined)[] {
  if (fact === 'mfaMethod') return [undefined, ...MFA_METHODS];
  if (fact === 'sessionLifetimeHours' || fact === 'session.refreshTokenAgeHours') {
    return [undefined, 1, 12, 2000];
  }
  if (fact === 'maxSessionLifetimeHours') return [undefined, 12];
  return [undefined, true, false];
}

function* assignments(names: readonly FactName[]): Generator<Facts> {
  const [first, ...rest] = names;
  if (first === undefined) {
    yield {};
    return;
  }
  for (const tail of assignments(rest)) {
    for (const value of domainOf(first)) {
      yield value === undefined ? tail : { ...tail, [first]: value };
    }
  }
}

describe('unknown never produces failed (exhaustive over every control)', () => {
  it.each(CONTROL_CATALOG.map((c) => [c.id, c] as const))('%s', (_, control) => {
    let checked = 0;
    for (const assignment of assignments(control.signals)) {
      const failsWithAll = evaluate(control.failWhen, assignment) === true;
      for (const name of Object.keys(assignment) as FactName[]) {
        const { [name]: _removed, ...fewer } = assignment;
        // removing a fact can only keep or lose a failure, never create one
        if (evaluate(control.failWhen, fewer) === true) expect(failsWithAll).toBe(true);
        checked += 1;
      }
    }
    expect(evaluate(control.failWhen, {})).toBeUndefined();
    expect(evaluate(control.holdWhen, {})).toBeUndefined();
    expect(checked).toBeGreaterThan(0);
  });
});
