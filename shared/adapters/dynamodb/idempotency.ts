import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { STATE_TTL_ATTRIBUTE } from './state-table-definition.ts';

/** How long the caller may still run: the Lambda context, or a fixed budget outside Lambda. */
type Deadline = Pick<Context, 'getRemainingTimeInMillis'>;

/** Runs `work` once per key; a repeat returns the stored result and says it was a replay. */
type Idempotent<I, O> = (
  input: I,
  deadline?: Deadline,
) => Promise<{ result: O; replayed: boolean }>;

// Outside Lambda an in-progress record expires after this, so a crashed run can be retried.
const LOCAL_DEADLINE: Deadline = { getRemainingTimeInMillis: () => 5 * 60_000 };

/**
 * Powertools Idempotency over the state table, for Lambda and local mode alike: the first
 * delivery of a key runs, later ones (SQS, EventBridge and the CLI all repeat) get its result.
 * A run that throws leaves no record, so a retry runs again.
 */
export function idempotentOn<I extends object, O>(options: {
  client: DynamoDBClient;
  tableName: string;
  /** e.g. `respond`; keys of different functions never collide. */
  scope: string;
  keyOf: (input: I) => string;
  work: (input: I) => Promise<O>;
  expiresAfterSeconds?: number;
}): Idempotent<I, O> {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: `idempotency#${options.scope}`,
    expiryAttr: STATE_TTL_ATTRIBUTE,
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: options.expiresAfterSeconds ?? 7 * 24 * 3600,
  });
  return async (input: I, deadline: Deadline = LOCAL_DEADLINE) => {
    config.registerLambdaContext(deadline as Context);
    let ran = false;
    const once = makeIdempotent(
      async (envelope: { key: string; input: I }) => {
        ran = true;
        return options.work(envelope.input);
      },
      { persistenceStore, config },
    );
    const result = (await once({ key: options.keyOf(input), input })) as O;
    return { result, replayed: !ran };
  };
}
