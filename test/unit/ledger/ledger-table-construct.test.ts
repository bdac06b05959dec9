import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { LedgerTable } from '../../../infra/constructs/ledger-table.ts';
import {
  createTableInput,
  LEDGER_TABLE,
} from '../../../shared/adapters/dynamodb/ledger-table-definition.ts';

let template: Template;

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

function statementsOf(roleLogicalIdPrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) =>
      (p.Properties.Roles as Array<{ Ref: string }>).some((r) =>
        r.Ref.startsWith(roleLogicalIdPrefix),
      ),
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}
const actionsOf = (statements: Statement[], effect: 'Allow' | 'Deny') =>
  statements
    .filter((s) => s.Effect === effect)
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

beforeAll(() => {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const ledger = new LedgerTable(stack, 'Ledger');
  const principal = new iam.AccountRootPrincipal();
  ledger.grantAppend(new iam.Role(stack, 'Writer', { assumedBy: principal }));
  ledger.grantAudit(new iam.Role(stack, 'Auditor', { assumedBy: principal }));
  ledger.grantCheckpoint(new iam.Role(stack, 'Checkpointer', { assumedBy: principal }));
  template = Template.fromStack(stack);
});

describe('LedgerTable construct', () => {
  it('protects the table: PITR, deletion protection, customer-managed key with rotation, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: Match.objectLike({ SSEEnabled: true, SSEType: 'KMS' }),
      }),
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('declares exactly the keys and indexes the tests and local mode create (one definition)', () => {
    const table = Object.values(template.findResources('AWS::DynamoDB::Table'))[0]?.Properties;
    const local = createTableInput('local');
    expect(table.KeySchema).toEqual(local.KeySchema);
    expect(new Set(table.AttributeDefinitions.map(JSON.stringify))).toEqual(
      new Set(local.AttributeDefinitions?.map((a) => JSON.stringify(a))),
    );
    const indexes = (
      gsis: Array<{
        IndexName?: string;
        KeySchema?: unknown;
        Projection?: { ProjectionType?: string };
      }>,
    ) =>
      gsis.map((g) => ({
        name: g.IndexName,
        keys: g.KeySchema,
        projection: g.Projection?.ProjectionType,
      }));
    expect(indexes(table.GlobalSecondaryIndexes)).toEqual(
      indexes(local.GlobalSecondaryIndexes ?? []),
    );
    expect(table.GlobalSecondaryIndexes).toHaveLength(LEDGER_TABLE.globalSecondaryIndexes.length);
  });

  it('lets the writer add records and read a head, and never update or delete', () => {
    const writer = statementsOf('Writer');
    const allowed = actionsOf(writer, 'Allow');
    expect(new Set(allowed.filter((a) => a.startsWith('dynamodb:')))).toEqual(
      new Set([
        'dynamodb:PutItem',
        'dynamodb:ConditionCheckItem',
        'dynamodb:Query',
        'dynamodb:GetItem',
      ]),
    );
    expect(allowed.some((a) => a.includes('*'))).toBe(false);
    expect(actionsOf(writer, 'Deny')).toEqual(
      expect.arrayContaining([
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:BatchWriteItem',
      ]),
    );
    expect(allowed).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
  });

  it('lets the auditor only read, on the table and its indexes', () => {
    const auditor = statementsOf('Auditor');
    expect(new Set(actionsOf(auditor, 'Allow'))).toEqual(
      new Set([
        'dynamodb:Query',
        'dynamodb:GetItem',
        'dynamodb:DescribeTable',
        'kms:Decrypt',
        'kms:DescribeKey',
      ]),
    );
    const resources = JSON.stringify(auditor.find((s) => s.Effect === 'Allow')?.Resource);
    for (const index of LEDGER_TABLE.globalSecondaryIndexes) {
      expect(resources).toContain(`/index/${index.indexName}`);
    }
  });

  it('lets the checkpointer query the indexes as well, still without update or delete', () => {
    const allowed = actionsOf(statementsOf('Checkpointer'), 'Allow');
    expect(allowed).not.toContain('dynamodb:UpdateItem');
    expect(allowed).not.toContain('dynamodb:DeleteItem');
    expect(allowed).toContain('dynamodb:Query');
  });
});
