import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import { STATE_TABLE } from '../../../shared/adapters/dynamodb/state-table-definition.ts';
import { DynamoDbStreamStore } from '../../../shared/adapters/ssf/dynamodb-stream-store.ts';
import type { Stream } from '../../../shared/domain/ssf/stream.ts';
import {
  DELIVERY_PUSH,
  EVENT_TYPES,
  VERIFICATION_EVENT,
} from '../../../shared/domain/ssf/vocabulary.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';
import {
  lambdaContext,
  responderEventBody,
  type SqsHandler,
  sqsRecord,
  stubLambdaEnv,
} from '../../support/lambda-events.ts';
import { type ReceiverDouble, startReceiverDouble } from '../ssf/receiver-double.ts';

/**
 * The `ssf-transmit` Lambda handler: a `Containment Completed` event off its queue → a SET signed
 * by KMS (mocked: a real RSA key signs, so the signature is checked for real) pushed to a
 * receiver on 127.0.0.1, recorded in the ledger on DynamoDB Local.
 */

const KEY_ARN = 'arn:aws:kms:us-east-1:111122223333:key/0b7e1c2a-5d9f-4e3b-8a61-2f4c9d7e8b10';
const ISSUER = 'https://ssf.responder.example.com';
const keyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kms = mockClient(KMSClient);
let ledgerTable: TestTable;
let stateTable: TestTable;
let receiver: ReceiverDouble;
let ledger: DynamoDbLedgerStore;
let handler: SqsHandler;
const contextWith = (remainingMs: number) => lambdaContext('ssf-transmit', remainingMs);

const detection = {
  detectionId: 'det-ssf-1',
  source: { vendor: 'entra', product: 'identity-protection' },
  tenant: { provider: 'entra', tenantId: '72f988bf-86f1-41af-91ab-2d7cd011db47' },
  subject: { type: 'user', id: 'u-1', userPrincipalName: 'maria@example.com' },
};

