import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { S3Anchors } from '../adapters/anchors/s3-anchors.ts';
import { KmsCheckpointSigner } from '../adapters/signing/kms-signer.ts';
import { lambdaEnv } from '../config/lambda-env.ts';
import { traced } from '../observability.ts';
import { systemClock } from '../ports/clock.ts';
import type { AnchorDeps } from '../use-cases/anchor-checkpoints.ts';

/**
 * The checkpoint function's signer and anchor store. Kept apart from runtime.ts so only the
 * functions that sign or read anchors bundle the KMS and S3 clients.
 */
export function anchorDepsFor(env: NodeJS.ProcessEnv = process.env): AnchorDeps {
  const config = lambdaEnv(env, ['CHECKPOINT_SIGNING_KEY_ID', 'CHECKPOINT_BUCKET_NAME']);
  return {
    signer: new KmsCheckpointSigner(traced(new KMSClient({})), config.CHECKPOINT_SIGNING_KEY_ID),
    anchors: anchorsFor(env),
    clock: systemClock,
  };
}

/** The anchor store alone, for readers (the auditor API). */
export function anchorsFor(env: NodeJS.ProcessEnv = process.env): S3Anchors {
  const config = lambdaEnv(env, ['CHECKPOINT_BUCKET_NAME']);
  return new S3Anchors(traced(new S3Client({})), config.CHECKPOINT_BUCKET_NAME);
}
