import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import type { EmbeddedConfig } from '../shared/config/lambda-env.ts';
import { ssfAudiencesSchema } from '../shared/config/ssf-audiences.ts';
import {
  ConfigError,
  type FieldIssue,
  InvalidInputError,
  type Result,
} from '../shared/domain/errors.ts';
import { parseContainmentPolicy } from '../shared/domain/guardrails.ts';
import { parseOwnershipMap } from '../shared/domain/ownership.ts';
import { parseTicketSla } from '../shared/domain/tickets/sla.ts';
import { parseWith } from '../shared/domain/validation.ts';
import {
  parseTransmitterConfig,
  type SsfTransmitterConfig,
} from '../shared/sources/ssf/transmitter.ts';

/**
 * The deployment's configuration: `cdk.json` context (or `cdk synth -c key=value`), validated
 * once with one schema so a bad value stops the synth with a message naming the context key,
 * plus the ownership map, containment policy and ticket SLA files it points at, validated with
 * the same schemas the Lambdas use.
 */

/** The repository root: config file paths and Lambda entries are relative to it. */
export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The `source` the responder publishes its own events with; nobody else may use it. */
export const RESPONDER_EVENT_SOURCE = 'revocation-responder';

const DEFAULT_CONFIG_PATHS = {
  ownershipMapPath: 'shared/config/ownership.default.json',
  containmentPolicyPath: 'shared/config/containment-policy.default.json',
  ticketSlaPath: 'shared/config/ticket-sla.default.json',
} as const;

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

const eventSource = () =>
  z.string().check(
    z.minLength(1),
    z.maxLength(256),
    z.refine((s) => !s.startsWith('aws.'), {
      message: 'sources starting with aws. are AWS-reserved',
    }),
    z.refine((s) => s !== RESPONDER_EVENT_SOURCE, {
      message: `${RESPONDER_EVENT_SOURCE} is the responder's own source and cannot be trusted as a detector`,
    }),
  );

const oktaEventSource = () =>
  z
    .string()
    .check(
      z.regex(
        /^aws\.partner\/okta\.com\/[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/,
        'expected aws.partner/okta.com/<org subdomain>/<event source name>',
      ),
    );

/** A 12-digit account id or an IAM principal ARN (role, user or account root). */
const awsPrincipal = () =>
  z
    .string()
    .check(
      z.regex(
        /^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|role\/[\w+=,.@/-]+|user\/[\w+=,.@/-]+))$/,
        'expected a 12-digit account id or an IAM role, user or root ARN',
      ),
    );

/** An IAM role or user ARN: resource policies compare it with `aws:PrincipalArn`. */
const iamRoleOrUserArn = () =>
  z
    .string()
    .check(
      z.regex(
        /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/,
        'expected an IAM role or user ARN (arn:aws:iam::<account>:role/<name>)',
      ),
    );

const entraTenantId = () =>
  z
    .string()
    .check(
      z.regex(
        /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
        'expected an Entra tenant id (GUID)',
      ),
    );

const httpsOrigin = () =>
  z.url({ protocol: /^https$/ }).check(
    z.refine((value) => new URL(value).pathname.replace(/\/+$/, '') === '', {
      message: 'must be an https origin without a path, e.g. https://graph.microsoft.us',
    }),
  );

const filePath = () => z.string().check(z.minLength(1), z.maxLength(4096));

/**
 * intake-api receives the transmitters as the `SSF_TRANSMITTERS` variable, which
 * shared/config/lambda-env.ts caps at this many characters (Lambda allows 4 KB of variables).
 */
export const SSF_TRANSMITTERS_MAX_CHARS = 3500;

