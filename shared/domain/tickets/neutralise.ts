/**
 * Text from a detection is attacker-influenced. These helpers make it inert before any renderer
 * escapes it for its own format: no control or invisible characters, no clickable links, no
 * mentions. Defanging (`https[:]//`, `[at]`) is the convention security teams already read.
 */

/** Invisible or direction-changing characters that can disguise text (Trojan Source, zero-width). */
function isInvisible(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2069) ||
    code === 0xfeff
  );
}

/** One line of plain text: line breaks and tabs become spaces, other invisible characters go. */
export function toSingleLine(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0x09 || code === 0x0a || code === 0x0d) out += ' ';
    else if (!isInvisible(code)) out += char;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Breaks links and mentions while keeping the text readable. */
export function defang(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]{0,31}):\/\//gi, '$1[:]//')
    .replace(/\bwww\./gi, 'www[.]')
    .replaceAll('@', '[at]')
    .replaceAll('[~', '[ ~');
}

/** Cuts at a code-point boundary; returns the kept text and how many characters were dropped. */
export function cut(text: string, limit: number): { kept: string; dropped: number } {
  const chars = Array.from(text);
  if (chars.length <= limit) return { kept: text, dropped: 0 };
  return { kept: chars.slice(0, limit).join(''), dropped: chars.length - limit };
}

/** Shortens text a target system would otherwise cut silently, saying so in the text itself. */
export function fitWithNote(text: string, limit: number, note: string): string {
  const chars = Array.from(text);
  if (chars.length <= limit) return text;
  const room = Math.max(0, limit - Array.from(note).length);
  return `${chars.slice(0, room).join('')}${note}`;
}
