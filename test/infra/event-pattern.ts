/**
 * Just enough of EventBridge's event pattern matching to check our rules against recorded
 * events: exact values, `prefix`, `exists` and `anything-but` (string or list), nested objects,
 * and arrays in events (a field matches when any of its values does, arrays of objects are
 * flattened as EventBridge does). Anything else fails loudly so a test never passes by accident.
 */
type Pattern = { [key: string]: unknown };

export function matchesPattern(pattern: Pattern, event: unknown): boolean {
  return matchObject(pattern, [event]);
}

function matchObject(pattern: Pattern, nodes: unknown[]): boolean {
  return Object.entries(pattern).every(([key, sub]) => {
    const children = nodes.flatMap((node) =>
      node !== null && typeof node === 'object' && !Array.isArray(node)
        ? flatten((node as Record<string, unknown>)[key])
        : [],
    );
    if (Array.isArray(sub)) return matchLeaf(sub, children);
    if (sub !== null && typeof sub === 'object') return matchObject(sub as Pattern, children);
    throw new Error(`pattern value for ${key} must be an array or an object`);
  });
}

function flatten(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value.flatMap(flatten) : [value];
}

function matchLeaf(matchers: unknown[], values: unknown[]): boolean {
  return matchers.some((matcher) => {
    if (matcher === null || typeof matcher !== 'object') {
      return values.some((value) => value === matcher);
    }
    const [operator, operand] = Object.entries(matcher)[0] ?? [];
    switch (operator) {
      case 'prefix':
        return values.some((v) => typeof v === 'string' && v.startsWith(String(operand)));
      case 'exists':
        return operand === values.length > 0;
      case 'anything-but': {
        const excluded = Array.isArray(operand) ? operand : [operand];
        return values.length > 0 && values.some((v) => !excluded.includes(v));
      }
      default:
        throw new Error(`unsupported pattern operator ${String(operator)}`);
    }
  });
}
