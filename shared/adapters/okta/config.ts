import * as z from 'zod/mini';
import { ConfigError } from '../../domain/errors.ts';
import { parseWith } from '../../domain/validation.ts';

/**
 * Configuration of the Okta adapter: one entry per org, each with its own credentials (an OAuth
 * service app with a private key, preferred, or an API token as the documented fallback).
 * Validated once; anything missing fails at start-up naming the variable, never the secret.
 */

/** Least privilege: read users, end their sessions and suspend them, read and remove admin roles. */
export const OKTA_SCOPES = ['okta.users.read', 'okta.users.manage', 'okta.roles.manage'] as const;

const text = (max: number) => z.string().check(z.minLength(1), z.maxLength(max));

const orgSchema = z
  .object({
    /** The org as detections carry it (`<org>` of `aws.partner/okta.com/<org>/...`). */
    tenantId: text(256),
    /** https origin of the org, e.g. https://quillonbio.okta.com. */
    orgUrl: z.url({ protocol: /^https$/ }).check(
      z.refine((value) => new URL(value).pathname.replace(/\/+$/, '') === '', {
        message: 'must be an https origin without a path, e.g. https://example.okta.com',
      }),
    ),
    clientId: z.optional(text(256)),
    /** PEM (PKCS#8) or a private JWK, as text (read from a file or Secrets Manager). */
    privateKey: z.optional(text(65_536)),
    keyId: z.optional(text(256)),
    /** Fallback: an SSWS API token (acts with its admin's privileges; prefer the service app). */
    apiToken: z.optional(text(1024)),
  })
  .check(
    z.refine(
      (o) =>
        (o.clientId !== undefined && o.privateKey !== undefined) !== (o.apiToken !== undefined),
      { message: 'give either clientId with privateKey, or apiToken (not both)' },
    ),
  );

const oktaConfigSchema = z.object({
  orgs: z.array(orgSchema).check(
    z.minLength(1),
    z.refine((orgs) => new Set(orgs.map((o) => o.tenantId)).size === orgs.length, {
      message: 'each tenantId may appear once',
    }),
  ),
});

export type OktaConfig = z.infer<typeof oktaConfigSchema>;
export type OktaOrgConfig = OktaConfig['orgs'][number];

export function parseOktaConfig(input: unknown): OktaConfig {
  const parsed = parseWith(oktaConfigSchema, input, 'Okta configuration');
  if (!parsed.ok) throw new ConfigError(parsed.error.message, { cause: parsed.error });
  return parsed.value;
}

/** `quillonbio` for https://quillonbio.okta.com (contract section 8). */
function defaultTenantId(orgUrl: string): string {
  return new URL(orgUrl).hostname.split('.')[0] ?? '';
}

const ENV_NAMES = [
  'OKTA_ORG_URL',
  'OKTA_CLIENT_ID',
  'OKTA_PRIVATE_KEY_PATH',
  'OKTA_KEY_ID',
  'OKTA_API_TOKEN',
] as const;

/**
 * The one-org environment form (contract section 8). Undefined when no OKTA_* credential is set
 * (the caller then runs the simulated org and says so); a ConfigError naming the variables when
 * the set is incomplete. `readKey` reads OKTA_PRIVATE_KEY_PATH.
 */
export function oktaConfigFromEnv(
  env: NodeJS.ProcessEnv,
  readKey: (path: string) => string,
): OktaConfig | undefined {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  if (ENV_NAMES.every((name) => value(name) === undefined)) return undefined;
  const orgUrl = value('OKTA_ORG_URL');
  const clientId = value('OKTA_CLIENT_ID');
  const keyPath = value('OKTA_PRIVATE_KEY_PATH');
  const apiToken = value('OKTA_API_TOKEN');
  const missing: string[] = [];
  if (orgUrl === undefined) missing.push('OKTA_ORG_URL');
  if (apiToken === undefined) {
    if (clientId === undefined) missing.push('OKTA_CLIENT_ID');
    if (keyPath === undefined) missing.push('OKTA_PRIVATE_KEY_PATH');
  }
  if (missing.length > 0) {
    throw new ConfigError(
      `Okta credentials are incomplete: set ${missing.join(', ')} (or OKTA_API_TOKEN as the fallback)`,
    );
  }
  if (apiToken !== undefined && (clientId !== undefined || keyPath !== undefined)) {
    throw new ConfigError(
      'set either OKTA_CLIENT_ID with OKTA_PRIVATE_KEY_PATH, or OKTA_API_TOKEN, not both (the service app is preferred)',
    );
  }
  let privateKey: string | undefined;
  if (keyPath !== undefined) {
    try {
      privateKey = readKey(keyPath);
    } catch (error) {
      throw new ConfigError(`OKTA_PRIVATE_KEY_PATH: cannot read ${keyPath}`, { cause: error });
    }
  }
  const origin = (orgUrl ?? '').replace(/\/+$/, '');
  let tenantId = value('OKTA_TENANT_ID');
  try {
    tenantId ??= defaultTenantId(origin);
  } catch {
    throw new ConfigError('OKTA_ORG_URL: must be an https origin, e.g. https://example.okta.com');
  }
  const org: Record<string, string | undefined> = { tenantId, orgUrl: origin };
  if (apiToken !== undefined) org.apiToken = apiToken;
  else Object.assign(org, { clientId, privateKey, keyId: value('OKTA_KEY_ID') });
  for (const key of Object.keys(org)) if (org[key] === undefined) delete org[key];
  const parsed = parseWith(oktaConfigSchema, { orgs: [org] }, 'Okta configuration');
  if (!parsed.ok) {
    const names: Record<string, string> = {
      'orgs[0].tenantId': 'OKTA_TENANT_ID',
      'orgs[0].orgUrl': 'OKTA_ORG_URL',
      'orgs[0].clientId': 'OKTA_CLIENT_ID',
      'orgs[0].privateKey': 'OKTA_PRIVATE_KEY_PATH',
      'orgs[0].keyId': 'OKTA_KEY_ID',
      'orgs[0].apiToken': 'OKTA_API_TOKEN',
    };
    const issues = parsed.error.issues.map((i) => `${names[i.path] ?? i.path}: ${i.message}`);
    throw new ConfigError(`invalid Okta configuration: ${issues.join('; ')}`, {
      cause: parsed.error,
    });
  }
  return parsed.value;
}
