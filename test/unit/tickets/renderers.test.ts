import { describe, expect, it } from 'vitest';
import { jiraPlainText, renderAdf } from '../../../shared/domain/tickets/adf.ts';
import { buildTicketDocument } from '../../../shared/domain/tickets/build.ts';
import { escapeMarkdown, renderMarkdown } from '../../../shared/domain/tickets/markdown.ts';
import { defang } from '../../../shared/domain/tickets/neutralise.ts';
import { escapeForServiceNow, renderText } from '../../../shared/domain/tickets/text.ts';
import { renderWebhookPayload } from '../../../shared/domain/tickets/webhook.ts';
import { detection, invisibles, ticketRequest } from './ticket-requests.ts';

const hostile = () =>
  buildTicketDocument(
    ticketRequest({ detection: detection('detection-hostile.json'), mode: 'simulated' }),
  );

/** Every node of an ADF tree, depth first. */
function nodes(node: unknown): Record<string, unknown>[] {
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const children = Array.isArray(record.content) ? record.content.flatMap(nodes) : [];
  return [record, ...children];
}

describe('defang', () => {
  it('breaks links and mentions but keeps them readable', () => {
    expect(
      defang('see https://evil.example and www.evil.example, ask @here or [~accountid:1]'),
    ).toBe('see https[:]//evil.example and www[.]evil.example, ask [at]here or [ ~accountid:1]');
  });
});

describe('Atlassian Document Format', () => {
  it('is a version 1 doc of paragraphs, headings, bullet lists and a warning panel', () => {
    const adf = renderAdf(hostile());
    expect(adf).toMatchObject({ type: 'doc', version: 1 });
    const types = new Set(nodes(adf).map((n) => n.type));
    expect([...types].sort()).toEqual(
      ['bulletList', 'doc', 'heading', 'listItem', 'panel', 'paragraph', 'text'].sort(),
    );
    expect(adf.content[0]).toMatchObject({ type: 'panel', attrs: { panelType: 'warning' } });
  });

  it('never carries a link mark, a mention or an empty text node, whatever the detection says', () => {
    const adf = renderAdf(hostile());
    for (const node of nodes(adf)) {
      expect(['mention', 'inlineCard', 'blockCard', 'emoji']).not.toContain(node.type);
      if (node.type === 'text') {
        expect(node.text).not.toBe('');
        const marks = (node.marks ?? []) as { type: string }[];
        for (const mark of marks) expect(['strong', 'code']).toContain(mark.type);
      }
    }
  });

  it('keeps ADF-looking JSON from the detection as plain text', () => {
    const adf = renderAdf(hostile());
    const texts = nodes(adf)
      .filter((n) => n.type === 'text')
      .map((n) => String(n.text));
    expect(texts).toContain('{"type":"mention","attrs":{"id":"123"}}');
  });

  it('defangs links and mentions in text nodes and the summary', () => {
    const document = hostile();
    const text = JSON.stringify(renderAdf(document));
    expect(text).not.toMatch(/https:\/\/evil/);
    expect(text).not.toContain('@here');
    expect(text).not.toContain('[~accountid');
    expect(text).toContain('https[:]//evil.example');
    const summary = jiraPlainText(document.title);
    expect(summary).toContain('[click](https[:]//evil.example) [at]here [ ~accou [truncated');
  });
});

describe('Markdown', () => {
  const markdown = () => renderMarkdown(hostile());

  it('escapes HTML, link syntax and emphasis from the detection', () => {
    const text = markdown();
    expect(text).not.toContain('<script>');
    expect(text).toContain('\\<script\\>');
    expect(text).not.toMatch(/[^\\]\]\(/);
    expect(text).toContain('\\*\\*bold\\*\\*');
  });

  it('breaks autolinks and @mentions', () => {
    const text = markdown();
    expect(text).not.toMatch(/https?:\/\//);
    expect(text).not.toContain('www.evil');
    expect(text).not.toMatch(/@here|@channel|@U123|attacker@/);
    expect(text).toContain('attacker\\[at\\]evil.example');
  });

  it('keeps strong emphasis where CommonMark opens and closes it', () => {
    expect(markdown()).toContain(
      ': **FAILED (forbidden, needs RoleManagement.ReadWrite.Directory)**: Authorization',
    );
    const document = buildTicketDocument(ticketRequest());
    const spaced = renderMarkdown({
      ...document,
      sections: [
        {
          heading: 'x',
          blocks: [
            {
              kind: 'paragraph',
              line: [
                { text: 'pay', trusted: true },
                { text: ' due soon ', trusted: true, emphasis: 'strong' },
                { text: 'now', trusted: true },
              ],
            },
          ],
        },
      ],
    });
    expect(spaced).toContain('pay **due soon** now');
  });

  it('puts the mode banner first', () => {
    expect(markdown().startsWith('> **SIMULATED: ')).toBe(true);
  });

  it('escapes block markers at the start of detection text', () => {
    expect(escapeMarkdown('# heading')).toBe('\\# heading');
    expect(escapeMarkdown('- item')).toBe('\\- item');
    expect(escapeMarkdown('1. item')).toBe('1\\. item');
  });
});

describe('ServiceNow text', () => {
  it('HTML-escapes detection text and breaks [code] tags', () => {
    expect(escapeForServiceNow(`<script>alert('x')</script> & "q" [code]<b>[/code]`)).toBe(
      '&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; (code)&lt;b&gt;(/code)',
    );
  });

  it('leaves no markup, control character, link or mention of the detection in the description', () => {
    const text = renderText(hostile(), escapeForServiceNow);
    expect(text).not.toMatch(/<script|<img|<!here|<@U/);
    expect(text).not.toMatch(/\[code\]/i);
    expect(invisibles(text)).toEqual([]);
    expect(text).not.toMatch(/https?:\/\//);
    expect(text.startsWith('*** SIMULATED: ')).toBe(true);
  });
});

describe('webhook payload', () => {
  it('carries structured facts and runs marked trusted or not', () => {
    const payload = renderWebhookPayload(hostile());
    expect(payload).toMatchObject({
      schemaVersion: '1',
      kind: 'remediation-ticket',
      incidentId: 'inc-0123456789abcdef01234567',
      ownerRole: 'iam',
      ownerTeam: 'Identity Platform',
      severity: 'high',
      mode: 'simulated',
      failedControls: ['iam.phishing-resistant-mfa', 'iam.token-binding'],
    });
    const document = payload.document as { title: { text: string; trusted: boolean }[] };
    expect(document.title.some((run) => !run.trusted && run.text.includes('[at]here'))).toBe(true);
  });

  it('escapes the chat text so no mention, link or markup comes through', () => {
    const payload = renderWebhookPayload(hostile());
    const text = `${String(payload.title)}\n${String(payload.text)}`;
    expect(text).not.toMatch(/<!here>|<@U123>|<script|https?:\/\/|@here/);
    expect(text).toContain('&lt;!here&gt;');
  });
});
