import { describe, expect, it } from 'vitest';
import { renderAdf } from '../../../shared/domain/tickets/adf.ts';
import { buildTicketDocument } from '../../../shared/domain/tickets/build.ts';
import {
  fitDocument,
  lineText,
  type TicketDocument,
} from '../../../shared/domain/tickets/document.ts';
import { ticketRequest, worstCaseRequest } from './ticket-requests.ts';

const adfSize = (document: TicketDocument) => JSON.stringify(renderAdf(document)).length;
const guidance = {
  guidanceFor: () => 'Enforce token protection for sign-in sessions on every client.',
};

describe('fitDocument', () => {
  it('leaves a document that fits untouched', () => {
    const document = buildTicketDocument(ticketRequest());
    expect(fitDocument(document, adfSize, 32_000, 'Jira')).toBe(document);
  });

  it('cuts the longest sections until the ticket fits, saying where and how to see the rest', () => {
    const document = buildTicketDocument(worstCaseRequest(), guidance);
    expect(adfSize(document)).toBeGreaterThan(32_000);

    const fitted = fitDocument(document, adfSize, 32_000, 'Jira');
    expect(adfSize(fitted)).toBeLessThanOrEqual(32_000);
    const failed = fitted.sections.find((s) => s.heading.startsWith('Failed controls'));
    const last = failed?.blocks.at(-1);
    expect(last?.kind === 'paragraph' && lineText(last.line)).toBe(
      "[The rest of this section was cut to fit Jira's size limit. Run responder ledger query --incident inc-0123456789abcdef01234567 for all of it.]",
    );
  });

  it('never cuts the summary, the due date or the link back', () => {
    const document = buildTicketDocument(worstCaseRequest(), guidance);
    const fitted = fitDocument(document, adfSize, 1, 'Jira');
    for (const heading of ['Incident', 'Due date', 'Link back']) {
      const before = document.sections.find((s) => s.heading === heading);
      const after = fitted.sections.find((s) => s.heading === heading);
      expect(after?.blocks).toEqual(before?.blocks);
    }
    const cut = fitted.sections.filter((s) => !s.keep);
    for (const section of cut) expect(section.blocks).toHaveLength(1);
  });
});
