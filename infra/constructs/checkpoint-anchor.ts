import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag.ts';

export interface CheckpointAnchorProps {
  /** Object Lock retention of each signed checkpoint (compliance mode), in days. */
  retentionDays: number;
}

/**
 * What puts the ledger's proof outside its writers' reach: an asymmetric KMS key that signs
 * checkpoints (only the checkpoint function may use it), and a bucket with Object Lock in
 * compliance mode where every signed checkpoint stays, versioned and undeletable, for the
 * retention period. Nobody gets s3:Delete*; the bucket's policy also denies it to everyone.
 */
export class CheckpointAnchor extends Construct {
  readonly signingKey: kms.Key;
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: CheckpointAnchorProps) {
    super(scope, id);
    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: 'Signs revocation-responder ledger checkpoints (ECDSA P-256)',
      keySpec: kms.KeySpec.ECC_NIST_P256,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new s3.Bucket(this, 'Bucket', {
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
        Duration.days(props.retentionDays),
      ),
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NobodyDeletesAnchors',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: [
          's3:DeleteObject',
          's3:DeleteObjectVersion',
          's3:PutBucketObjectLockConfiguration',
          's3:PutObjectRetention',
          's3:BypassGovernanceRetention',
        ],
        resources: [this.bucket.bucketArn, this.bucket.arnForObjects('*')],
      }),
    );
    acknowledgeNag(
      this.bucket,
      'AwsSolutions-S1',
      'Every object is a signed checkpoint written once by one function under Object Lock; the checkpoint function logs each write, and server access logs would need a second bucket for no added evidence.',
    );
  }

  /** The checkpoint function: sign with the key, read its public key, add new checkpoints. */
  grantSignAndAnchor(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Sign', 'kms:GetPublicKey', 'kms:DescribeKey'],
        resources: [this.signingKey.keyArn],
      }),
    );
    this.grantRead(grantee);
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [this.bucket.arnForObjects('checkpoints/*')],
      }),
    );
  }

  /** Readers (the auditor API): list and get the anchored checkpoints, nothing else. */
  grantRead(grantee: iam.IGrantable): void {
    const role = grantee.grantPrincipal as unknown as Construct;
    acknowledgeNag(
      role,
      `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/checkpoints/*]`,
      'Signed checkpoints are one object each under checkpoints/; the key names the checkpoint, so the grant spans that prefix of the anchor bucket only.',
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects('checkpoints/*')],
      }),
    );
  }
}
