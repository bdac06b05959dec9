/**
 * Canonical JSON: object keys sorted by code point, no whitespace, `undefined` object members
 * left out. Two structurally equal values always give the same string, so the string can be
 * hashed. Anything JSON cannot carry exactly (non-finite numbers, bigint, functions, symbols,
 * `undefined` in arrays, class instances such as Date) is refused instead of silently changed.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

export class NotCanonicalJsonError extends TypeError {
  override readonly name = 'NotCanonicalJsonError';
  readonly path: string;

  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.path = path;
  }
}

function encode(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new NotCanonicalJsonError(path, 'number is not finite');
      return JSON.stringify(value);
    case 'object':
      return Array.isArray(value) ? encodeArray(value, path) : encodeObject(value, path);
    default:
      throw new NotCanonicalJsonError(path, `${typeof value} cannot be represented in JSON`);
  }
}

function encodeArray(items: readonly unknown[], path: string): string {
  const parts = items.map((item, index) => {
    if (item === undefined) throw new NotCanonicalJsonError(`${path}[${index}]`, 'undefined');
    return encode(item, `${path}[${index}]`);
  });
  return `[${parts.join(',')}]`;
}

function encodeObject(value: object, path: string): string {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    throw new NotCanonicalJsonError(path, 'only plain objects can be represented in JSON');
  }
  const members: string[] = [];
  // Sorting by UTF-16 code units is deterministic; the order only has to be stable.
  for (const key of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    members.push(`${JSON.stringify(key)}:${encode(member, `${path}.${key}`)}`);
  }
  return `{${members.join(',')}}`;
}
