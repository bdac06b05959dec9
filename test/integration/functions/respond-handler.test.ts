import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import { STATE_TABLE } from '../../../shared/adapters/dynamodb/state-table-definition.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';
import {
  lambdaContext,
  type SqsHandler,
  sqsRecord,
  stubLambdaEnv,
} from '../../support/lambda-events.ts';

/**
 * The `respond` Lambda handler as Lambda runs it: an SQS batch in, partial batch response out,
 * the ledger and state tables on DynamoDB Local, EventBridge and IAM through aws-sdk-client-mock.
 */

const eventBridge = mockClient(EventBridgeClient);
const iam = mockClient(IAMClient);
let ledgerTable: TestTable;
let stateTable: TestTable;
let handler: SqsHandler;
const putPolicies: Array<{ RoleName?: string; PolicyName?: string; PolicyDocument?: string }> = [];

const context = lambdaContext('respond');

beforeAll(async () => {
  ledgerTable = await createTestTable('ledger');
  stateTable = await createTestTable('state', STATE_TABLE);
  stubLambdaEnv({
    LEDGER_TABLE_NAME: ledgerTable.tableName,
    STATE_TABLE_NAME: stateTable.tableName,
    EVENT_BUS_NAME: 'revocation-responder',
    RESPONDER_ACCOUNT_ID: '418295730164',
  });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [] });
  iam.on(PutRolePolicyCommand).callsFake((input) => {
    putPolicies.push(input);
    return {};
  });
  iam
    .on(ListRolePoliciesCommand)
    .callsFake(() => ({ PolicyNames: putPolicies.map((p) => p.PolicyName ?? '') }));
  iam.on(GetRolePolicyCommand).callsFake((input) => {
    const put = putPolicies.find((p) => p.PolicyName === input.PolicyName);
    return {
      RoleName: input.RoleName,
      PolicyName: input.PolicyName,
      PolicyDocument: encodeURIComponent(put?.PolicyDocument ?? ''),
    };
  });
  ({ handler } = await import('../../../functions/respond/handler.ts'));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  eventBridge.restore();
  iam.restore();
  await ledgerTable?.drop();
  await stateTable?.drop();
});

const guardDuty = readFileSync(
  'test/fixtures/guardduty/instance-credential-exfiltration-outside-aws.json',
  'utf8',
);

describe('respond handler', () => {
  it('contains a GuardDuty credential finding, records a malformed message, and fails no record', async () => {
    const response = await handler(
      {
        Records: [
          sqsRecord('m-1', guardDuty),
          sqsRecord('m-2', '{"detail-type": "GuardDuty Finding", "source": "aws.guardduty"}'),
        ],
      },
      context,
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(putPolicies).toHaveLength(1);
    expect(putPolicies[0]?.RoleName).toBe('halvorsen-api-ec2-role');
    expect(
      JSON.parse(putPolicies[0]?.PolicyDocument ?? '{}').Statement[0].Condition.DateLessThan[
        'aws:TokenIssueTime'
      ],
    ).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    const published = eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? []);
    expect(published.map((entry) => entry.DetailType)).toContain('Containment Completed');
    expect(
      published.every(
        (entry) =>
          entry.Source === 'revocation-responder' && entry.EventBusName === 'revocation-responder',
      ),
    ).toBe(true);

    const ledger = new DynamoDbLedgerStore({
      client: ledgerTable.client,
      tableName: ledgerTable.tableName,
    });
    const subject =
      'arn:aws:sts::418295730164:assumed-role/halvorsen-api-ec2-role/i-0f42efb95a7c9b7f6';
    const records = (await ledger.query({ subjectId: subject, limit: 100 })).records;
    expect(records.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['detection.received', 'containment.action', 'finding']),
    );
    // Who sent it and in what format, from the bus envelope, not self-declared in the detection.
    const received = records.find((r) => r.kind === 'detection.received');
    expect(received?.data).toMatchObject({
      sourceFormat: 'guardduty',
      sender: 'eventbridge:aws.guardduty@418295730164',
    });
  });

  it('changes nothing when SQS delivers the same finding again', async () => {
    const before = putPolicies.length;
    const response = await handler({ Records: [sqsRecord('m-3', guardDuty)] }, context);
    expect(response.batchItemFailures).toEqual([]);
    expect(putPolicies).toHaveLength(before);
  });

  it('fails only the record whose containment was throttled, so SQS redelivers just that one', async () => {
    iam.on(PutRolePolicyCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'Throttling',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const other = JSON.parse(guardDuty);
    other.detail.id = 'another-finding-id';
    other.detail.resource.accessKeyDetails.userName = 'halvorsen-batch-role';
    other.detail.resource.accessKeyDetails.principalId =
      'AROAZB0KDEFPFYCM6GSWK:i-0aaaaaaaaaaaaaaaa';
    const response = await handler(
      {
        Records: [
          sqsRecord('m-4', JSON.stringify(other)),
          sqsRecord('m-5', readFileSync('examples/aitm-phished-admin.json', 'utf8')),
        ],
      },
      context,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-4' }]);
  });
});
