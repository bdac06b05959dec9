import * as z from 'zod/mini';
import { ConfigError } from '../../domain/errors.ts';
import { parseWith } from '../../domain/validation.ts';

/**
 * Configuration of the Entra adapter: one Graph endpoint and login authority (national clouds
 * and test doubles change both), and one credential per tenant (an MSP holds several).
 * Validated once; anything missing fails at start-up naming the variable, never the secret.
 */

const DEFAULT_GRAPH_BASE_URL = 'https://graph.microsoft.com';
const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

const httpsOrigin = () =>
  z.url({ protocol: /^https$/ }).check(
    z.refine((value) => new URL(value).pathname.replace(/\/+$/, '') === '', {
      message: 'must be an https origin without a path, e.g. https://graph.microsoft.us',
    }),
  );
const id = () => z.string().check(z.minLength(1), z.maxLength(256));

const tenantCredentialSchema = z
  .object({
    tenantId: id(),
    clientId: id(),
    /** Fallback credential. Prefer a certificate. */
    clientSecret: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    /** PEM file holding the certificate and its private key (preferred). */
    certificatePath: z.optional(z.string().check(z.minLength(1), z.maxLength(4096))),
    /** The same PEM as text, e.g. read from Secrets Manager. */
    certificatePem: z.optional(z.string().check(z.minLength(1), z.maxLength(65_536))),
  })
  .check(
    z.refine(
      (t) =>
        [t.clientSecret, t.certificatePath, t.certificatePem].filter((v) => v !== undefined)
          .length === 1,
      { message: 'give exactly one of clientSecret, certificatePath or certificatePem' },
    ),
  );

const entraConfigSchema = z.object({
  graphBaseUrl: z._default(httpsOrigin(), DEFAULT_GRAPH_BASE_URL),
  authorityHost: z._default(httpsOrigin(), DEFAULT_AUTHORITY_HOST),
  tenants: z.array(tenantCredentialSchema).check(
    z.minLength(1),
    z.refine(
      (tenants) => new Set(tenants.map((t) => t.tenantId.toLowerCase())).size === tenants.length,
      {
        message: 'each tenantId may appear once',
      },
    ),
  ),
});

export type EntraConfig = z.infer<typeof entraConfigSchema>;
export type TenantCredential = EntraConfig['tenants'][number];

export function parseEntraConfig(input: unknown): EntraConfig {
  const parsed = parseWith(entraConfigSchema, input, 'Entra configuration');
  if (!parsed.ok) throw new ConfigError(parsed.error.message, { cause: parsed.error });
  return parsed.value;
}

const ENV_CREDENTIAL_NAMES = [
  'ENTRA_TENANT_ID',
  'ENTRA_CLIENT_ID',
  'ENTRA_CLIENT_SECRET',
  'ENTRA_CLIENT_CERTIFICATE_PATH',
] as const;

/**
 * The one-tenant environment form (docs/contract.md section 4). Returns undefined when no ENTRA_*
 * credential variable is set (the caller then runs the simulated tenant, and says so); throws
 * a ConfigError naming the variables when the set is incomplete.
 */
export function entraConfigFromEnv(env: NodeJS.ProcessEnv): EntraConfig | undefined {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  if (ENV_CREDENTIAL_NAMES.every((name) => value(name) === undefined)) return undefined;
  const missing: string[] = [];
  const tenantId = value('ENTRA_TENANT_ID');
  const clientId = value('ENTRA_CLIENT_ID');
  const clientSecret = value('ENTRA_CLIENT_SECRET');
  const certificatePath = value('ENTRA_CLIENT_CERTIFICATE_PATH');
  if (tenantId === undefined) missing.push('ENTRA_TENANT_ID');
  if (clientId === undefined) missing.push('ENTRA_CLIENT_ID');
  if (clientSecret === undefined && certificatePath === undefined) {
    missing.push('ENTRA_CLIENT_SECRET or ENTRA_CLIENT_CERTIFICATE_PATH');
  }
  if (missing.length > 0) {
    throw new ConfigError(`Entra credentials are incomplete: set ${missing.join(', ')}`);
  }
  if (clientSecret !== undefined && certificatePath !== undefined) {
    throw new ConfigError(
      'set either ENTRA_CLIENT_SECRET or ENTRA_CLIENT_CERTIFICATE_PATH, not both (the certificate is preferred)',
    );
  }
  const tenant: Record<string, string | undefined> = { tenantId, clientId };
  if (certificatePath !== undefined) tenant.certificatePath = certificatePath;
  else tenant.clientSecret = clientSecret;
  const input: Record<string, unknown> = { tenants: [tenant] };
  const graphBaseUrl = value('GRAPH_BASE_URL');
  const authorityHost = value('ENTRA_AUTHORITY_HOST');
  if (graphBaseUrl !== undefined) input.graphBaseUrl = graphBaseUrl.replace(/\/+$/, '');
  if (authorityHost !== undefined) input.authorityHost = authorityHost.replace(/\/+$/, '');
  const parsed = parseWith(entraConfigSchema, input, 'Entra configuration');
  if (!parsed.ok) {
    const names: Record<string, string> = {
      graphBaseUrl: 'GRAPH_BASE_URL',
      authorityHost: 'ENTRA_AUTHORITY_HOST',
      'tenants[0].tenantId': 'ENTRA_TENANT_ID',
      'tenants[0].clientId': 'ENTRA_CLIENT_ID',
      'tenants[0].clientSecret': 'ENTRA_CLIENT_SECRET',
      'tenants[0].certificatePath': 'ENTRA_CLIENT_CERTIFICATE_PATH',
    };
    const issues = parsed.error.issues.map((i) => `${names[i.path] ?? i.path}: ${i.message}`);
    throw new ConfigError(`invalid Entra configuration: ${issues.join('; ')}`, {
      cause: parsed.error,
    });
  }
  return parsed.value;
}