const responderContextSchema = z
  .object({
    /** EventBridge sources admitted on the responder's bus for native detections. */
    trustedSources: z._default(z.array(eventSource()).check(z.minLength(1), z.maxLength(100)), [
      'soar.playbook',
    ]),
    /** Other accounts or principals allowed to put (trusted-source) events on the bus. */
    trustedPrincipals: z._default(z.array(awsPrincipal()).check(z.maxLength(100)), []),
    /**
     * Who may put native `Session Compromise Detected` events on the bus (role or user ARNs).
     * Empty: nobody (fail closed); every other principal is denied by the bus policy.
     */
    detectionPublisherArns: z._default(z.array(iamRoleOrUserArn()).check(z.maxLength(50)), []),
    /** Who may call `POST /v1/detections` (SOAR roles). Empty: nobody (fail closed). */
    soarCallerRoleArns: z._default(z.array(iamRoleOrUserArn()).check(z.maxLength(50)), []),
    /** Okta Log Streaming partner event sources (each has its partner event bus). */
    oktaEventSources: z._default(z.array(oktaEventSource()).check(z.maxLength(20)), []),
    /** Entra tenant ids the responder contains in. */
    tenants: z._default(z.array(entraTenantId()).check(z.maxLength(1000)), []),
    /**
     * How the app proves itself to Entra: `federated` (default) with AWS STS web identity
     * tokens (IAM outbound identity federation), no secret stored; `secret`, the Graph
     * credentials secret holding a certificate or client secret per tenant.
     */
    graphCredential: z._default(z.enum(['federated', 'secret']), 'federated'),
    /** The app registration's application (client) id, for the federated credential. */
    graphClientId: z.optional(entraTenantId()),
    /** Pre-initialized respond instances (0 = off): no cold start, billed while idle. */
    respondProvisionedConcurrency: z._default(z.int().check(z.gte(0), z.lte(100)), 0),
    ownershipMapPath: z._default(filePath(), DEFAULT_CONFIG_PATHS.ownershipMapPath),
    containmentPolicyPath: z._default(filePath(), DEFAULT_CONFIG_PATHS.containmentPolicyPath),
    ticketSlaPath: z._default(filePath(), DEFAULT_CONFIG_PATHS.ticketSlaPath),
    /** Where alarms go: an email address subscribed to a new topic, or an existing topic. */
    alarmEmail: z.optional(z.email()),
    alarmTopicArn: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/,
            'expected an SNS topic ARN',
          ),
        ),
    ),
    /**
     * Shared-signals transmitters whose Security Event Tokens `POST /v1/ssf/events` accepts:
     * each as shared/sources/ssf/transmitter.ts parses it (checked entry by entry below).
     */
    ssfTransmitters: z._default(z.array(z.unknown()).check(z.maxLength(20)), []),
    graphBaseUrl: z._default(httpsOrigin(), 'https://graph.microsoft.com'),
    entraAuthorityHost: z._default(httpsOrigin(), 'https://login.microsoftonline.com'),
    /** Concurrent `respond` invocations: bounds Graph writes to what the tenant's quota allows. */
    maxConcurrency: z._default(z.int().check(z.gte(2), z.lte(1000)), 10),
    /** How often the watch after containment re-checks contained identities, in minutes. */
    watchIntervalMinutes: z._default(z.int().check(z.gte(1), z.lte(1440)), 15),
    /** Who may assume the auditor and release-operator roles (default: this account's IAM). */
    auditorPrincipals: z._default(z.array(awsPrincipal()).check(z.maxLength(20)), []),
    releaseOperatorPrincipals: z._default(z.array(awsPrincipal()).check(z.maxLength(20)), []),
    logRetentionDays: z._default(
      z.int().check(
        z.refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
          message: `must be one of ${LOG_RETENTION_DAYS.join(', ')}`,
        }),
      ),
      90,
    ),
    /**
     * Days each signed checkpoint stays locked (S3 Object Lock, compliance mode): nobody, the
     * account's administrators included, can delete or shorten it before then.
     */
    checkpointRetentionDays: z._default(z.int().check(z.gte(1), z.lte(36_500)), 400),
    /** An existing WAFv2 web ACL (REGIONAL) to put in front of the API. */
    wafWebAclArn: z.optional(
      z
        .string()
        .check(
          z.regex(
            /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional\/webacl\/.+$/,
            'expected a REGIONAL WAFv2 web ACL ARN',
          ),
        ),
    ),
    /**
     * The Shared Signals transmitter (docs/shared-signals.md): absent, it is not deployed. The
     * management API accepts OAuth bearer tokens from `issuer` for `audience`, checked against
     * `jwksUri`. `publicUrl` (a custom domain mapped onto the API's stage) is the SETs' `iss`
     * and the base of the endpoints the configuration names (default: the execute-api URL).
     * `audiences` names each receiver's `aud` (default: its push endpoint's origin, or its `sub`).
     */
    ssfTransmitter: z.optional(
      z.object({
        issuer: z.url({ protocol: /^https$/ }),
        audience: z.string().check(z.minLength(1), z.maxLength(512)),
        jwksUri: z.url({ protocol: /^https$/ }),
        publicUrl: z.optional(z.url({ protocol: /^https$/ })),
        defaultSubjects: z._default(z.enum(['ALL', 'NONE']), 'ALL'),
        /** Receiver (token `sub`) → its streams' `aud`: shared/config/ssf-audiences.ts. */
        audiences: z.optional(ssfAudiencesSchema),
      }),
    ),
  })
  .check(
    z.refine((c) => !(c.alarmEmail && c.alarmTopicArn), {
      message: 'give alarmEmail or alarmTopicArn, not both',
      path: ['alarmTopicArn'],
    }),
    z.refine(
      (c) => c.graphCredential !== 'federated' || c.tenants.length === 0 || c.graphClientId,
      {
        message: 'required when graphCredential is federated and tenants are given',
        path: ['graphClientId'],
      },
    ),
    z.refine((c) => c.respondProvisionedConcurrency <= c.maxConcurrency, {
      message: 'must not exceed maxConcurrency (more instances would never be used)',
      path: ['respondProvisionedConcurrency'],
    }),
  );

