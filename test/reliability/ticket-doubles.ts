import { IDEMPOTENCY_HEADER } from '../../shared/adapters/tickets/webhook/signature.ts';
import {
  type HttpDouble,
  type RecordedRequest,
  startDouble,
} from '../integration/tickets/http-double.ts';

/**
 * Ticket systems on 127.0.0.1 that keep what they create, so a test can count tickets:
 * a Jira Cloud double (label search + create, as the adapter calls them) and a webhook receiver
 * that drops a repeated Idempotency-Key with 409. Each can be down (503 to everything), up, or
 * losing the answer of a create it performed (503 after creating).
 */

export type DoubleState = 'up' | 'down' | 'losesCreateAnswer';

export interface TicketDouble {
  double: HttpDouble;
  url: string;
  state: DoubleState;
  /** Tickets created, by dedupe label / idempotency key. */
  created: Map<string, { id: string; request: RecordedRequest }>;
  /** Answers the double gave, in order. */
  statuses: number[];
  close(): Promise<void>;
}

const DOWN = { status: 503, body: { errorMessages: ['Service Unavailable'] } };

/**
 * `echoCredentialsIn`: a project whose creates are refused with a 400 that quotes the request's
 * credentials back, as a careless vendor or proxy might: the responder must not repeat them.
 */
export async function startJiraDouble(
  options: { echoCredentialsIn?: string } = {},
): Promise<TicketDouble> {
  const created = new Map<string, { id: string; request: RecordedRequest }>();
  const statuses: number[] = [];
  const state = { current: 'up' as DoubleState };
  const double = await startDouble((request) => {
    const reply = (() => {
      if (state.current === 'down') return DOWN;
      if (request.method === 'POST' && request.path === '/rest/api/3/search/jql') {
        const jql = String((request.json() as { jql?: unknown }).jql ?? '');
        const label = /labels = "([^"]+)"/.exec(jql)?.[1] ?? '';
        const issue = created.get(label);
        return {
          status: 200,
          body: { issues: issue ? [{ id: issue.id, key: `SEC-${issue.id}` }] : [], isLast: true },
        };
      }
      if (request.method === 'POST' && request.path === '/rest/api/3/issue') {
        const fields = (
          request.json() as { fields: { labels: string[]; project: { key: string } } }
        ).fields;
        if (fields.project.key === options.echoCredentialsIn) {
          const authorization = String(request.headers.authorization ?? '');
          const decoded = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString();
          return {
            status: 400,
            body: { errorMessages: [`rejected ${authorization} (${decoded}) for this project`] },
          };
        }
        const label = fields.labels.find((l) => l.startsWith('rr-')) ?? '';
        const id = String(10_000 + created.size);
        created.set(label, { id, request });
        if (state.current === 'losesCreateAnswer') return DOWN;
        return { status: 201, body: { id, key: `SEC-${id}`, self: `/rest/api/3/issue/${id}` } };
      }
      return { status: 404, body: { errorMessages: ['no such resource'] } };
    })();
    statuses.push(reply.status);
    return reply;
  });
  return ticketDouble(double, created, statuses, state);
}

export async function startWebhookDouble(): Promise<TicketDouble> {
  const created = new Map<string, { id: string; request: RecordedRequest }>();
  const statuses: number[] = [];
  const state = { current: 'up' as DoubleState };
  const double = await startDouble((request) => {
    const reply = (() => {
      if (state.current === 'down') return DOWN;
      const key = String(request.headers[IDEMPOTENCY_HEADER.toLowerCase()] ?? '');
      if (created.has(key)) return { status: 409, body: { error: 'duplicate' } };
      const id = `CHAT-${created.size + 1}`;
      created.set(key, { id, request });
      if (state.current === 'losesCreateAnswer') return DOWN;
      return { status: 201, body: { id } };
    })();
    statuses.push(reply.status);
    return reply;
  });
  return ticketDouble(double, created, statuses, state);
}

function ticketDouble(
  double: HttpDouble,
  created: TicketDouble['created'],
  statuses: number[],
  state: { current: DoubleState },
): TicketDouble {
  return {
    double,
    url: double.url,
    get state() {
      return state.current;
    },
    set state(value: DoubleState) {
      state.current = value;
    },
    created,
    statuses,
    close: () => double.close(),
  };
}
