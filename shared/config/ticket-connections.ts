import * as z from 'zod/mini';
import { ConfigError } from '../domain/errors.ts';
import type { TicketSystemName } from '../domain/ownership.ts';
import { parseWith } from '../domain/validation.ts';
import type { SecretSource } from '../ports/secrets.ts';

/**
 * Credentials for ticket systems, by connection name. The ownership map names a connection
 * (`ticket.connection`, default `default`); the secret itself comes from the environment (local
 * mode) or a Secrets Manager JSON (AWS). Error messages name variables and fields, never values.
 */

const httpsUrl = () => z.url({ protocol: /^https?$/ });
const secretText = () => z.string().check(z.minLength(1), z.maxLength(8192));

const jiraSchema = z.object({
  baseUrl: httpsUrl(),
  email: z.string().check(z.minLength(3), z.maxLength(320)),
  apiToken: secretText(),
});

const serviceNowSchema = z
  .object({
    instanceUrl: httpsUrl(),
    username: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    password: z.optional(secretText()),
    token: z.optional(secretText()),
  })
  .check(
    z.refine(
      (c) => (c.token !== undefined) !== (c.username !== undefined && c.password !== undefined),
      'give either token (bearer) or username and password (basic), not both or neither',
    ),
  );

const webhookSchema = z.object({
  // HMAC keys shorter than this are guessable.
  secret: z.string().check(z.minLength(16), z.maxLength(8192)),
});

const connectionName = () => z.string().check(z.minLength(1), z.maxLength(64));

const ticketConnectionsSchema = z.object({
  jira: z.optional(z.record(connectionName(), jiraSchema)),
  servicenow: z.optional(z.record(connectionName(), serviceNowSchema)),
  webhook: z.optional(z.record(connectionName(), webhookSchema)),
});

export interface JiraConnection {
  name: string;
  baseUrl: string;
  email: string;
  apiToken: string;
}

export interface ServiceNowConnection {
  name: string;
  instanceUrl: string;
  auth: { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };
}

export interface WebhookConnection {
  name: string;
  secret: string;
}

export interface TicketConnections {
  jira: ReadonlyMap<string, JiraConnection>;
  servicenow: ReadonlyMap<string, ServiceNowConnection>;
  webhook: ReadonlyMap<string, WebhookConnection>;
}

type ConnectionSystem = Exclude<TicketSystemName, 'file'>;
type ConnectionOf<S extends ConnectionSystem> = S extends 'jira'
  ? JiraConnection
  : S extends 'servicenow'
    ? ServiceNowConnection
    : WebhookConnection;

const DEFAULT_CONNECTION = 'default';

/** `sec-ops` in the map, `SEC_OPS` in variable names: both name one connection. */
function connectionKey(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export function findConnection<S extends ConnectionSystem>(
  connections: TicketConnections,
  system: S,
  name: string = DEFAULT_CONNECTION,
): ConnectionOf<S> | undefined {
  const map = connections[system] as ReadonlyMap<string, ConnectionOf<S>>;
  return map.get(connectionKey(name));
}

export const NO_TICKET_CONNECTIONS: TicketConnections = {
  jira: new Map(),
  servicenow: new Map(),
  webhook: new Map(),
};

/** Validates a connections document (the Secrets Manager JSON shape). */
function parseTicketConnections(input: unknown, origin: string): TicketConnections {
  const parsed = parseWith(ticketConnectionsSchema, input, `ticket connections in ${origin}`);
  if (!parsed.ok) throw new ConfigError(parsed.error.message, { cause: parsed.error });
  const { jira = {}, servicenow = {}, webhook = {} } = parsed.value;
  return {
    jira: keyed(origin, 'jira', jira, (name, c) => ({ name, ...c })),
    servicenow: keyed(origin, 'servicenow', servicenow, (name, c) => ({
      name,
      instanceUrl: c.instanceUrl,
      auth:
        c.token !== undefined
          ? { kind: 'bearer', token: c.token }
          : { kind: 'basic', username: c.username ?? '', password: c.password ?? '' },
    })),
    webhook: keyed(origin, 'webhook', webhook, (name, c) => ({ name, secret: c.secret })),
  };
}

const ENV_FIELDS = {
  jira: { BASE_URL: 'baseUrl', EMAIL: 'email', API_TOKEN: 'apiToken' },
  servicenow: {
    INSTANCE_URL: 'instanceUrl',
    USERNAME: 'username',
    PASSWORD: 'password',
    TOKEN: 'token',
  },
  webhook: { SECRET: 'secret' },
} as const;

/**
 * `RESPONDER_JIRA_<NAME>_BASE_URL|EMAIL|API_TOKEN`,
 * `RESPONDER_SERVICENOW_<NAME>_INSTANCE_URL|USERNAME|PASSWORD|TOKEN`,
 * `RESPONDER_WEBHOOK_<NAME>_SECRET`; `<NAME>` is the connection name, e.g. `DEFAULT`.
 */
export function ticketConnectionsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): TicketConnections {
  const document: Record<string, Record<string, Record<string, string>>> = {};
  for (const [variable, value] of Object.entries(env)) {
    if (value === undefined || !variable.startsWith('RESPONDER_')) continue;
    for (const system of ['jira', 'servicenow', 'webhook'] as const) {
      const suffixes = Object.keys(ENV_FIELDS[system]).join('|');
      const match = new RegExp(`^RESPONDER_${system.toUpperCase()}_(.+)_(${suffixes})$`).exec(
        variable,
      );
      if (!match?.[1] || !match[2]) continue;
      const fields = ENV_FIELDS[system] as Record<string, string>;
      const field = fields[match[2]];
      if (field === undefined) continue;
      document[system] ??= {};
      const connections = document[system];
      connections[match[1]] ??= {};
      const connection = connections[match[1]];
      if (connection) connection[field] = value;
    }
  }
  const parsed = parseWith(ticketConnectionsSchema, document, 'ticket connections');
  if (!parsed.ok) {
    // Name the variable to fix rather than a path into a document the user never wrote.
    const problems = parsed.error.issues.map((issue) => {
      const [system, name, field] = issue.path.split('.');
      const suffix = Object.entries(ENV_FIELDS[system as keyof typeof ENV_FIELDS] ?? {}).find(
        ([, f]) => f === field,
      )?.[0];
      const variable = `RESPONDER_${system?.toUpperCase()}_${name}${suffix ? `_${suffix}` : '_*'}`;
      return `${variable}: ${issue.message}`;
    });
    throw new ConfigError(`invalid ticket connections in the environment: ${problems.join('; ')}`);
  }
  return parseTicketConnections(parsed.value, 'the environment');
}

