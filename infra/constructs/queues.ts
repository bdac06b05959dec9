import { Duration } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface WorkQueueProps {
  encryptionKey: kms.IKey;
  /** At least 6x the consumer's timeout, as Lambda's SQS integration recommends. */
  visibilityTimeout: Duration;
}

/** After this many failed receives a message moves to the dead-letter queue. */
const MAX_RECEIVE_COUNT = 5;

/**
 * A work queue and its dead-letter queue, both encrypted with a customer-managed key and
 * refusing plain HTTP. Nothing is lost: what the consumer cannot process ends in the DLQ,
 * where an alarm (observability) sees it, and is kept for the SQS maximum of 14 days.
 */
export class WorkQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  private readonly encryptionKey: kms.IKey;

  constructor(scope: Construct, id: string, props: WorkQueueProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetter', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
  }

  /** A producer: send only, with the two key actions SSE-KMS needs to encrypt a message. */
  grantSend(grantee: iam.IGrantable): void {
    this.queue.grant(grantee, 'sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl');
    this.encryptionKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
  }
}