type ResponderContext = z.infer<typeof responderContextSchema>;
type ContextKey = keyof z.input<typeof responderContextSchema>;

/** The keys read from context; anything else in cdk.json (feature flags) is CDK's business. */
const CONTEXT_KEYS = Object.keys(responderContextSchema.def.shape) as ContextKey[];

export interface ResponderConfig extends Omit<ResponderContext, 'ssfTransmitters'> {
  /** Validated transmitter configurations; intake-api gets them as `SSF_TRANSMITTERS`. */
  ssfTransmitters: SsfTransmitterConfig[];
  /** The config files, validated, as the functions receive them at bundle time. */
  embedded: EmbeddedConfig;
}

/** Reads one context key, e.g. `(key) => app.node.tryGetContext(key)`. */
export type ContextReader = (key: string) => unknown;

/**
 * Validates the context and loads the files it names. Throws ConfigError naming the context key
 * (and, for files, the file and field); nothing is synthesized from a bad configuration.
 */
export function loadResponderConfig(
  readContext: ContextReader,
  root: string = PROJECT_ROOT,
): ResponderConfig {
  const raw = Object.fromEntries(
    CONTEXT_KEYS.map((key) => [key, fromCommandLine(key, readContext(key))]).filter(
      ([, value]) => value !== undefined,
    ),
  );
  const parsed = parseWith(responderContextSchema, raw, 'cdk.json context');
  if (!parsed.ok) throw new ConfigError(parsed.error.message, { cause: parsed.error });
  const context = parsed.value;
  return {
    ...context,
    ssfTransmitters: parseTransmitters(context.ssfTransmitters),
    embedded: {
      ownership: loadFile(root, 'ownershipMapPath', context.ownershipMapPath, parseOwnershipMap),
      policy: loadFile(
        root,
        'containmentPolicyPath',
        context.containmentPolicyPath,
        parseContainmentPolicy,
      ),
      ticketSla: loadFile(root, 'ticketSlaPath', context.ticketSlaPath, parseTicketSla),
    },
  };
}

