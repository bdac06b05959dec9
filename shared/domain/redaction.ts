/**
 * Last line of defence for "secrets never reach logs, errors, tickets or the ledger": replaces
 * every occurrence of a configured secret value anywhere inside a value. Code must still never
 * put secrets there; this catches what a vendor echoes back (a token in an error body, say).
 */
export const REDACTED = '[redacted]';

// Short values would redact ordinary words; real secrets are longer than this.
const MIN_SECRET_LENGTH = 8;

export function redactSecrets<T>(value: T, secrets: readonly string[]): T {
  const active = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  if (active.length === 0) return value;
  return scrub(value, active) as T;
}

function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const secret of secrets)
      if (text.includes(secret)) text = text.split(secret).join(REDACTED);
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (value instanceof Error) return scrub(value.message, secrets);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, scrub(item, secrets)]),
    );
  }
  return value;
}
