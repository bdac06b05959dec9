import { generateKeyPairSync } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { STATE_TABLE } from '../../../shared/adapters/dynamodb/state-table-definition.ts';
import { DELIVERY_POLL, EVENT_TYPES } from '../../../shared/domain/ssf/vocabulary.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';
import { apiEvent, stubLambdaEnv } from '../../support/lambda-events.ts';

/**
 * The `ssf-api` Lambda handler behind API Gateway: discovery without credentials, management as
 * the caller the bearer-token authorizer named (its context), streams on DynamoDB Local.
 */

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/0b7e1c2a-5d9f-4e3b-8a61-2f4c9d7e8b10';
const BASE_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod';
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kms = mockClient(KMSClient);
// No SQS runs locally: the queue's client records what the API hands the transmitter.
const sqs = mockClient(SQSClient);
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/111122223333/transmit';
let ledgerTable: TestTable;
let stateTable: TestTable;
let handler: (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

beforeAll(async () => {
  ledgerTable = await createTestTable('ledger');
  stateTable = await createTestTable('state', STATE_TABLE);
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  kms.on(SignCommand).rejects(new Error('AccessDeniedException: ssf-api may not sign'));
  kms.on(GetPublicKeyCommand).resolves({
    KeyId: KEY_ARN,
    PublicKey: new Uint8Array(keyPair.publicKey.export({ format: 'der', type: 'spki' })),
  });
  stubLambdaEnv({
    LEDGER_TABLE_NAME: ledgerTable.tableName,
    STATE_TABLE_NAME: stateTable.tableName,
    SSF_SIGNING_KEY_ID: KEY_ARN,
    SSF_ISSUER: BASE_URL,
    SSF_BASE_URL: BASE_URL,
    SSF_TRANSMIT_QUEUE_URL: QUEUE_URL,
    SSF_AUDIENCES: JSON.stringify({ 'okta-itp-client': 'https://halvorsen.okta.example' }),
  });
  ({ handler } = await import('../../../functions/ssf-api/handler.ts'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  kms.restore();
  sqs.restore();
  await ledgerTable?.drop();
  await stateTable?.drop();
});

const manager = { principal: 'okta-itp-client', scopes: 'ssf.manage ssf.read' };
const pollStream = {
  events_requested: [EVENT_TYPES.sessionRevoked],
  delivery: { method: DELIVERY_POLL },
};

describe('ssf-api handler', () => {
  it('serves the configuration and the KMS public key to anyone, naming the API as issuer', async () => {
    const configuration = await handler(apiEvent('GET', '/.well-known/ssf-configuration'));
    expect(configuration.statusCode).toBe(200);
    expect(JSON.parse(configuration.body)).toMatchObject({
      issuer: BASE_URL,
      jwks_uri: `${BASE_URL}/ssf/jwks`,
      configuration_endpoint: `${BASE_URL}/ssf/streams`,
    });
    const jwks = await handler(apiEvent('GET', '/ssf/jwks'));
    const [key] = JSON.parse(jwks.body).keys;
    expect(key).toMatchObject({
      kty: 'RSA',
      alg: 'RS256',
      kid: '0b7e1c2a-5d9f-4e3b-8a61-2f4c9d7e8b10',
      n: keyPair.publicKey.export({ format: 'jwk' }).n,
    });
  });

  it('manages streams as the caller the authorizer named, and only theirs', async () => {
    const created = await handler(
      apiEvent('POST', '/ssf/streams', { body: pollStream, authorizer: manager }),
    );
    expect(created.statusCode).toBe(201);
    const { stream_id, aud } = JSON.parse(created.body);
    // The audience the operator configured for this caller's `sub` (cdk.json context).
    expect(aud).toBe('https://halvorsen.okta.example');
    const mine = await handler(
      apiEvent('GET', '/ssf/streams', { authorizer: manager, query: { stream_id } }),
    );
    expect(mine.statusCode).toBe(200);
    const other = { principal: 'another-client', scopes: 'ssf.manage' };
    const theirs = await handler(
      apiEvent('GET', '/ssf/streams', { authorizer: other, query: { stream_id } }),
    );
    expect(theirs.statusCode).toBe(404);
  });

  it('refuses management without an authorized caller, and writes with only ssf.read', async () => {
    expect((await handler(apiEvent('GET', '/ssf/streams'))).statusCode).toBe(401);
    const reader = { principal: 'okta-itp-client', scopes: 'ssf.read' };
    const write = await handler(
      apiEvent('POST', '/ssf/streams', { body: pollStream, authorizer: reader }),
    );
    expect(write.statusCode).toBe(403);
  });

  it('hands verification and a resumed stream to the transmit queue and signs nothing itself', async () => {
    const created = await handler(
      apiEvent('POST', '/ssf/streams', { body: pollStream, authorizer: manager }),
    );
    const { stream_id } = JSON.parse(created.body);
    const verify = await handler(
      apiEvent('POST', '/ssf/verify', { body: { stream_id, state: 's-42' }, authorizer: manager }),
    );
    expect(verify.statusCode).toBe(204);
    for (const status of ['paused', 'enabled']) {
      const changed = await handler(
        apiEvent('POST', '/ssf/status', { body: { stream_id, status }, authorizer: manager }),
      );
      expect(changed.statusCode).toBe(200);
    }
    const sent = sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
    expect(sent.map((m) => m.QueueUrl)).toEqual([QUEUE_URL, QUEUE_URL]);
    expect(sent.map((m) => JSON.parse(String(m.MessageBody)))).toEqual([
      { ssfRequest: { kind: 'verify', streamId: stream_id, state: 's-42' } },
      { ssfRequest: { kind: 'resume', streamId: stream_id } },
    ]);
    expect(kms.commandCalls(SignCommand)).toEqual([]);
  });
});
