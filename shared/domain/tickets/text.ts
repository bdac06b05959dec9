import type { Line, TicketDocument } from './document.ts';
import { defang, toSingleLine } from './neutralise.ts';

/**
 * Plain-text layout shared by ServiceNow and webhook receivers; only how the detection's text is
 * escaped differs between them.
 */
export type EscapeUntrusted = (text: string) => string;

export function renderText(document: TicketDocument, escapeUntrusted: EscapeUntrusted): string {
  const out: string[] = [];
  if (document.banner) out.push(`*** ${document.banner} ***`, '');
  out.push(textLine(document.title, escapeUntrusted), '');
  for (const section of document.sections) {
    out.push(section.heading.toUpperCase());
    for (const block of section.blocks) {
      if (block.kind === 'paragraph') out.push(textLine(block.line, escapeUntrusted));
      else if (block.kind === 'bullets')
        out.push(...block.items.map((item) => `- ${textLine(item, escapeUntrusted)}`));
      else
        out.push(
          ...block.rows.map((row) => `- ${row.label}: ${textLine(row.value, escapeUntrusted)}`),
        );
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export function textLine(line: Line, escapeUntrusted: EscapeUntrusted): string {
  return line.map((run) => (run.trusted ? run.text : escapeUntrusted(run.text))).join('');
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * ServiceNow: `description` is a plain-text field, but notifications and portal widgets commonly
 * interpolate it into HTML, and journal fields render `[code]...[/code]` as HTML by default
 * (glide.ui.security.allow_codetag). So the detection's text is entity-escaped and `[code]`
 * markers are broken: the form shows `&lt;` for `<`, which is the safe side of the trade.
 */
export function escapeForServiceNow(text: string): string {
  return defang(toSingleLine(text))
    .replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char)
    .replace(/\[(\/?code)\]/gi, '($1)');
}

/**
 * Webhook receivers (chat tools): the `&`, `<`, `>` escaping Slack documents for message text,
 * which also stops `<!here>` and `<@U123>` style mentions; links and `@` mentions are defanged.
 */
export function escapeForChat(text: string): string {
  return defang(toSingleLine(text)).replace(/[&<>]/g, (char) => HTML_ENTITIES[char] ?? char);
}
