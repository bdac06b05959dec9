import * as z from 'zod/mini';
import { ConfigError } from '../domain/errors.ts';
import { type ContainmentPolicy, parseContainmentPolicy } from '../domain/guardrails.ts';
import { type OwnershipMap, parseOwnershipMap } from '../domain/ownership.ts';
import { parseTicketSla, type TicketSla } from '../domain/tickets/sla.ts';
import { parseWith } from '../domain/validation.ts';
import { configFrom } from './load-json-config.ts';

/**
 * Lambda configuration, validated once at cold start: a missing or malformed variable stops the
 * function with a message naming it, instead of failing on the first detection.
 */

const name = () => z.string().check(z.minLength(1), z.maxLength(2048));
const list = () =>
  z.pipe(
    z.optional(z.string()),
    z.transform((v) =>
      v
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : [],
    ),
  );

const lambdaEnvSchema = z.object({
  LEDGER_TABLE_NAME: name(),
  STATE_TABLE_NAME: z.optional(name()),
  EVENT_BUS_NAME: z.optional(name()),
  GRAPH_SECRET_ARN: z.optional(name()),
  /** `federated` (default in AWS): AWS STS web identity tokens prove the app, no secret. */
  GRAPH_CREDENTIAL: z._default(z.enum(['federated', 'secret']), 'secret'),
  /** The app registration's client id, for the federated credential. */
  ENTRA_CLIENT_ID: z.optional(name()),
  AWS_REGION: z.optional(name()),
  /** Okta service-app credentials per org (respond and release only). */
  OKTA_SECRET_ARN: z.optional(name()),
  GRAPH_BASE_URL: z._default(z.url({ protocol: /^https$/ }), 'https://graph.microsoft.com'),
  ENTRA_AUTHORITY_HOST: z._default(
    z.url({ protocol: /^https$/ }),
    'https://login.microsoftonline.com',
  ),
  ENTRA_TENANT_IDS: list(),
  TRUSTED_EVENT_SOURCES: list(),
  /** How many respond instances may act at once (the queue's maximum concurrency): each paces
   * Graph writes to its share of the tenant's quota. */
  GRAPH_QUOTA_SHARE: z._default(
    z.pipe(z.string(), z.pipe(z.transform(Number), z.int().check(z.gte(1), z.lte(1000)))),
    1,
  ),
  /** The watch schedule's interval: drift is recorded once per interval. */
  WATCH_INTERVAL_MINUTES: z._default(
    z.pipe(z.string(), z.pipe(z.transform(Number), z.int().check(z.gte(1), z.lte(1440)))),
    15,
  ),
  TICKET_SECRET_ARN: z.optional(name()),
  LEDGER_PAGE_TOKEN_SECRET_ARN: z.optional(name()),
  RESPOND_QUEUE_URL: z.optional(name()),
  /** The asymmetric KMS key that signs checkpoints (checkpoint function only). */
  CHECKPOINT_SIGNING_KEY_ID: z.optional(name()),
  /** The Object Lock bucket signed checkpoints are anchored in. */
  CHECKPOINT_BUCKET_NAME: z.optional(name()),
  /** JSON array of SSF transmitter configurations (shared/config/ssf-transmitters.ts). */
  SSF_TRANSMITTERS: z.optional(z.string().check(z.maxLength(3500))),
  /** The Shared Signals transmitter: its KMS signing key, SETs' `iss`, the API's public URL. */
  SSF_SIGNING_KEY_ID: z.optional(name()),
  SSF_ISSUER: z.optional(z.url({ protocol: /^https$/ })),
  SSF_BASE_URL: z.optional(z.url({ protocol: /^https$/ })),
  SSF_DEFAULT_SUBJECTS: z._default(z.enum(['ALL', 'NONE']), 'ALL'),
  /** The transmit queue: the management API hands verification and resumed deliveries to it. */
  SSF_TRANSMIT_QUEUE_URL: z.optional(name()),
  /** JSON object: receiver (bearer token `sub`) → the `aud` of its streams (shared/config/ssf-audiences.ts). */
  SSF_AUDIENCES: z.optional(z.string().check(z.maxLength(3500))),
  /** Where receivers' OAuth bearer tokens come from (the management API's authorizer). */
  SSF_TOKEN_ISSUER: z.optional(z.url({ protocol: /^https$/ })),
  SSF_TOKEN_AUDIENCE: z.optional(name()),
  SSF_TOKEN_JWKS_URI: z.optional(z.url({ protocol: /^https$/ })),
});

export type LambdaEnv = z.infer<typeof lambdaEnvSchema>;

/** The configuration files the construct embeds into each bundle (env vars are limited to 4 KB). */
export interface EmbeddedConfig {
  ownership: OwnershipMap;
  policy: ContainmentPolicy;
  ticketSla: TicketSla;
}

type Required<K extends keyof LambdaEnv> = LambdaEnv & { [P in K]-?: NonNullable<LambdaEnv[P]> };

/** Validates the environment; `required` names the variables this function cannot run without. */
export function lambdaEnv<K extends keyof LambdaEnv>(
  env: NodeJS.ProcessEnv,
  required: readonly K[] = [],
): Required<K> {
  const parsed = parseWith(lambdaEnvSchema, env, 'Lambda environment');
  if (!parsed.ok) throw new ConfigError(parsed.error.message, { cause: parsed.error });
  const missing = required.filter((key) => parsed.value[key] === undefined);
  if (missing.length > 0) {
    throw new ConfigError(
      `invalid Lambda environment: ${missing.map((k) => `${k}: required`).join('; ')}`,
    );
  }
  return parsed.value as Required<K>;
}

/**
 * The embedded configuration. esbuild replaces `process.env.RESPONDER_EMBEDDED_CONFIG` with the
 * JSON text at bundle time (infra/constructs/responder-function.ts); tests set the variable.
 */
export function embeddedConfig(
  text: string | undefined = process.env.RESPONDER_EMBEDDED_CONFIG,
): EmbeddedConfig {
  if (!text)
    throw new ConfigError(
      'RESPONDER_EMBEDDED_CONFIG is not set: the bundle was built without its configuration',
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`RESPONDER_EMBEDDED_CONFIG is not JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const parts = (json ?? {}) as Record<string, unknown>;
  return {
    ownership: configFrom(parts.ownership, 'embedded ownership map', parseOwnershipMap),
    policy: configFrom(parts.policy, 'embedded containment policy', parseContainmentPolicy),
    ticketSla: configFrom(parts.ticketSla, 'embedded ticket SLA', parseTicketSla),
  };
}
