import type { ServiceNowConnection } from '../../../config/ticket-connections.ts';
import type { Severity } from '../../../domain/detection.ts';
import { buildTicketDocument, type TicketDocumentBuilder } from '../../../domain/tickets/build.ts';
import { dedupeTag } from '../../../domain/tickets/dedupe.ts';
import { fitDocument } from '../../../domain/tickets/document.ts';
import { fitWithNote, toSingleLine } from '../../../domain/tickets/neutralise.ts';
import { escapeForServiceNow, renderText, textLine } from '../../../domain/tickets/text.ts';
import type { TicketRequest } from '../../../domain/tickets/ticket-request.ts';
import { type OpenedTicket, TicketError, type TicketSystem } from '../../../ports/tickets.ts';
import { type HttpOptions, HttpTransport } from '../http.ts';

export interface ServiceNowTicketSystemOptions {
  connection: ServiceNowConnection;
  http?: HttpOptions;
  buildDocument?: TicketDocumentBuilder;
  /** The `description` column's max length on the instance (4000 out of the box). */
  descriptionLimit?: number;
}

/** Impact and urgency (1 high, 3 low); the instance's priority lookup derives priority. */
const IMPACT_URGENCY: Record<Severity, { impact: string; urgency: string }> = {
  critical: { impact: '1', urgency: '1' },
  high: { impact: '2', urgency: '1' },
  medium: { impact: '2', urgency: '2' },
  low: { impact: '3', urgency: '3' },
};

const SHORT_DESCRIPTION_LIMIT = 160;
const SYS_ID = /^[0-9a-f]{32}$/;
const CORRELATION_LIMIT = 100;

/**
 * ServiceNow Table API on `incident` or `sn_si_incident` (both extend `task`, which holds
 * `correlation_id`). Dedupe: `correlation_id` carries the dedupe key and is queried before
 * creating.
 */
export class ServiceNowTicketSystem implements TicketSystem {
  readonly system = 'servicenow' as const;
  readonly #connection: ServiceNowConnection;
  readonly #http: HttpTransport;
  readonly #build: TicketDocumentBuilder;
  readonly #descriptionLimit: number;
  readonly #authorization: string;
  readonly #groups = new Map<string, string>();

  constructor(options: ServiceNowTicketSystemOptions) {
    const { auth } = options.connection;
    this.#connection = options.connection;
    let secrets: string[];
    if (auth.kind === 'bearer') {
      this.#authorization = `Bearer ${auth.token}`;
      secrets = [auth.token];
    } else {
      const basic = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      this.#authorization = `Basic ${basic}`;
      secrets = [auth.password, basic];
    }
    this.#http = new HttpTransport('servicenow', secrets, options.http);
    this.#build = options.buildDocument ?? ((request) => buildTicketDocument(request));
    this.#descriptionLimit = options.descriptionLimit ?? 4000;
  }

