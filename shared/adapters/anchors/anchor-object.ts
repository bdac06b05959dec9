import * as z from 'zod/mini';
import { LedgerCorruptError } from '../../domain/ledger/errors.ts';
import { SIGNING_ALGORITHM, type SignedCheckpoint } from '../../domain/ledger/signed-checkpoint.ts';

/** `checkpoint-000000000042.json`: zero-padded so that name order is chain order. */
export function anchorKey(seq: number): string {
  return `checkpoint-${String(seq).padStart(12, '0')}.json`;
}

const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
const signedCheckpointSchema = z.object({
  checkpoint: z.object({
    seq: z.int().check(z.gte(1)),
    cutoff: z.string(),
    recordedAt: z.string(),
    heads: z.array(z.object({ incidentId: z.string(), seq: z.int(), hash: hex64 })),
    prevHash: hex64,
    hash: hex64,
  }),
  signature: z.object({
    algorithm: z.literal(SIGNING_ALGORITHM),
    value: z.string().check(z.minLength(1)),
    keyId: z.string().check(z.minLength(1)),
    publicKeyPem: z.string().check(z.minLength(1)),
    publicKeyFingerprint: hex64,
    signedAt: z.string(),
  }),
});

/** Reads one stored anchor; an object that is not one is reported as corruption, by name. */
export function parseSignedCheckpoint(text: string, name: string): SignedCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new LedgerCorruptError(`anchored checkpoint ${name} is not JSON`);
  }
  const parsed = signedCheckpointSchema.safeParse(value);
  if (!parsed.success) {
    throw new LedgerCorruptError(`anchored checkpoint ${name} is not a signed checkpoint`);
  }
  return parsed.data as SignedCheckpoint;
}
