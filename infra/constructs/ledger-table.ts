import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  type KeyAttribute,
  LEDGER_INDEX,
  LEDGER_TABLE,
} from '../../shared/adapters/dynamodb/ledger-table-definition.ts';

export interface LedgerTableProps {
  tableName?: string;
  /** Bring your own customer-managed key; by default one is created, with yearly rotation. */
  encryptionKey?: kms.IKey;
}

/** What changes or removes ledger items or the table: no writer or auditor ever gets these. */
const MUTATING_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:UpdateTable',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateContinuousBackups',
];

// Exact actions, no wildcards: the table key is only used through DynamoDB.
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const KEY_WRITE_ACTIONS = [
  ...KEY_READ_ACTIONS,
  'kms:Encrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];

/**
 * The accountability ledger table, built from the same definition as local mode and the tests
 * (shared/adapters/dynamodb/ledger-table-definition.ts). Point-in-time recovery, deletion
 * protection, a customer-managed KMS key, retained on stack deletion. Grants are explicit
 * statements with exact actions: the writer can add records and read a chain head, never update
 * or delete; the auditor can only read.
 */
export class LedgerTable extends Construct {
  readonly table: dynamodb.Table;
  readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: LedgerTableProps = {}) {
    super(scope, id);
    this.encryptionKey =
      props.encryptionKey ??
      new kms.Key(this, 'Key', {
        description: 'Encrypts the revocation-responder accountability ledger',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.RETAIN,
      });
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: attribute(LEDGER_TABLE.partitionKey),
      sortKey: attribute(LEDGER_TABLE.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.encryptionKey,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of LEDGER_TABLE.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        projectionType:
          index.projection === 'ALL'
            ? dynamodb.ProjectionType.ALL
            : dynamodb.ProjectionType.KEYS_ONLY,
      });
    }
  }

  /**
   * For the responder: add records (conditional puts in transactions) and read a chain's head.
   * No UpdateItem, no DeleteItem, and an explicit deny of both in case a broader grant is added.
   */
  grantAppend(grantee: iam.IGrantable): void {
    this.#allow(
      grantee,
      ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'],
      [this.table.tableArn],
    );
    this.#allow(grantee, ['dynamodb:Query', 'dynamodb:GetItem'], [this.table.tableArn]);
    this.#allow(grantee, KEY_WRITE_ACTIONS, [this.encryptionKey.keyArn]);
    this.#denyMutation(grantee);
  }

  /** For the scheduled checkpointer: append, plus Query on the month and incident indexes. */
  grantCheckpoint(grantee: iam.IGrantable): void {
    this.grantAppend(grantee);
    this.grantIndexQuery(grantee);
  }

  /** Query on the indexes (the operator's incident list reads the month index). */
  grantIndexQuery(grantee: iam.IGrantable): void {
    this.#allow(grantee, ['dynamodb:Query'], this.#indexArns());
  }

  /** For the watch after containment: append, plus Query on the containments index only. */
  grantWatch(grantee: iam.IGrantable): void {
    this.grantAppend(grantee);
    this.#allow(
      grantee,
      ['dynamodb:Query'],
      [`${this.table.tableArn}/index/${LEDGER_INDEX.containments}`],
    );
  }

  /** For auditors and the auditor API: Query, GetItem and DescribeTable only. */
  grantAudit(grantee: iam.IGrantable): void {
    this.#allow(
      grantee,
      ['dynamodb:Query', 'dynamodb:GetItem', 'dynamodb:DescribeTable'],
      [this.table.tableArn, ...this.#indexArns()],
    );
    this.#allow(grantee, KEY_READ_ACTIONS, [this.encryptionKey.keyArn]);
    this.#denyMutation(grantee);
  }

  #indexArns(): string[] {
    return LEDGER_TABLE.globalSecondaryIndexes.map(
      (index) => `${this.table.tableArn}/index/${index.indexName}`,
    );
  }

  #allow(grantee: iam.IGrantable, actions: string[], resources: string[]): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources }));
  }

  #denyMutation(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        effect: iam.Effect.DENY,
        actions: MUTATING_ACTIONS,
        resources: [this.table.tableArn, ...this.#indexArns()],
      }),
    );
  }
}

function attribute(key: KeyAttribute): dynamodb.Attribute {
  return {
    name: key.name,
    type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
  };
}