  async open(request: TicketRequest): Promise<OpenedTicket> {
    const destination = request.owner.ticket;
    if (destination.system !== 'servicenow') {
      throw new TicketError(
        'servicenow',
        `the ServiceNow adapter was given a ${destination.system} destination`,
        { retryable: false },
      );
    }
    const table = destination.table ?? 'incident';
    const correlationId = serviceNowCorrelationId(request.dedupeKey);
    const document = fitDocument(
      this.#build(request),
      (candidate) => Array.from(renderText(candidate, escapeForServiceNow)).length,
      this.#descriptionLimit,
      'ServiceNow',
    );
    const record = {
      short_description: fitWithNote(
        textLine(document.title, escapeForServiceNow),
        SHORT_DESCRIPTION_LIMIT,
        '…',
      ),
      description: fitWithNote(
        renderText(document, escapeForServiceNow),
        this.#descriptionLimit,
        `\n[truncated to fit the description field: run ${document.meta.ledgerCommand} for the rest]`,
      ),
      work_notes: `Opened by revocation-responder for incident ${request.incidentId}. Audit trail: ${document.meta.ledgerCommand}`,
      ...IMPACT_URGENCY[request.detection.severity],
      correlation_id: correlationId,
      correlation_display: 'revocation-responder',
    };

    return this.#http.withRetries(async () => {
      const existing = await this.#find(table, correlationId);
      if (existing) return { ...existing, created: false };
      const group = await this.#groupSysId(destination.assignmentGroup);
      return {
        ...(await this.#create(table, { ...record, assignment_group: group })),
        created: true,
      };
    });
  }

  /**
   * `assignment_group` is a reference: the Table API stores a sys_id. A group named by its name in
   * the ownership map is looked up once in `sys_user_group` (needs read access to it).
   */
  async #groupSysId(group: string): Promise<string> {
    if (SYS_ID.test(group)) return group;
    const cached = this.#groups.get(group);
    if (cached) return cached;
    if (group.includes('^')) {
      throw new TicketError(
        'servicenow',
        `assignment group name ${group} contains '^': use its sys_id`,
        {
          retryable: false,
        },
      );
    }
    const what = `looking up assignment group ${group}`;
    const query = new URLSearchParams({
      sysparm_query: `name=${group}`,
      sysparm_fields: 'sys_id',
      sysparm_limit: '1',
    });
    const response = await this.#http.send(what, {
      method: 'GET',
      url: `${this.#tableUrl('sys_user_group')}?${query.toString()}`,
      headers: this.#headers(),
    });
    const body = this.#http.json(what, response) as { result?: { sys_id?: unknown }[] };
    const sysId = body.result?.[0]?.sys_id;
    if (typeof sysId !== 'string') {
      throw new TicketError(
        'servicenow',
        `ServiceNow has no assignment group named ${group}: fix the ownership map`,
        { retryable: false },
      );
    }
    this.#groups.set(group, sysId);
    return sysId;
  }

  async #find(
    table: string,
    correlationId: string,
  ): Promise<Omit<OpenedTicket, 'created'> | undefined> {
    const what = `looking up an existing ${table} record`;
    const query = new URLSearchParams({
      sysparm_query: `correlation_id=${correlationId}`,
      sysparm_fields: 'sys_id,number',
      sysparm_limit: '1',
    });
    const response = await this.#http.send(what, {
      method: 'GET',
      url: `${this.#tableUrl(table)}?${query.toString()}`,
      headers: this.#headers(),
    });
    const body = this.#http.json(what, response) as { result?: unknown };
    if (!Array.isArray(body.result)) {
      throw new TicketError('servicenow', `ServiceNow answered ${what} without a result list`, {
        retryable: false,
      });
    }
    const first: unknown = body.result[0];
    return first === undefined ? undefined : this.#ticket(table, first, what);
  }

  async #create(
    table: string,
    record: Record<string, string>,
  ): Promise<Omit<OpenedTicket, 'created'>> {
    const what = `creating the ${table} record`;
    const response = await this.#http.send(what, {
      method: 'POST',
      url: this.#tableUrl(table),
      headers: { ...this.#headers(), 'Content-Type': 'application/json' },
      body: JSON.stringify(record),
    });
    const body = this.#http.json(what, response) as { result?: unknown };
    return this.#ticket(table, body.result, what);
  }

  #ticket(table: string, result: unknown, what: string): Omit<OpenedTicket, 'created'> {
    const row = (typeof result === 'object' && result !== null ? result : {}) as Record<
      string,
      unknown
    >;
    const sysId = typeof row.sys_id === 'string' ? row.sys_id : undefined;
    const number = typeof row.number === 'string' ? row.number : undefined;
    if (sysId === undefined) {
      throw new TicketError('servicenow', `ServiceNow answered ${what} without a sys_id`, {
        retryable: false,
      });
    }
    return {
      system: 'servicenow',
      ticketId: number ?? sysId,
      url: `${this.#base()}/${table}.do?sys_id=${encodeURIComponent(sysId)}`,
    };
  }

  #headers(): Record<string, string> {
    return { Authorization: this.#authorization, Accept: 'application/json' };
  }

  #tableUrl(table: string): string {
    return `${this.#base()}/api/now/table/${table}`;
  }

  #base(): string {
    return this.#connection.instanceUrl.replace(/\/+$/, '');
  }
}

/**
 * The dedupe key itself when it fits `correlation_id` (100 characters) and cannot break the
 * encoded query (`^` separates conditions); otherwise its hashed tag.
 */
export function serviceNowCorrelationId(dedupeKey: string): string {
  const safe =
    dedupeKey.length <= CORRELATION_LIMIT &&
    !dedupeKey.includes('^') &&
    toSingleLine(dedupeKey) === dedupeKey;
  return safe ? dedupeKey : dedupeTag(dedupeKey);
}
