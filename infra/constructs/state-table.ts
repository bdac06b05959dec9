import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  STATE_TABLE,
  STATE_TTL_ATTRIBUTE,
} from '../../shared/adapters/dynamodb/state-table-definition.ts';

/**
 * What the responder's working state needs: Powertools Idempotency (get, conditional put,
 * update, delete), the blast-radius window and SET replay guard (transactional puts, one
 * Query). No Scan, no batch writes.
 */
const STATE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
];

/** Exact key actions (DynamoDB's documented set, wildcards expanded): the key is used via DynamoDB. */
const STATE_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];

export interface StateTableProps {
  encryptionKey: kms.IKey;
}

/**
 * The responder's working state (shared/adapters/dynamodb/state-table-definition.ts):
 * idempotency records, the blast-radius window and replayed SET ids, all expiring by TTL.
 * Kept apart from the append-only ledger, which nobody may update or delete.
 */
export class StateTable extends Construct {
  readonly table: dynamodb.Table;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: STATE_TABLE.partitionKey.name, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATE_TABLE.sortKey.name, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: STATE_TTL_ATTRIBUTE,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  grantStateAccess(grantee: iam.IGrantable): void {
    this.table.grant(grantee, ...STATE_ACTIONS);
    this.encryptionKey.grant(grantee, ...STATE_KEY_ACTIONS);
  }
}
