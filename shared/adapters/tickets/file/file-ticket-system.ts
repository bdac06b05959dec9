import { createHash, randomUUID } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { TicketDestination } from '../../../domain/ownership.ts';
import { buildTicketDocument, type TicketDocumentBuilder } from '../../../domain/tickets/build.ts';
import { renderMarkdown } from '../../../domain/tickets/markdown.ts';
import type { TicketRequest } from '../../../domain/tickets/ticket-request.ts';
import { type OpenedTicket, TicketError, type TicketSystem } from '../../../ports/tickets.ts';

export interface FileTicketSystemOptions {
  /** The local state folder, e.g. `.responder`. */
  stateDir: string;
  /** Set when this file stands in for a ticket system that has no credentials configured. */
  standsInFor?: TicketDestination;
  buildDocument?: TicketDocumentBuilder;
}

/**
 * Local mode: one Markdown ticket per (incident, owner team) at
 * `<stateDir>/tickets/<incidentId>/<team>.md`. The ticket is written to a temporary file and
 * hard-linked into place: the link fails if the ticket exists (exclusive, like `wx`), and a ticket
 * is never seen half-written, even after a crash.
 */
export class FileTicketSystem implements TicketSystem {
  readonly system = 'file' as const;
  readonly #stateDir: string;
  readonly #standsInFor: TicketDestination | undefined;
  readonly #build: TicketDocumentBuilder;

  constructor(options: FileTicketSystemOptions) {
    this.#stateDir = resolve(options.stateDir);
    this.#standsInFor = options.standsInFor;
    this.#build = options.buildDocument ?? ((request) => buildTicketDocument(request));
  }

  async open(request: TicketRequest): Promise<OpenedTicket> {
    const destination = request.owner.ticket;
    const root =
      destination.system === 'file' && destination.folder
        ? resolve(this.#stateDir, destination.folder)
        : join(this.#stateDir, 'tickets');
    const folder = join(root, fileSafe(request.incidentId));
    const path = join(folder, `${fileSafe(request.owner.team)}.md`);
    const preface = [
      this.#standsInFor
        ? `Stands in for ${describeDestination(this.#standsInFor)} (not configured: written locally).`
        : 'Local ticket written by revocation-responder.',
      `Owner: ${request.owner.team}. Dedupe key: ${request.dedupeKey}.`,
    ];
    const content = renderMarkdown(this.#build(request), preface);
    const ticket = {
      system: 'file' as const,
      ticketId: relativeId(this.#stateDir, path),
      url: pathToFileURL(path).href,
    };

    const temporary = `${path}.${randomUUID()}.tmp`;
    try {
      await mkdir(folder, { recursive: true });
      await writeFile(temporary, content, { flag: 'wx' });
      await link(temporary, path);
      return { ...ticket, created: true };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return { ...ticket, created: false };
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      // Full disk or a busy file may pass; a missing permission will not.
      const retryable = code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS';
      throw new TicketError('file', `cannot write the ticket file ${ticket.ticketId} (${code})`, {
        retryable,
        cause: error,
      });
    } finally {
      await unlink(temporary).catch(() => undefined);
    }
  }
}

/** How a destination is named to a human, without anything secret (webhook: host only). */
function describeDestination(destination: TicketDestination): string {
  switch (destination.system) {
    case 'jira':
      return `Jira project ${destination.project}`;
    case 'servicenow':
      return `ServiceNow ${destination.table ?? 'incident'} for group ${destination.assignmentGroup}`;
    case 'webhook':
      return `the webhook at ${new URL(destination.url).host}`;
    case 'file':
      return 'a local file';
  }
}

/**
 * A file name that is the name itself when that is safe, otherwise a readable slug plus a short
 * hash, so two different teams never share a ticket file.
 */
function fileSafe(name: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name) && !name.endsWith('.tmp')) return name;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${slug || 'owner'}-${hash}`;
}

function relativeId(stateDir: string, path: string): string {
  const rel = relative(stateDir, path);
  return isAbsolute(rel) || rel.startsWith('..') ? path : rel.split('\\').join('/');
}
