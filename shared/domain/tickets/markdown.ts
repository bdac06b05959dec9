import type { Line, TextRun, TicketDocument } from './document.ts';
import { defang, toSingleLine } from './neutralise.ts';

/**
 * Markdown (CommonMark + GFM) for file tickets. Characters that start emphasis, code, links,
 * HTML, tables or entities are backslash-escaped in every run; the detection's text is defanged
 * as well, because GFM autolinks bare `https://`, `www.` and e-mail addresses.
 */
export function renderMarkdown(document: TicketDocument, preface: readonly string[] = []): string {
  const out: string[] = [];
  if (document.banner) out.push(`> **${escapeMarkdown(document.banner)}**`, '');
  out.push(`# ${line(document.title)}`, '');
  for (const text of preface) out.push(`_${escapeMarkdown(text)}_`, '');
  for (const section of document.sections) {
    out.push(`## ${escapeMarkdown(section.heading)}`, '');
    for (const block of section.blocks) {
      if (block.kind === 'paragraph') out.push(line(block.line));
      else if (block.kind === 'bullets') out.push(...block.items.map((item) => `- ${line(item)}`));
      else {
        out.push(
          ...block.rows.map((row) => `- **${escapeMarkdown(row.label)}:** ${line(row.value)}`),
        );
      }
      out.push('');
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** Escapes Markdown syntax; at the start of a run also block markers (headings, lists). */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[\\`*_[\]<>&|~!]/g, '\\$&')
    .replace(/^([#+=-])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

function line(runs: Line): string {
  return runs.map(run).join('');
}

function run(textRun: TextRun): string {
  if (textRun.trusted && textRun.emphasis === 'code' && !textRun.text.includes('`')) {
    return `\`${textRun.text}\``;
  }
  const text = escapeMarkdown(textRun.trusted ? textRun.text : defang(toSingleLine(textRun.text)));
  if (textRun.emphasis !== 'strong') return text;
  // `**` only opens and closes next to non-space characters: keep the spaces outside.
  const [, lead = '', inner = '', trail = ''] = /^(\s*)(.*?)(\s*)$/s.exec(text) ?? [];
  return inner === '' ? text : `${lead}**${inner}**${trail}`;
}