beforeAll(async () => {
  ledgerTable = await createTestTable('ledger');
  stateTable = await createTestTable('state', STATE_TABLE);
  receiver = await startReceiverDouble();
  kms.on(GetPublicKeyCommand).resolves({
    KeyId: KEY_ARN,
    PublicKey: new Uint8Array(keyPair.publicKey.export({ format: 'der', type: 'spki' })),
  });
  kms.on(SignCommand).callsFake(async (input: { Message: Uint8Array }) => ({
    KeyId: KEY_ARN,
    Signature: new Uint8Array(sign('sha256', Buffer.from(input.Message), keyPair.privateKey)),
  }));
  stubLambdaEnv({
    LEDGER_TABLE_NAME: ledgerTable.tableName,
    STATE_TABLE_NAME: stateTable.tableName,
    SSF_SIGNING_KEY_ID: KEY_ARN,
    SSF_ISSUER: ISSUER,
  });
  ledger = new DynamoDbLedgerStore({
    client: ledgerTable.client,
    tableName: ledgerTable.tableName,
  });
  const stream: Stream = {
    stream_id: 'stream-push-1',
    iss: ISSUER,
    aud: 'https://receiver.example.com',
    events_supported: Object.values(EVENT_TYPES),
    events_requested: [EVENT_TYPES.sessionRevoked],
    events_delivered: [EVENT_TYPES.sessionRevoked],
    delivery: { method: DELIVERY_PUSH, endpoint_url: receiver.url },
    format: 'email',
    test_stream: false,
    status: 'enabled',
    owner: 'receiver-client',
    subjects_added: [],
    subjects_removed: [],
    created_at: '2026-12-04T10:00:00.000Z',
  };
  await new DynamoDbStreamStore(stateTable.client, stateTable.tableName).put(stream);
  ({ handler } = await import('../../../functions/ssf-transmit/handler.ts'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  kms.restore();
  await receiver?.close();
  await ledgerTable?.drop();
  await stateTable?.drop();
});

/** An incident whose sessions were revoked (what respond records). */
async function containedIncident(incidentId: string): Promise<void> {
  await ledger.append(incidentId, [
    { kind: 'detection.received', stepKey: 'detection', data: { detection, mode: 'live' } },
    {
      kind: 'containment.action',
      stepKey: 'action:revokeSessions:u-1',
      status: 'succeeded',
      subjectId: 'u-1',
      data: {
        action: 'revokeSessions',
        target: 'u-1',
        startedAt: '2026-12-04T10:00:01.000Z',
        mode: 'live',
      },
    },
  ]);
}

function completed(incidentId: string | undefined, messageId = `msg-${incidentId}`): SQSRecord {
  const detail = incidentId ? { incidentId, status: 'contained' } : { status: 'contained' };
  return sqsRecord(messageId, responderEventBody('Containment Completed', detail));
}

async function kinds(incidentId: string): Promise<string[]> {
  return (await ledger.query({ incidentId })).records.map((r) => r.kind);
}

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('ssf-transmit handler', () => {
  it('pushes a SET signed by the KMS key that verifies with its public key, and records it', async () => {
    await containedIncident('inc-ssf-1');
    const before = receiver.received.length;
    const response = await handler({ Records: [completed('inc-ssf-1')] }, contextWith(60_000));
    expect(response.batchItemFailures).toEqual([]);
    const pushed = receiver.received.slice(before);
    expect(pushed).toHaveLength(1);
    expect(pushed[0]?.contentType).toBe('application/secevent+jwt');
    const [header, payload, signature] = (pushed[0]?.body ?? '').split('.') as [
      string,
      string,
      string,
    ];
    const valid = verify(
      'sha256',
      Buffer.from(`${header}.${payload}`, 'ascii'),
      keyPair.publicKey,
      Buffer.from(signature, 'base64url'),
    );
    expect(valid).toBe(true);
    expect(decode(header)).toEqual({
      alg: 'RS256',
      typ: 'secevent+jwt',
      kid: '0b7e1c2a-5d9f-4e3b-8a61-2f4c9d7e8b10',
    });
    const claims = decode(payload);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: 'https://receiver.example.com',
      txn: 'inc-ssf-1',
      sub_id: { format: 'email', email: 'maria@example.com' },
    });
    expect(Object.keys(claims.events as object)).toEqual([EVENT_TYPES.sessionRevoked]);
    expect(claims).not.toHaveProperty('sub');
    expect(claims).not.toHaveProperty('exp');
    const signCalls = kms.commandCalls(SignCommand);
    expect(signCalls.at(-1)?.args[0].input).toMatchObject({
      KeyId: KEY_ARN,
      MessageType: 'RAW',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_256',
    });
    expect(await kinds('inc-ssf-1')).toContain('signal.sent');
  });

  it('sends nothing twice when the same event is delivered again', async () => {
    const before = receiver.received.length;
    const signsBefore = kms.commandCalls(SignCommand).length;
    const response = await handler({ Records: [completed('inc-ssf-1')] }, contextWith(60_000));
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.received.length).toBe(before);
    expect(kms.commandCalls(SignCommand).length).toBe(signsBefore);
  });

  it('fails the record for redelivery (and in the end the DLQ) while the receiver keeps failing', async () => {
    await containedIncident('inc-ssf-2');
    receiver.script = Array.from({ length: 10 }, () => ({ status: 503 }));
    // 4 s left: the push gives up retryably, well before the invocation would time out.
    const response = await handler({ Records: [completed('inc-ssf-2')] }, contextWith(4000));
    receiver.script = [];
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'msg-inc-ssf-2' }]);
    const failed = (await ledger.query({ incidentId: 'inc-ssf-2' })).records.filter(
      (r) => r.kind === 'signal.failed',
    );
    expect(failed).toHaveLength(1);
    expect(failed[0]?.data).toMatchObject({ retryable: true, httpStatus: 503 });
    expect(await kinds('inc-ssf-2')).not.toContain('signal.sent');

    const later = await handler({ Records: [completed('inc-ssf-2')] }, contextWith(60_000));
    expect(later.batchItemFailures).toEqual([]);
    expect(await kinds('inc-ssf-2')).toContain('signal.sent');
  });

  it('lets a message without an incident go without pushing anything', async () => {
    const before = receiver.received.length;
    const response = await handler(
      { Records: [completed(undefined, 'msg-no-incident')] },
      contextWith(60_000),
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(receiver.received.length).toBe(before);
  });

  it('sends RISC account-enabled once, from a Release Completed event after a confirmed re-enable', async () => {
    const store = new DynamoDbStreamStore(stateTable.client, stateTable.tableName);
    await store.put({
      ...((await store.get('stream-push-1')) as Stream),
      stream_id: 'stream-enabled-1',
      events_requested: [EVENT_TYPES.accountEnabled],
      events_delivered: [EVENT_TYPES.accountEnabled],
    });
    await ledger.append('inc-ssf-3', [
      { kind: 'detection.received', stepKey: 'detection', data: { detection, mode: 'live' } },
      {
        kind: 'containment.action',
        stepKey: 'action:disableAccount:u-1',
        status: 'succeeded',
        subjectId: 'u-1',
        data: { action: 'disableAccount', target: 'u-1', mode: 'live' },
      },
      {
        kind: 'restore.action',
        stepKey: 'restore:accountDisabled:u-1:succeeded',
        status: 'succeeded',
        subjectId: 'u-1',
        data: {
          action: 'disableAccount',
          target: 'u-1',
          change: { kind: 'accountDisabled', subjectId: 'u-1' },
        },
      },
    ]);
    const released = (messageId: string): SQSRecord =>
      ({
        messageId,
        body: JSON.stringify({
          'detail-type': 'Release Completed',
          source: 'revocation-responder',
          detail: { incidentId: 'inc-ssf-3', restored: [{ kind: 'accountDisabled' }] },
        }),
        messageAttributes: {},
      }) as unknown as SQSRecord;
    const before = receiver.received.length;
    const first = await handler({ Records: [released('msg-rel-1')] }, contextWith(60_000));
    expect(first.batchItemFailures).toEqual([]);
    const pushed = receiver.received.slice(before);
    expect(pushed).toHaveLength(1);
    const claims = decode((pushed[0]?.body ?? '').split('.')[1] as string);
    expect(Object.keys(claims.events as object)).toEqual([EVENT_TYPES.accountEnabled]);
    expect(claims.txn).toBe('inc-ssf-3');

    const again = await handler({ Records: [released('msg-rel-2')] }, contextWith(60_000));
    expect(again.batchItemFailures).toEqual([]);
    expect(receiver.received.length).toBe(before + 1);
  });

  it("signs and pushes the verification event the management API queued, with the receiver's state", async () => {
    const request = (messageId: string, ssfRequest: unknown): SQSRecord =>
      ({
        messageId,
        body: JSON.stringify({ ssfRequest }),
        messageAttributes: {},
      }) as unknown as SQSRecord;
    const before = receiver.received.length;
    const signsBefore = kms.commandCalls(SignCommand).length;
    const response = await handler(
      {
        Records: [
          request('msg-verify', { kind: 'verify', streamId: 'stream-push-1', state: 'abc' }),
        ],
      },
      contextWith(60_000),
    );
    expect(response.batchItemFailures).toEqual([]);
    const pushed = receiver.received.slice(before);
    expect(pushed).toHaveLength(1);
    const claims = decode((pushed[0]?.body ?? '').split('.')[1] as string);
    expect(claims).toMatchObject({
      iss: ISSUER,
      sub_id: { format: 'opaque', id: 'stream-push-1' },
      events: { [VERIFICATION_EVENT]: { state: 'abc' } },
    });
    expect(kms.commandCalls(SignCommand).length).toBe(signsBefore + 1);
  });

  it('delivers what a paused stream held once the management API queues its resumption', async () => {
    const store = new DynamoDbStreamStore(stateTable.client, stateTable.tableName);
    await store.hold('stream-push-1', {
      jti: 'held-1',
      set: 'a.b.c',
      eventType: VERIFICATION_EVENT,
    });
    const before = receiver.received.length;
    const body = JSON.stringify({ ssfRequest: { kind: 'resume', streamId: 'stream-push-1' } });
    const resumed = {
      messageId: 'msg-resume',
      body,
      messageAttributes: {},
    } as unknown as SQSRecord;
    receiver.script = Array.from({ length: 10 }, () => ({ status: 503 }));
    const failing = await handler({ Records: [resumed] }, contextWith(4000));
    receiver.script = [];
    expect(failing.batchItemFailures).toEqual([{ itemIdentifier: 'msg-resume' }]);
    const later = await handler({ Records: [resumed] }, contextWith(60_000));
    expect(later.batchItemFailures).toEqual([]);
    expect(receiver.received.at(-1)?.body).toBe('a.b.c');
    expect(await store.takeHeld('stream-push-1')).toEqual([]);
    expect(receiver.received.length).toBeGreaterThan(before);
  });
});
