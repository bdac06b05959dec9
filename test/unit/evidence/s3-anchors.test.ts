import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Anchors } from '../../../shared/adapters/anchors/s3-anchors.ts';
import { buildCheckpoint } from '../../../shared/domain/ledger/checkpoint.ts';
import type { SignedCheckpoint } from '../../../shared/domain/ledger/signed-checkpoint.ts';

// Object Lock itself is the bucket's (stack tests); here: what the adapter asks S3 for.
const s3 = mockClient(S3Client);
afterEach(() => s3.reset());

const signed: SignedCheckpoint = {
  checkpoint: buildCheckpoint({
    previous: undefined,
    heads: [],
    cutoff: '2026-05-01T00:00:00.000Z',
    recordedAt: '2026-05-01T00:00:00.000Z',
  }),
  signature: {
    algorithm: 'ECDSA_SHA_256',
    value: 'MEUCIQ==',
    keyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    publicKeyPem: '-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n',
    publicKeyFingerprint: 'ab'.repeat(32),
    signedAt: '2026-05-01T00:00:01.000Z',
  },
};

describe('the S3 anchor store', () => {
  it('writes each signed checkpoint once, under its zero-padded position, with a checksum', async () => {
    s3.on(PutObjectCommand).resolves({});
    await new S3Anchors(new S3Client({ region: 'eu-west-1' }), 'anchors').put(signed);
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'anchors',
      Key: 'checkpoints/checkpoint-000000000001.json',
      IfNoneMatch: '*',
      ChecksumAlgorithm: 'SHA256',
    });
  });

  it('reads the newest anchor by key order across pages, and names one that is not a signed checkpoint', async () => {
    s3.on(ListObjectsV2Command, { ContinuationToken: undefined }).resolves({
      Contents: [{ Key: 'checkpoints/checkpoint-000000000002.json' }],
      IsTruncated: true,
      NextContinuationToken: 't',
    });
    s3.on(ListObjectsV2Command, { ContinuationToken: 't' }).resolves({
      Contents: [{ Key: 'checkpoints/checkpoint-000000000001.json' }],
    });
    const body = (text: string) => ({ Body: { transformToString: async () => text } }) as never;
    s3.on(GetObjectCommand, { Key: 'checkpoints/checkpoint-000000000002.json' }).resolves(
      body(JSON.stringify(signed)),
    );
    const anchors = new S3Anchors(new S3Client({ region: 'eu-west-1' }), 'anchors');
    expect((await anchors.newest())?.checkpoint.seq).toBe(1);
    s3.on(GetObjectCommand, { Key: 'checkpoints/checkpoint-000000000002.json' }).resolves(
      body('{"not":"a checkpoint"}'),
    );
    s3.on(GetObjectCommand, { Key: 'checkpoints/checkpoint-000000000001.json' }).resolves(
      body(JSON.stringify(signed)),
    );
    await expect(anchors.list()).rejects.toThrow(
      /checkpoint-000000000002.json is not a signed checkpoint/,
    );
  });
});
