import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import type { RemediationRequest } from '../../../shared/domain/tickets/remediation-request.ts';
import { rawSha256 } from '../../../shared/sources/raw.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';
import {
  lambdaContext,
  responderEventBody,
  type SqsHandler,
  sqsRecord,
  stubLambdaEnv,
} from '../../support/lambda-events.ts';
import { type HttpDouble, startDouble } from '../tickets/http-double.ts';

/** The `open-tickets` Lambda handler: a `Remediation Requested` event off its queue → one ticket. */

const WEBHOOK_SECRET = 'whsec-0123456789abcdef-never-logged';
const secrets = mockClient(SecretsManagerClient);
let ledgerTable: TestTable;
let hook: HttpDouble;
let status = 200;
let handler: SqsHandler;
const context = lambdaContext('open-tickets');

beforeAll(async () => {
  ledgerTable = await createTestTable('ledger');
  hook = await startDouble(() => ({ status, body: { ok: status < 300 } }));
  secrets.on(GetSecretValueCommand).resolves({
    SecretString: JSON.stringify({ webhook: { default: { secret: WEBHOOK_SECRET } } }),
  });
  stubLambdaEnv({
    LEDGER_TABLE_NAME: ledgerTable.tableName,
    TICKET_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:418295730164:secret:tickets',
  });
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
  return sqsRecord(`msg-${incidentId}`, responderEventBody('Remediation Requested', request));
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
    const response = await handler({ Records: [sqsRecord('bad', body)] }, context);
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
