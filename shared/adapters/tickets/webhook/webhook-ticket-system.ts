import type { WebhookConnection } from '../../../config/ticket-connections.ts';
import { buildTicketDocument, type TicketDocumentBuilder } from '../../../domain/tickets/build.ts';
import { dedupeTag } from '../../../domain/tickets/dedupe.ts';
import type { TicketRequest } from '../../../domain/tickets/ticket-request.ts';
import { renderWebhookPayload } from '../../../domain/tickets/webhook.ts';
import { type OpenedTicket, TicketError, type TicketSystem } from '../../../ports/tickets.ts';
import { type HttpOptions, HttpTransport } from '../http.ts';
import {
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  signWebhook,
  TIMESTAMP_HEADER,
} from './signature.ts';

export interface WebhookTicketSystemOptions {
  connection: WebhookConnection;
  http?: HttpOptions;
  buildDocument?: TicketDocumentBuilder;
  /** For the signed timestamp. */
  now?: () => Date;
}

/**
 * A signed JSON POST for chat tools and anything else. A webhook cannot be searched, so dedupe
 * is the receiver's: every delivery of one (incident, owner team) carries the same
 * `Idempotency-Key`, and a receiver that has seen it answers 409 or `{"created": false}`.
 */
export class WebhookTicketSystem implements TicketSystem {
  readonly system = 'webhook' as const;
  readonly #secret: string;
  readonly #http: HttpTransport;
  readonly #build: TicketDocumentBuilder;
  readonly #now: () => Date;

  constructor(options: WebhookTicketSystemOptions) {
    this.#secret = options.connection.secret;
    this.#http = new HttpTransport('webhook', [options.connection.secret], options.http);
    this.#build = options.buildDocument ?? ((request) => buildTicketDocument(request));
    this.#now = options.now ?? (() => new Date());
  }

  async open(request: TicketRequest): Promise<OpenedTicket> {
    const destination = request.owner.ticket;
    if (destination.system !== 'webhook') {
      throw new TicketError(
        'webhook',
        `the webhook adapter was given a ${destination.system} destination`,
        {
          retryable: false,
        },
      );
    }
    const key = dedupeTag(request.dedupeKey);
    const body = JSON.stringify(renderWebhookPayload(this.#build(request)));
    // Only the host is ever named: some webhook URLs carry their own secret in the path.
    const what = `posting to the webhook at ${new URL(destination.url).host}`;

    return this.#http.withRetries(async () => {
      // Signed per attempt, so a retry after a backoff is not rejected as stale.
      const timestamp = Math.floor(this.#now().getTime() / 1000);
      try {
        const response = await this.#http.send(what, {
          method: 'POST',
          url: destination.url,
          headers: {
            'Content-Type': 'application/json',
            'User-Agent': 'revocation-responder',
            [TIMESTAMP_HEADER]: String(timestamp),
            [SIGNATURE_HEADER]: signWebhook(this.#secret, timestamp, body),
            [IDEMPOTENCY_HEADER]: key,
          },
          body,
        });
        return this.#ticket(response.text, key);
      } catch (error) {
        if (error instanceof TicketError && error.httpStatus === 409) {
          return { system: 'webhook', ticketId: `webhook:${key}`, created: false };
        }
        throw error;
      }
    });
  }

  /** The receiver may name its ticket (`id` or `ticketId`, `url`) and say it was a duplicate. */
  #ticket(text: string, key: string): OpenedTicket {
    let reply: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) reply = parsed as Record<string, unknown>;
    } catch {
      // An empty or non-JSON 2xx is a plain acknowledgement.
    }
    const named = [reply.ticketId, reply.id].find((v) => typeof v === 'string' && v.length <= 256);
    const url =
      typeof reply.url === 'string' && /^https?:\/\//.test(reply.url) ? reply.url : undefined;
    return {
      system: 'webhook',
      ticketId: typeof named === 'string' ? named : `webhook:${key}`,
      ...(url ? { url } : {}),
      created: reply.created !== false,
    };
  }
}
