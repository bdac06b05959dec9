import { findConnection, type TicketConnections } from '../../config/ticket-connections.ts';
import type { TicketDestination } from '../../domain/ownership.ts';
import { buildTicketDocument, type TicketContentOptions } from '../../domain/tickets/build.ts';
import type { TicketRequest } from '../../domain/tickets/ticket-request.ts';
import { TicketError, type TicketSystem } from '../../ports/tickets.ts';
import { FileTicketSystem } from './file/file-ticket-system.ts';
import type { HttpOptions } from './http.ts';
import { JiraTicketSystem } from './jira/jira-ticket-system.ts';
import { ServiceNowTicketSystem } from './servicenow/servicenow-ticket-system.ts';
import { WebhookTicketSystem } from './webhook/webhook-ticket-system.ts';

export interface TicketSystemsOptions {
  connections: TicketConnections;
  /**
   * Local mode: the state folder. Set, destinations whose system has no credentials are written
   * as file tickets naming what they stand in for. Unset (AWS), such tickets fail, not retried,
   * with a message saying which connection to configure.
   */
  stateDir?: string;
  http?: HttpOptions;
  content?: TicketContentOptions;
  now?: () => Date;
}

/** Picks the adapter for a destination from the ownership map. */
export class TicketSystems {
  readonly #options: TicketSystemsOptions;

  constructor(options: TicketSystemsOptions) {
    this.#options = options;
  }

  resolve(destination: TicketDestination): TicketSystem {
    const { connections, stateDir, http, content, now } = this.#options;
    const buildDocument = (request: TicketRequest) => buildTicketDocument(request, content);
    const common = { buildDocument, ...(http ? { http } : {}) };
    const name = destination.system === 'file' ? undefined : destination.connection;
    const unconfigured = (what: string): TicketSystem =>
      stateDir !== undefined
        ? new FileTicketSystem({ stateDir, standsInFor: destination, buildDocument })
        : new Unconfigured(destination.system, what);

    switch (destination.system) {
      case 'jira': {
        const connection = findConnection(connections, 'jira', name);
        return connection
          ? new JiraTicketSystem({ connection, ...common })
          : unconfigured(`Jira connection '${name ?? 'default'}'`);
      }
      case 'servicenow': {
        const connection = findConnection(connections, 'servicenow', name);
        return connection
          ? new ServiceNowTicketSystem({ connection, ...common })
          : unconfigured(`ServiceNow connection '${name ?? 'default'}'`);
      }
      case 'webhook': {
        const connection = findConnection(connections, 'webhook', name);
        return connection
          ? new WebhookTicketSystem({ connection, ...common, ...(now ? { now } : {}) })
          : unconfigured(`webhook connection '${name ?? 'default'}'`);
      }
      case 'file':
        return stateDir !== undefined
          ? new FileTicketSystem({ stateDir, buildDocument })
          : new Unconfigured('file', 'local state folder for file tickets');
    }
  }
}

/** A destination nobody gave credentials for: says so instead of pretending to open a ticket. */
class Unconfigured implements TicketSystem {
  readonly system: TicketDestination['system'];
  readonly #what: string;

  constructor(system: TicketDestination['system'], what: string) {
    this.system = system;
    this.#what = what;
  }

  async open(): Promise<never> {
    throw new TicketError(this.system, `no ${this.#what} is configured: no ticket was opened`, {
      retryable: false,
    });
  }
}
