import { readFileSync } from 'node:fs';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import { STATE_TABLE } from '../../../shared/adapters/dynamodb/state-table-definition.ts';
import { parseDetection } from '../../../shared/domain/detection.ts';
import { incidentIdFor } from '../../../shared/domain/incident.ts';
import { rawSha256 } from '../../../shared/sources/raw.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';
import { apiEvent, stubLambdaEnv } from '../../support/lambda-events.ts';

/**
 * The `intake-api` Lambda handler as API Gateway calls it: the ledger and the SET replay guard
 * on DynamoDB Local, the respond queue through aws-sdk-client-mock (there is no local SQS).
 */

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/418295730164/respond';
const TENANT = '395979b2-3921-4e47-adf8-f76fc76c27fc';
const MARIA = '1b688927-349c-4622-845d-03aefbc01f62';
const ISSUER = 'https://idp.halvorsenfreight.example/';
const AUDIENCE = 'https://ir-responder.halvorsenfreight.example/ssf/receiver';

const sqs = mockClient(SQSClient);
let ledgerTable: TestTable;
let stateTable: TestTable;
let signingKey: CryptoKey;
let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  ledgerTable = await createTestTable('ledger');
  stateTable = await createTestTable('state', STATE_TABLE);
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  signingKey = privateKey;
  const transmitters = [
    {
      issuer: ISSUER,
      audience: AUDIENCE,
      jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] },
      provider: 'entra',
      tenantId: TENANT,
    },
  ];
  stubLambdaEnv({
    LEDGER_TABLE_NAME: ledgerTable.tableName,
    STATE_TABLE_NAME: stateTable.tableName,
    RESPOND_QUEUE_URL: QUEUE_URL,
    SSF_TRANSMITTERS: JSON.stringify(transmitters),
  });
  ({ handler } = await import('../../../functions/intake-api/handler.ts'));
});

beforeEach(() => {
  sqs.reset();
  sqs.on(SendMessageCommand).callsFake(() => ({ MessageId: `msg-${sqs.calls().length}` }));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  sqs.restore();
  await ledgerTable?.drop();
  await stateTable?.drop();
});

const SOAR_CALLER = 'arn:aws:sts::418295730164:assumed-role/soar-playbooks/run-7f3a';

function post(path: string, body: string, contentType = 'application/json') {
  return handler(apiEvent('POST', path, { body, contentType, callerArn: SOAR_CALLER }));
}

function sent() {
  return sqs.commandCalls(SendMessageCommand).map((call) => call.args[0].input);
}

describe('intake-api handler', () => {
  it('queues an accepted detection for respond, with its source event id and payload hash', async () => {
    const text = readFileSync('examples/aitm-phished-admin.json', 'utf8');
    const response = await post('/v1/detections', text);
    expect(response.statusCode).toBe(202);
    const detection = parseDetection(JSON.parse(text));
    if (!detection.ok) throw detection.error;
    expect(JSON.parse(response.body)).toEqual({
      status: 'accepted',
      detectionId: detection.value.detectionId,
      incidentId: incidentIdFor(detection.value),
      queued: 'msg-1',
    });
    const [message, ...others] = sent();
    expect(others).toEqual([]);
    expect(message?.QueueUrl).toBe(QUEUE_URL);
    expect(JSON.parse(message?.MessageBody ?? '')).toEqual(detection.value);
    expect(message?.MessageAttributes?.rawSha256?.StringValue).toMatch(/^[0-9a-f]{64}$/);
    expect(message?.MessageAttributes?.sourceEventId?.StringValue).toBe(
      detection.value.detectionId,
    );
    // Who sent it travels with it, for the ledger: the IAM caller, never the body's word.
    expect(message?.MessageAttributes?.sender?.StringValue).toBe(`iam:${SOAR_CALLER}`);
    expect(message?.MessageAttributes?.sourceFormat?.StringValue).toBe('native');
  });

  it('refuses a malformed detection naming the field, queues nothing and records the rejection', async () => {
    const body = readFileSync('test/fixtures/native/malformed-subject-and-severity.json', 'utf8');
    const response = await post('/v1/detections', body);
    expect(response.statusCode).toBe(400);
    const answer = JSON.parse(response.body) as {
      error: string;
      issues: { path: string }[];
      rejectionRecord: string;
    };
    expect(answer.error).toBe('invalid_detection');
    expect(answer.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(['severity', 'subject.id']),
    );
    expect(sent()).toEqual([]);
    const ledger = new DynamoDbLedgerStore({
      client: ledgerTable.client,
      tableName: ledgerTable.tableName,
    });
    const records = (await ledger.query({ incidentId: answer.rejectionRecord })).records;
    expect(records.map((r) => r.kind)).toEqual(['detection.rejected']);
    expect(answer.rejectionRecord).toBe(`rejected-${rawSha256(JSON.parse(body)).slice(0, 32)}`);
  });

  it('queues a signed SET from the configured transmitter and refuses it replayed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now,
      jti: `jti-lambda-${now}`,
      sub_id: { format: 'opaque', id: MARIA },
      events: {
        'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {
          event_timestamp: now,
          initiating_entity: 'policy',
        },
      },
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'secevent+jwt', kid: 'k1' })
      .sign(signingKey);
    const first = await post('/v1/ssf/events', token, 'application/secevent+jwt');
    expect(first.statusCode).toBe(202);
    const [message] = sent();
    expect(JSON.parse(message?.MessageBody ?? '')).toMatchObject({
      tenant: { provider: 'entra', tenantId: TENANT },
      subject: { id: MARIA },
    });
    // A SET is recorded as sent by its verified issuer, not by the API caller that relayed it.
    expect(message?.MessageAttributes?.sender?.StringValue).toBe(`ssf:${ISSUER}`);
    expect(message?.MessageAttributes?.sourceFormat?.StringValue).toBe('ssf');
    const replay = await post('/v1/ssf/events', token, 'application/secevent+jwt');
    expect(replay.statusCode).toBe(400);
    expect(JSON.parse(replay.body)).toMatchObject({ err: 'invalid_request' });
    expect(sent()).toHaveLength(1);
  });
});
