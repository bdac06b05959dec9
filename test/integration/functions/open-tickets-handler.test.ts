import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import { defaultContainmentPolicy } from '../../../shared/config/load-policy.ts';
import type { RemediationRequest } from '../../../shared/domain/tickets/remediation-request.ts';
import { rawSha256 } from '../../../shared/sources/raw.ts';
import { DEFAULT_TICKET_SLA } from '../../../shared/use-cases/open-tickets.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';
import { type HttpDouble, startDouble } from '../tickets/http-double.ts';

/** The `open-tickets` Lambda handler: a `Remediation Requested` event off its queue → one ticket. */

const WEBHOOK_SECRET = 'whsec-0123456789abcdef-never-logged';
const secrets = mockClient(SecretsManagerClient);
let ledgerTable: TestTable;
let hook: HttpDouble;
let status = 200;
let handler: (
  event: SQSEvent,
  context: Context,
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;
const context = {
  functionName: 'open-tickets',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

beforeAll(async () => {
  ledgerTable = await createTestTable('ledger');
  hook = await startDouble(() => ({ status, body: { ok: status < 300 } }));
  secrets.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({ webhook: { default: { secret: WEBHOOK_SECRET } } }),
  });
  const env: Record<string, string> = {
    LEDGER_TABLE_NAME: ledgerTable.tableName,
    TICKET_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:418295730164:secret:tickets',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    POWERTOOLS_TRACE_ENABLED: 'false',
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
    RESPONDER_EMBEDDED_CONFIG: JSON.stringify({
      ownership: defaultOwnershipMap,
      policy: defaultContainmentPolicy,
      ticketSla: DEFAULT_TICKET_SLA,
    }),
  };
  for (const [key, value] of Object.entries(env)) vi.stubEnv(key, value);
  ({ handler } = await import('../../../functions/open-tickets/handler.ts'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  secrets.restore();
  await hook?.close();
  await ledgerTable?.drop();
});

function remediation(incidentId: string): SQSRecord {
  const detection = json('test/fixtures/tickets/detection-aitm-admin.json');
  const request: RemediationRequest = {
    incidentId,
    ownerRole: 'iam',
    owner: {
      team: 'Identity Platform',
      escalation: 'iam-oncall@example.com',
      ticket: { system: 'webhook', url: `${hook.url}/hook` },
    },
    detection: detection as RemediationRequest['detection'],
    findings: json('test/fixtures/tickets/findings-iam.json') as RemediationRequest['findings'],
    containment: [],
    mode: 'live',
  };
  const body = JSON.stringify({
    'detail-type': 'Remediation Requested',
    source: 'revocation-responder',
    detail: request,
  });
  return { messageId: `msg-${incidentId}`, body, messageAttributes: {} } as unknown as SQSRecord;
}

function json(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe('open-tickets handler', () => {
  it('opens the owner ticket through the signed webhook and records it', async () => {
    const response = await handler({ Records: [remediation('inc-tickets-1')] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(hook.requests).toHaveLength(1);
    expect(hook.requests[0]?.headers['x-responder-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(hook.requests[0]?.body).not.toContain(WEBHOOK_SECRET);
    const ledger = new DynamoDbLedgerStore({
      client: ledgerTable.client,
      tableName: ledgerTable.tableName,
    });
    const kinds = (await ledger.query({ incidentId: 'inc-tickets-1' })).records.map((r) => r.kind);
    expect(kinds).toEqual(['ticket.pending', 'ticket.opened']);
  });

  it('records a refused ticket without retrying it, and never echoes the secret', async () => {
    status = 401;
    const response = await handler({ Records: [remediation('inc-tickets-2')] }, context);
    status = 200;
    expect(response.batchItemFailures).toEqual([]);
    const ledger = new DynamoDbLedgerStore({
      client: ledgerTable.client,
      tableName: ledgerTable.tableName,
    });
    const records = (await ledger.query({ incidentId: 'inc-tickets-2' })).records;
    expect(records.map((r) => r.kind)).toEqual(['ticket.pending', 'ticket.failed']);
    expect(JSON.stringify(records)).not.toContain(WEBHOOK_SECRET);
  });

  it('records a malformed message as a rejection and fails no record', async () => {
    const body = '{"detail": {"incidentId": 3}}';
    const response = await handler(
      { Records: [{ messageId: 'bad', body, messageAttributes: {} } as unknown as SQSRecord] },
      context,
    );
    expect(response.batchItemFailures).toEqual([]);
    const ledger = new DynamoDbLedgerStore({
      client: ledgerTable.client,
      tableName: ledgerTable.tableName,
    });
    const rejection = (
      await ledger.query({ incidentId: `rejected-${rawSha256(body).slice(0, 32)}` })
    ).records;
    expect(rejection.map((r) => r.kind)).toEqual(['detection.rejected']);
    expect(JSON.stringify(rejection[0]?.data)).toContain('incidentId');
  });
});
