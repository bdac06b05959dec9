import type { OwnerRole } from '../accountability.ts';
import type { Severity } from '../detection.ts';
import type { ResponseMode } from '../response-mode.ts';
import { cut, toSingleLine } from './neutralise.ts';

/**
 * A ticket, independent of any ticket system. Every piece of text says whether it is ours
 * (trusted) or came from the detection (untrusted), so each renderer can escape exactly the
 * untrusted parts for its format.
 */
export interface TextRun {
  text: string;
  trusted: boolean;
  emphasis?: 'strong' | 'code';
}

export type Line = readonly TextRun[];

export type Block =
  | { kind: 'paragraph'; line: Line }
  | { kind: 'bullets'; items: readonly Line[] }
  | { kind: 'fields'; rows: readonly { label: string; value: Line }[] };

export interface Section {
  heading: string;
  blocks: readonly Block[];
  /** Never shortened to fit a ticket system's size limit (summary, due date, link back). */
  keep?: boolean;
}

export interface TicketDocument {
  title: Line;
  /** Set when the ticket does not describe live actions (simulated, dry-run): shown first. */
  banner?: string;
  sections: readonly Section[];
  /** Plain facts adapters map onto fields: all of it ours or schema-validated. */
  meta: {
    incidentId: string;
    dedupeKey: string;
    severity: Severity;
    ownerRole: OwnerRole;
    ownerTeam: string;
    dueDate: string;
    mode: ResponseMode;
    failedControls: readonly string[];
    undeterminedControls: readonly string[];
    ledgerCommand: string;
  };
}

/** Our own words. */
export function ours(text: string, emphasis?: TextRun['emphasis']): TextRun {
  return emphasis ? { text, trusted: true, emphasis } : { text, trusted: true };
}

/**
 * Untrusted text, bounded twice: per piece (`limit`) and per ticket (`budget`), so a hostile
 * detection can neither flood one field nor the whole ticket. What is cut is said, visibly.
 */
export class UntrustedBudget {
  #remaining: number;

  constructor(total: number) {
    this.#remaining = total;
  }

  take(raw: string, limit: number): TextRun[] {
    const clean = toSingleLine(raw);
    if (clean === '') return [ours('(empty)')];
    if (this.#remaining <= 0)
      return [ours('[omitted: this ticket reached its limit for detection text]')];
    const { kept, dropped } = cut(clean, Math.min(limit, this.#remaining));
    this.#remaining -= Array.from(kept).length;
    const runs: TextRun[] = [{ text: kept, trusted: false }];
    if (dropped > 0) runs.push(ours(` [truncated: ${dropped} more characters]`));
    return runs;
  }
}

/** The plain characters of a line, for lengths and for formats without markup. */
export function lineText(line: Line): string {
  return line.map((run) => run.text).join('');
}

/**
 * Shortens a document until `measure` fits `limit`, cutting the ends of the longest sections
 * first and saying where, so a size-limited system gets a readable ticket instead of an error.
 * Sections marked `keep` are never cut.
 */
export function fitDocument(
  document: TicketDocument,
  measure: (document: TicketDocument) => number,
  limit: number,
  systemName: string,
): TicketDocument {
  if (measure(document) <= limit) return document;
  const work = document.sections.map((section) => ({
    section,
    blocks: [...section.blocks],
    cut: false,
  }));
  const note: Block = {
    kind: 'paragraph',
    line: [
      ours(`[The rest of this section was cut to fit ${systemName}'s size limit. Run `),
      ours(document.meta.ledgerCommand, 'code'),
      ours(' for all of it.]'),
    ],
  };
  for (;;) {
    const candidate: TicketDocument = {
      ...document,
      sections: work.map(({ section, blocks, cut }) => ({
        ...section,
        blocks: cut ? [...blocks, note] : blocks,
      })),
    };
    const longest = work
      .filter((w) => !w.section.keep && w.blocks.length > 0)
      .sort((a, b) => b.blocks.length - a.blocks.length)[0];
    if (measure(candidate) <= limit || !longest) return candidate;
    longest.blocks.pop();
    longest.cut = true;
  }
}
