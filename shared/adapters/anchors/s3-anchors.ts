import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { SignedCheckpoint } from '../../domain/ledger/signed-checkpoint.ts';
import type { CheckpointAnchors } from '../../ports/checkpoint-signing.ts';
import { anchorKey, parseSignedCheckpoint } from './anchor-object.ts';

const PREFIX = 'checkpoints/';

/**
 * Signed checkpoints in an S3 bucket with Object Lock in compliance mode (the bucket's default
 * retention locks every version): not even the account's administrators can delete or
 * shorten them. Puts are conditional (`If-None-Match: *`), so an existing one is never replaced.
 */
export class S3Anchors implements CheckpointAnchors {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly location: string;

  constructor(client: S3Client, bucket: string) {
    this.#client = client;
    this.#bucket = bucket;
    this.location = `s3://${bucket}/${PREFIX}`;
  }

  async put(signed: SignedCheckpoint): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: PREFIX + anchorKey(signed.checkpoint.seq),
        Body: `${JSON.stringify(signed, null, 2)}\n`,
        ContentType: 'application/json',
        IfNoneMatch: '*',
        // Object Lock needs an integrity checksum on every put.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  async list(): Promise<SignedCheckpoint[]> {
    const keys = await this.#keys();
    const out: SignedCheckpoint[] = [];
    for (let i = 0; i < keys.length; i += 8) {
      out.push(...(await Promise.all(keys.slice(i, i + 8).map((key) => this.#get(key)))));
    }
    return out;
  }

  async newest(): Promise<SignedCheckpoint | undefined> {
    const key = (await this.#keys()).pop();
    return key === undefined ? undefined : this.#get(key);
  }

  async #keys(): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: PREFIX,
          ContinuationToken: token,
        }),
      );
      for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async #get(key: string): Promise<SignedCheckpoint> {
    const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf8')) ?? '';
    return parseSignedCheckpoint(text, `${this.location}${key.slice(PREFIX.length)}`);
  }
}