const ARRAY_KEYS: ReadonlySet<string> = new Set([
  'trustedSources',
  'trustedPrincipals',
  'oktaEventSources',
  'tenants',
  'auditorPrincipals',
  'releaseOperatorPrincipals',
  'detectionPublisherArns',
  'soarCallerRoleArns',
]);
const INTEGER_KEYS: ReadonlySet<string> = new Set([
  'maxConcurrency',
  'logRetentionDays',
  'respondProvisionedConcurrency',
  'watchIntervalMinutes',
  'checkpointRetentionDays',
]);
/** Arrays of objects: only JSON makes sense on the command line. */
const JSON_KEYS: ReadonlySet<string> = new Set(['ssfTransmitters', 'ssfTransmitter']);

/** `cdk synth -c key=value` passes strings: accept JSON arrays, comma lists and integers there. */
function fromCommandLine(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (JSON_KEYS.has(key)) {
    try {
      return JSON.parse(value);
    } catch {
      return value; // the schema then says an array was expected
    }
  }
  if (ARRAY_KEYS.has(key)) {
    const text = value.trim();
    if (text.startsWith('[')) {
      try {
        return JSON.parse(text);
      } catch {
        return value;
      }
    }
    return text === '' ? [] : text.split(',').map((item) => item.trim());
  }
  if (INTEGER_KEYS.has(key) && /^\d+$/.test(value.trim())) return Number(value.trim());
  return value;
}

/**
 * Each transmitter as the receiver will parse it, one issuer each (the receiver picks the
 * transmitter by `iss`, so a second one would never be used), small enough for the variable.
 */
function parseTransmitters(entries: readonly unknown[]): SsfTransmitterConfig[] {
  const issues: FieldIssue[] = [];
  const transmitters: SsfTransmitterConfig[] = [];
  const indexByIssuer = new Map<string, number>();
  entries.forEach((entry, index) => {
    const at = `ssfTransmitters[${index}]`;
    const parsed = parseTransmitterConfig(entry);
    if (!parsed.ok) {
      for (const issue of parsed.error.issues) {
        issues.push({ path: issue.path ? `${at}.${issue.path}` : at, message: issue.message });
      }
      return;
    }
    const { issuer } = parsed.value;
    const first = indexByIssuer.get(issuer);
    if (first !== undefined) {
      issues.push({
        path: `${at}.issuer`,
        message: `${issuer} is already ssfTransmitters[${first}]: one entry per issuer`,
      });
    }
    indexByIssuer.set(issuer, first ?? index);
    transmitters.push(parsed.value);
  });
  if (issues.length > 0) {
    const error = new InvalidInputError('cdk.json context', issues);
    throw new ConfigError(error.message, { cause: error });
  }
  const length = JSON.stringify(transmitters).length;
  if (length > SSF_TRANSMITTERS_MAX_CHARS) {
    throw new ConfigError(
      `cdk.json context ssfTransmitters: ${length} characters of JSON, but intake-api's SSF_TRANSMITTERS variable holds at most ${SSF_TRANSMITTERS_MAX_CHARS}: give jwksUri instead of inline jwks, or fewer transmitters`,
    );
  }
  return transmitters;
}

function loadFile<T>(
  root: string,
  key: ContextKey,
  path: string,
  parse: (input: unknown) => Result<T, InvalidInputError>,
): T {
  const fullPath = isAbsolute(path) ? path : resolve(root, path);
  const where = `cdk.json context ${key} (${path})`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(fullPath, 'utf8'));
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code ??
      (error instanceof Error ? error.message : 'unreadable');
    throw new ConfigError(`${where}: cannot read a JSON file (${reason})`, { cause: error });
  }
  const parsed = parse(json);
  if (!parsed.ok)
    throw new ConfigError(`${where}: ${parsed.error.message}`, { cause: parsed.error });
  return parsed.value;
}
