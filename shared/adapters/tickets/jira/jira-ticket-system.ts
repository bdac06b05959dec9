import type { JiraConnection } from '../../../config/ticket-connections.ts';
import type { Severity } from '../../../domain/detection.ts';
import { jiraPlainText, renderAdf } from '../../../domain/tickets/adf.ts';
import { buildTicketDocument, type TicketDocumentBuilder } from '../../../domain/tickets/build.ts';
import { dedupeTag } from '../../../domain/tickets/dedupe.ts';
import { fitDocument } from '../../../domain/tickets/document.ts';
import { fitWithNote } from '../../../domain/tickets/neutralise.ts';
import type { TicketRequest } from '../../../domain/tickets/ticket-request.ts';
import { type OpenedTicket, TicketError, type TicketSystem } from '../../../ports/tickets.ts';
import { type HttpOptions, HttpTransport } from '../http.ts';

export interface JiraTicketSystemOptions {
  connection: JiraConnection;
  http?: HttpOptions;
  buildDocument?: TicketDocumentBuilder;
  /** Jira's default priority scheme; override when the project uses other names. */
  priorities?: Record<Severity, string>;
  /** Jira rejects a description over 32,767 characters; the ADF JSON is kept under this. */
  descriptionLimit?: number;
}

const DEFAULT_JIRA_PRIORITIES: Record<Severity, string> = {
  critical: 'Highest',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};

const SUMMARY_LIMIT = 255;

/**
 * Jira Cloud, REST API v3. Dedupe: every ticket carries the label `rr-<hash of the dedupe key>`;
 * before creating, the enhanced JQL search (`POST /rest/api/3/search/jql`, which replaced the
 * deprecated `/rest/api/3/search`) looks for it in the project. Search is eventually consistent,
 * so two deliveries within seconds of each other could both miss; the queue's visibility
 * timeout keeps redeliveries further apart than that.
 */
export class JiraTicketSystem implements TicketSystem {
  readonly system = 'jira' as const;
  readonly #connection: JiraConnection;
  readonly #http: HttpTransport;
  readonly #build: TicketDocumentBuilder;
  readonly #priorities: Record<Severity, string>;
  readonly #authorization: string;
  readonly #descriptionLimit: number;

  constructor(options: JiraTicketSystemOptions) {
    this.#connection = options.connection;
    this.#descriptionLimit = options.descriptionLimit ?? 32_000;
    const basic = Buffer.from(
      `${options.connection.email}:${options.connection.apiToken}`,
    ).toString('base64');
    this.#authorization = `Basic ${basic}`;
    this.#http = new HttpTransport('jira', [options.connection.apiToken, basic], options.http);
    this.#build = options.buildDocument ?? ((request) => buildTicketDocument(request));
    this.#priorities = options.priorities ?? DEFAULT_JIRA_PRIORITIES;
  }

  async open(request: TicketRequest): Promise<OpenedTicket> {
    const destination = request.owner.ticket;
    if (destination.system !== 'jira') {
      throw new TicketError(
        'jira',
        `the Jira adapter was given a ${destination.system} destination`,
        {
          retryable: false,
        },
      );
    }
    const tag = dedupeTag(request.dedupeKey);
    const document = fitDocument(
      this.#build(request),
      (candidate) => JSON.stringify(renderAdf(candidate)).length,
      this.#descriptionLimit,
      'Jira',
    );
    const fields: Record<string, unknown> = {
      project: { key: destination.project },
      issuetype: { name: destination.issueType ?? 'Task' },
      summary: fitWithNote(jiraPlainText(document.title), SUMMARY_LIMIT, '…'),
      description: renderAdf(document),
      priority: { name: this.#priorities[request.detection.severity] },
      labels: [
        'revocation-responder',
        tag,
        ...(destination.labels ?? []).map((label) => label.trim().replace(/\s+/g, '-')),
      ],
      duedate: request.dueDate.slice(0, 10),
    };
    if (destination.assigneeAccountId)
      fields.assignee = { accountId: destination.assigneeAccountId };
    if (destination.component) fields.components = [{ name: destination.component }];

    return this.#http.withRetries(async () => {
      const existing = await this.#find(destination.project, tag);
      if (existing) return { ...existing, created: false };
      return { ...(await this.#create(fields)), created: true };
    });
  }

  async #find(project: string, tag: string): Promise<Omit<OpenedTicket, 'created'> | undefined> {
    const what = `searching project ${project} for an existing ticket`;
    const response = await this.#http.send(what, {
      method: 'POST',
      url: this.#url('/rest/api/3/search/jql'),
      headers: this.#headers(),
      body: JSON.stringify({
        jql: `project = ${jqlString(project)} AND labels = ${jqlString(tag)}`,
        fields: ['summary'],
        maxResults: 1,
      }),
    });
    const body = this.#http.json(what, response) as { issues?: { id?: unknown; key?: unknown }[] };
    const issue = body.issues?.[0];
    if (!issue) return undefined;
    return this.#ticket(issue, what);
  }

  async #create(fields: Record<string, unknown>): Promise<Omit<OpenedTicket, 'created'>> {
    const what = 'creating the issue';
    const response = await this.#http.send(what, {
      method: 'POST',
      url: this.#url('/rest/api/3/issue'),
      headers: this.#headers(),
      body: JSON.stringify({ fields }),
    });
    return this.#ticket(this.#http.json(what, response) as { id?: unknown; key?: unknown }, what);
  }

  #ticket(issue: { id?: unknown; key?: unknown }, what: string): Omit<OpenedTicket, 'created'> {
    const key = typeof issue.key === 'string' ? issue.key : undefined;
    const id = typeof issue.id === 'string' ? issue.id : undefined;
    const ticketId = key ?? id;
    if (ticketId === undefined) {
      throw new TicketError('jira', `Jira answered ${what} without an issue key or id`, {
        retryable: false,
      });
    }
    return { system: 'jira', ticketId, url: this.#url(`/browse/${encodeURIComponent(ticketId)}`) };
  }

  #headers(): Record<string, string> {
    return {
      Authorization: this.#authorization,
      Accept: 'application/json',
      'Content-Type': 'application/json',
    };
  }

  #url(path: string): string {
    return `${this.#connection.baseUrl.replace(/\/+$/, '')}${path}`;
  }
}

/** A JQL string literal: quoted, with quotes and backslashes escaped. */
function jqlString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
