import type { Line, TicketDocument } from './document.ts';
import { defang, toSingleLine } from './neutralise.ts';
import { escapeForChat, renderText, textLine } from './text.ts';

/** One text run as a receiver sees it: the detection's text is defanged, never escaped twice. */
interface WebhookRun {
  text: string;
  trusted: boolean;
}

/**
 * The webhook body: structured facts, the document with every run marked trusted or not (so a
 * receiver can escape for its own format), and `title`/`text` ready to post to a chat tool.
 */
export function renderWebhookPayload(document: TicketDocument): Record<string, unknown> {
  return {
    schemaVersion: '1',
    kind: 'remediation-ticket',
    ...document.meta,
    ...(document.banner ? { banner: document.banner } : {}),
    title: textLine(document.title, escapeForChat),
    text: renderText(document, escapeForChat),
    document: {
      title: runs(document.title),
      sections: document.sections.map((section) => ({
        heading: section.heading,
        blocks: section.blocks.map((block) => {
          if (block.kind === 'paragraph') return { kind: 'paragraph', runs: runs(block.line) };
          if (block.kind === 'bullets') return { kind: 'bullets', items: block.items.map(runs) };
          return {
            kind: 'fields',
            rows: block.rows.map((row) => ({ label: row.label, value: runs(row.value) })),
          };
        }),
      })),
    },
  };
}

function runs(line: Line): WebhookRun[] {
  return line.map((run) => ({
    text: run.trusted ? run.text : defang(toSingleLine(run.text)),
    trusted: run.trusted,
  }));
}
