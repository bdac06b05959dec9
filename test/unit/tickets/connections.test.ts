import { describe, expect, it } from 'vitest';
import {
  describeTicketConnections,
  findConnection,
  loadTicketConnections,
  ticketConnectionsFromEnv,
  ticketConnectionsFromSecret,
} from '../../../shared/config/ticket-connections.ts';
import { ConfigError } from '../../../shared/domain/errors.ts';
import type { SecretSource } from '../../../shared/ports/secrets.ts';

const TOKEN = 'ATATT3xFfGF0-jira-token-never-shown';

function secretSource(values: Record<string, string>): SecretSource {
  return {
    getSecretString: async (id) => {
      const value = values[id];
      if (value === undefined) throw new Error(`ResourceNotFoundException: ${id}`);
      return value;
    },
  };
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('ticket connections from the environment', () => {
  it('reads named Jira, ServiceNow and webhook connections', () => {
    const connections = ticketConnectionsFromEnv({
      RESPONDER_JIRA_DEFAULT_BASE_URL: 'https://halvorsen.atlassian.net',
      RESPONDER_JIRA_DEFAULT_EMAIL: 'responder@halvorsenfreight.example',
      RESPONDER_JIRA_DEFAULT_API_TOKEN: TOKEN,
      RESPONDER_SERVICENOW_SEC_OPS_INSTANCE_URL: 'https://halvorsen.service-now.com',
      RESPONDER_SERVICENOW_SEC_OPS_TOKEN: 'sn-bearer-token',
      RESPONDER_WEBHOOK_CHAT_SECRET: 'whsec-0123456789abcdef',
      UNRELATED: 'x',
    });
    expect(findConnection(connections, 'jira')).toEqual({
      name: 'DEFAULT',
      baseUrl: 'https://halvorsen.atlassian.net',
      email: 'responder@halvorsenfreight.example',
      apiToken: TOKEN,
    });
    expect(findConnection(connections, 'servicenow', 'sec-ops')?.auth).toEqual({
      kind: 'bearer',
      token: 'sn-bearer-token',
    });
    expect(findConnection(connections, 'webhook', 'chat')?.secret).toBe('whsec-0123456789abcdef');
    expect(findConnection(connections, 'jira', 'other')).toBeUndefined();
  });

  it('names the missing or invalid variable and never its value', () => {
    const error = thrown(() =>
      ticketConnectionsFromEnv({
        RESPONDER_JIRA_DEFAULT_BASE_URL: 'not-a-url',
        RESPONDER_JIRA_DEFAULT_API_TOKEN: TOKEN,
        RESPONDER_WEBHOOK_CHAT_SECRET: 'short-secret',
      }),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toContain('RESPONDER_JIRA_DEFAULT_BASE_URL: Invalid URL');
    expect(error.message).toContain('RESPONDER_JIRA_DEFAULT_EMAIL');
    expect(error.message).toContain('RESPONDER_WEBHOOK_CHAT_SECRET');
    expect(error.message).not.toContain(TOKEN);
    expect(error.message).not.toContain('short-secret');
    expect(error.message).not.toContain('not-a-url');
  });

  it('refuses a ServiceNow connection with both basic and bearer credentials', () => {
    const error = thrown(() =>
      ticketConnectionsFromEnv({
        RESPONDER_SERVICENOW_DEFAULT_INSTANCE_URL: 'https://x.service-now.com',
        RESPONDER_SERVICENOW_DEFAULT_USERNAME: 'svc',
        RESPONDER_SERVICENOW_DEFAULT_PASSWORD: 'pw-secret',
        RESPONDER_SERVICENOW_DEFAULT_TOKEN: 'tok-secret',
      }),
    );
    expect(error.message).toContain('either token (bearer) or username and password (basic)');
    expect(error.message).not.toMatch(/pw-secret|tok-secret/);
  });

  it('describes connections by name and host only', () => {
    const connections = ticketConnectionsFromEnv({
      RESPONDER_JIRA_DEFAULT_BASE_URL: 'https://halvorsen.atlassian.net',
      RESPONDER_JIRA_DEFAULT_EMAIL: 'responder@halvorsenfreight.example',
      RESPONDER_JIRA_DEFAULT_API_TOKEN: TOKEN,
    });
    expect(describeTicketConnections(connections)).toEqual([
      'jira:DEFAULT halvorsen.atlassian.net',
    ]);
  });
});

describe('ticket connections from a secret', () => {
  const document = {
    jira: {
      default: {
        baseUrl: 'https://halvorsen.atlassian.net',
        email: 'r@h.example',
        apiToken: TOKEN,
      },
    },
    servicenow: {
      'sec-ops': { instanceUrl: 'https://h.service-now.com', username: 'svc', password: 'pw-1' },
    },
  };

  it('reads the connections JSON', async () => {
    const connections = await ticketConnectionsFromSecret(
      secretSource({ 'rr/tickets': JSON.stringify(document) }),
      'rr/tickets',
    );
    expect(findConnection(connections, 'jira')?.apiToken).toBe(TOKEN);
    expect(findConnection(connections, 'servicenow', 'SEC_OPS')?.auth).toEqual({
      kind: 'basic',
      username: 'svc',
      password: 'pw-1',
    });
  });

  it('does not quote a secret that is not JSON', async () => {
    const error = await ticketConnectionsFromSecret(
      secretSource({ s: `{"jira": ${TOKEN}` }),
      's',
    ).catch((e: Error) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('ticket connections secret s is not valid JSON');
  });

  it('names the bad field of the secret without its value', async () => {
    const bad = { jira: { default: { ...document.jira.default, baseUrl: TOKEN } } };
    const error = await ticketConnectionsFromSecret(
      secretSource({ s: JSON.stringify(bad) }),
      's',
    ).catch((e: Error) => e);
    expect((error as Error).message).toContain('jira.default.baseUrl');
    expect((error as Error).message).not.toContain(TOKEN);
  });

  it('merges the secret named by RESPONDER_TICKET_SECRET_ID with the environment', async () => {
    const connections = await loadTicketConnections({
      env: {
        RESPONDER_TICKET_SECRET_ID: 'rr/tickets',
        RESPONDER_WEBHOOK_CHAT_SECRET: 'whsec-0123456789abcdef',
      },
      secrets: secretSource({ 'rr/tickets': JSON.stringify(document) }),
    });
    expect(findConnection(connections, 'jira')).toBeDefined();
    expect(findConnection(connections, 'webhook', 'chat')).toBeDefined();
  });

  it('reads the secret the stack names, with the environment adding nothing', async () => {
    const connections = await loadTicketConnections({
      env: {},
      secretId: 'arn:aws:secretsmanager:us-east-1:418295730164:secret:rr-tickets',
      secrets: secretSource({
        'arn:aws:secretsmanager:us-east-1:418295730164:secret:rr-tickets': JSON.stringify(document),
      }),
    });
    expect(findConnection(connections, 'servicenow', 'sec-ops')).toBeDefined();
  });

  it('refuses the same connection defined twice', async () => {
    const error = await loadTicketConnections({
      env: {
        RESPONDER_TICKET_SECRET_ID: 'rr/tickets',
        RESPONDER_JIRA_DEFAULT_BASE_URL: 'https://other.atlassian.net',
        RESPONDER_JIRA_DEFAULT_EMAIL: 'a@b.example',
        RESPONDER_JIRA_DEFAULT_API_TOKEN: 'other-token',
      },
      secrets: secretSource({ 'rr/tickets': JSON.stringify(document) }),
    }).catch((e: Error) => e);
    expect((error as Error).message).toContain('jira connection DEFAULT is defined in both');
  });
});