/** Reads the connections JSON from a secret; neither a parse error nor a field error quotes it. */
export async function ticketConnectionsFromSecret(
  source: SecretSource,
  secretId: string,
): Promise<TicketConnections> {
  let text: string;
  try {
    text = await source.getSecretString(secretId);
  } catch (error) {
    throw new ConfigError(`cannot read ticket connections secret ${secretId}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text it choked on: that text is the secret.
    throw new ConfigError(`ticket connections secret ${secretId} is not valid JSON`);
  }
  return parseTicketConnections(json, `secret ${secretId}`);
}

/**
 * Environment connections, plus those in the secret named by `secretId` (in AWS, the stack's
 * ticket secret) or by `RESPONDER_TICKET_SECRET_ID`. The same connection in both is an error.
 */
export async function loadTicketConnections(options: {
  env: Readonly<Record<string, string | undefined>>;
  secrets?: SecretSource;
  secretId?: string;
}): Promise<TicketConnections> {
  const fromEnv = ticketConnectionsFromEnv(options.env);
  const secretId = options.secretId ?? options.env.RESPONDER_TICKET_SECRET_ID;
  if (!secretId) return fromEnv;
  if (!options.secrets) {
    throw new ConfigError(
      `ticket secret ${secretId} is configured but no secret source is available`,
    );
  }
  const fromSecret = await ticketConnectionsFromSecret(options.secrets, secretId);
  return {
    jira: merged('jira', fromEnv.jira, fromSecret.jira),
    servicenow: merged('servicenow', fromEnv.servicenow, fromSecret.servicenow),
    webhook: merged('webhook', fromEnv.webhook, fromSecret.webhook),
  };
}

/** Names and hosts only: safe for a start-up log line. */
export function describeTicketConnections(connections: TicketConnections): string[] {
  return [
    ...[...connections.jira.values()].map((c) => `jira:${c.name} ${new URL(c.baseUrl).host}`),
    ...[...connections.servicenow.values()].map(
      (c) => `servicenow:${c.name} ${new URL(c.instanceUrl).host} (${c.auth.kind})`,
    ),
    ...[...connections.webhook.values()].map((c) => `webhook:${c.name}`),
  ];
}

function keyed<In, Out>(
  origin: string,
  system: string,
  entries: Record<string, In>,
  build: (name: string, entry: In) => Out,
): Map<string, Out> {
  const out = new Map<string, Out>();
  for (const [name, entry] of Object.entries(entries)) {
    const key = connectionKey(name);
    if (out.has(key)) {
      throw new ConfigError(`${origin}: two ${system} connections are both named ${key}`);
    }
    out.set(key, build(name, entry));
  }
  return out;
}

function merged<T>(
  system: string,
  a: ReadonlyMap<string, T>,
  b: ReadonlyMap<string, T>,
): Map<string, T> {
  const out = new Map(a);
  for (const [key, value] of b) {
    if (out.has(key)) {
      throw new ConfigError(
        `${system} connection ${key} is defined in both the environment and the secret: keep one`,
      );
    }
    out.set(key, value);
  }
  return out;
}

/** Every secret value the connections hold, for the redacting logger's list. */
export function ticketSecretValues(connections: TicketConnections): string[] {
  return [
    ...[...connections.jira.values()].map((c) => c.apiToken),
    ...[...connections.servicenow.values()].map((c) =>
      c.auth.kind === 'basic' ? c.auth.password : c.auth.token,
    ),
    ...[...connections.webhook.values()].map((c) => c.secret),
  ];
}
