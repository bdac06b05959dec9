import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { DynamoDbLedgerStore } from '../../../shared/adapters/dynamodb/ledger-store.ts';
import { STATE_TABLE } from '../../../shared/adapters/dynamodb/state-table-definition.ts';
import { defaultOwnershipMap } from '../../../shared/config/load-ownership.ts';
import { defaultContainmentPolicy } from '../../../shared/config/load-policy.ts';
import { DEFAULT_TICKET_SLA } from '../../../shared/use-cases/open-tickets.ts';
import { createTestTable, type TestTable } from '../../support/dynamodb-local.ts';

/**
 * The `respond` Lambda handler as Lambda runs it: an SQS batch in, partial batch response out,
 * the ledger and state tables on DynamoDB Local, EventBridge and IAM through aws-sdk-client-mock.
 */

const eventBridge = mockClient(EventBridgeClient);
const iam = mockClient(IAMClient);
let ledgerTable: TestTable;
let stateTable: TestTable;
let handler: (
  event: SQSEvent,
  context: Context,
) => Promise<{ batchItemFailures: Array<{ itemIdentifier: string }> }>;
const putPolicies: Array<{ RoleName?: string; PolicyName?: string; PolicyDocument?: string }> = [];

const context = {
  functionName: 'respond',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

function record(id: string, body: string): SQSRecord {
  return { messageId: id, body, messageAttributes: {} } as unknown as SQSRecord;
}

beforeAll(async () => {
  ledgerTable = await createTestTable('ledger');
  stateTable = await createTestTable('state', STATE_TABLE);
  const env: Record<string, string> = {
    LEDGER_TABLE_NAME: ledgerTable.tableName,
    STATE_TABLE_NAME: stateTable.tableName,
    EVENT_BUS_NAME: 'revocation-responder',
    AWS_ENDPOINT_URL_DYNAMODB: inject('dynamodbEndpoint'),
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    RESPONDER_ACCOUNT_ID: '418295730164',
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
          record('m-1', guardDuty),
          record('m-2', '{"detail-type": "GuardDuty Finding", "source": "aws.guardduty"}'),
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
  });

  it('changes nothing when SQS delivers the same finding again', async () => {
    const before = putPolicies.length;
    const response = await handler({ Records: [record('m-3', guardDuty)] }, context);
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
          record('m-4', JSON.stringify(other)),
          record('m-5', readFileSync('examples/aitm-phished-admin.json', 'utf8')),
        ],
      },
      context,
    );
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-4' }]);
  });
});
