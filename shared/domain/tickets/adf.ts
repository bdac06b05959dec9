import type { Line, TicketDocument } from './document.ts';
import { defang, toSingleLine } from './neutralise.ts';

/**
 * Atlassian Document Format for Jira Cloud's v3 `description`. Text only ever becomes `text`
 * nodes: no `link` marks, no `mention` or `inlineCard` nodes, so escaping is structural; the
 * detection's text is also defanged so nothing it says turns into a link or mention on display.
 */
interface AdfText {
  type: 'text';
  text: string;
  marks?: { type: 'strong' | 'code' }[];
}
interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}
interface AdfListItem {
  type: 'listItem';
  content: AdfParagraph[];
}
type AdfBlock =
  | AdfParagraph
  | { type: 'heading'; attrs: { level: 2 }; content: AdfText[] }
  | { type: 'bulletList'; content: AdfListItem[] }
  | { type: 'panel'; attrs: { panelType: 'warning' }; content: AdfParagraph[] };
export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfBlock[];
}

export function renderAdf(document: TicketDocument): AdfDocument {
  const content: AdfBlock[] = [];
  if (document.banner) {
    content.push({
      type: 'panel',
      attrs: { panelType: 'warning' },
      content: [paragraph([{ text: document.banner, trusted: true, emphasis: 'strong' }])],
    });
  }
  for (const section of document.sections) {
    content.push({
      type: 'heading',
      attrs: { level: 2 },
      content: texts([{ text: section.heading, trusted: true }]),
    });
    for (const block of section.blocks) {
      if (block.kind === 'paragraph') content.push(paragraph(block.line));
      else if (block.kind === 'bullets') content.push(bulletList(block.items));
      else {
        content.push(
          bulletList(
            block.rows.map((row) => [
              { text: `${row.label}: `, trusted: true, emphasis: 'strong' },
              ...row.value,
            ]),
          ),
        );
      }
    }
  }
  return { type: 'doc', version: 1, content };
}

/** Untrusted text as Jira will display it in a plain field such as `summary`. */
export function jiraPlainText(line: Line): string {
  return line.map((run) => (run.trusted ? run.text : defang(toSingleLine(run.text)))).join('');
}

function paragraph(line: Line): AdfParagraph {
  return { type: 'paragraph', content: texts(line) };
}

function bulletList(items: readonly Line[]): AdfBlock {
  return {
    type: 'bulletList',
    content: items.map((item) => ({ type: 'listItem', content: [paragraph(item)] })),
  };
}

function texts(line: Line): AdfText[] {
  const nodes: AdfText[] = [];
  for (const run of line) {
    const text = run.trusted ? run.text : defang(toSingleLine(run.text));
    // ADF rejects empty text nodes.
    if (text === '') continue;
    nodes.push(
      run.emphasis
        ? { type: 'text', text, marks: [{ type: run.emphasis }] }
        : { type: 'text', text },
    );
  }
  return nodes;
}
