import type { Detection } from './detection.ts';
import { type FieldIssue, InvalidInputError, type Result } from './errors.ts';

/**
 * Canonical identities (contract section 5). Everything the responder decides on (incident id,
 * blast-radius window, protected identities, restore) uses these forms, so no decision depends on
 * how a sender spelled an id. A value that cannot be an id for its provider is invalid input.
 */

type Provider = Detection['tenant']['provider'];
type SubjectType = Detection['subject']['type'];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const AWS_ACCOUNT = /^\d{12}$/;
const HOST =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
// local@domain, as UPNs and mail addresses are; at most 256 (Entra's UPN limit is 113 + domain).
const EMAIL = /^[^\s@]{1,128}@[^\s@]{1,255}$/;
const AWS_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f):(iam|sts)::(\d{12}):(\S{1,1900})$/i;
const OKTA_ID = /^[A-Za-z0-9._-]{1,128}$/;
// Unicode category Cc (C0, DEL, C1) and the line/paragraph separators.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;

function fail<T>(path: string, message: string): Result<T, InvalidInputError> {
  return { ok: false, error: new InvalidInputError('identity', [{ path, message }]) };
}

/** Why `value` can be no identifier at all (a lone surrogate, a control character), if so. */
function poisonIn(value: string): string | undefined {
  if (!value.isWellFormed()) return 'contains a lone surrogate (not valid Unicode text)';
  if (CONTROL.test(value)) return 'contains a control character';
  return undefined;
}

/** Entra: lower-case GUID; AWS: 12 digits; Okta: lower-case org or host. */
export function canonicalTenantId(
  provider: Provider,
  raw: string,
  path = 'tenant.tenantId',
): Result<string, InvalidInputError> {
  const poison = poisonIn(raw);
  if (poison) return fail(path, poison);
  switch (provider) {
    case 'entra':
      return GUID.test(raw)
        ? { ok: true, value: raw.toLowerCase() }
        : fail(path, 'an Entra tenant id is a GUID (e.g. 395979b2-3921-4e47-adf8-f76fc76c27fc)');
    case 'aws':
      return AWS_ACCOUNT.test(raw)
        ? { ok: true, value: raw }
        : fail(path, 'an AWS account id is exactly 12 digits');
    case 'okta': {
      const host = raw.toLowerCase();
      return HOST.test(host)
        ? { ok: true, value: host }
        : fail(path, 'an Okta org is a host name or its first label (e.g. quillonbio)');
    }
  }
}

/**
 * Entra users: object id (lower-case GUID) or UPN / mail (lower-case; the same user, resolved to
 * its object id where it matters); service principals: object id. Okta users: id as issued
 * (case-sensitive) or login (lower-case). AWS: a principal ARN, its partition and service
 * lower-case. Other combinations keep their spelling once they are free of poison.
 */
export function canonicalSubjectId(
  provider: Provider,
  subjectType: SubjectType,
  raw: string,
  path = 'subject.id',
): Result<string, InvalidInputError> {
  const poison = poisonIn(raw);
  if (poison) return fail(path, poison);
  if (provider === 'entra' && subjectType === 'user') {
    if (GUID.test(raw) || EMAIL.test(raw)) return { ok: true, value: raw.toLowerCase() };
    return fail(path, 'an Entra user is named by its object id (GUID), UPN or mail address');
  }
  if (provider === 'entra' && subjectType === 'servicePrincipal') {
    return GUID.test(raw)
      ? { ok: true, value: raw.toLowerCase() }
      : fail(path, 'an Entra service principal is named by its object id (GUID)');
  }
  if (provider === 'okta' && subjectType === 'user') {
    if (EMAIL.test(raw)) return { ok: true, value: raw.toLowerCase() };
    return OKTA_ID.test(raw)
      ? { ok: true, value: raw }
      : fail(path, 'an Okta user is named by its id (e.g. 00u1abcd...) or login');
  }
  if (provider === 'aws' || subjectType === 'awsPrincipal') {
    const match = AWS_ARN.exec(raw);
    if (!match) return fail(path, 'an AWS principal is named by its IAM or STS ARN');
    const [, partition = '', service = '', account = '', resource = ''] = match;
    return {
      ok: true,
      value: `arn:${partition.toLowerCase()}:${service.toLowerCase()}::${account}:${resource}`,
    };
  }
  return { ok: true, value: raw };
}

/** Every string member of `value`, with its dotted path. */
function* strings(value: unknown, path: string): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) yield* strings(item, `${path}[${index}]`);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      yield* strings(item, path ? `${path}.${key}` : key);
    }
  }
}

const ID_PATHS = new Set([
  'detectionId',
  'subject.userPrincipalName',
  'tenant.partner.tenantId',
  'session.sessionId',
  'session.signInId',
  'session.deviceId',
]);

/**
 * The detection with canonical tenant and subject ids, or the fields that make it unusable:
 * an id that is not valid for its provider, a lone surrogate anywhere (it cannot be encoded
 * into a URL, a ticket or the ledger), a control character in an id.
 */
export function canonicalDetection(detection: Detection): Result<Detection, InvalidInputError> {
  const issues: FieldIssue[] = [];
  for (const [path, value] of strings(detection, '')) {
    if (!value.isWellFormed()) issues.push({ path, message: 'contains a lone surrogate' });
    else if (ID_PATHS.has(path) && CONTROL.test(value)) {
      issues.push({ path, message: 'contains a control character' });
    }
  }
  const { tenant, subject } = detection;
  const tenantId = canonicalTenantId(tenant.provider, tenant.tenantId);
  const subjectId = canonicalSubjectId(tenant.provider, subject.type, subject.id);
  for (const result of [tenantId, subjectId]) {
    if (!result.ok) {
      for (const issue of result.error.issues) {
        if (!issues.some((known) => known.path === issue.path)) issues.push(issue);
      }
    }
  }
  if (issues.length > 0 || !tenantId.ok || !subjectId.ok) {
    return { ok: false, error: new InvalidInputError('detection', issues) };
  }
  const upn = subject.userPrincipalName;
  return {
    ok: true,
    value: {
      ...detection,
      tenant: { ...tenant, tenantId: tenantId.value },
      subject: {
        ...subject,
        id: subjectId.value,
        ...(upn !== undefined ? { userPrincipalName: upn.toLowerCase() } : {}),
      },
    },
  };
}

/** The detection in canonical form; throws the InvalidInputError naming the fields if it cannot be. */
export function canonicalOrThrow(detection: Detection): Detection {
  const canonical = canonicalDetection(detection);
  if (!canonical.ok) throw canonical.error;
  return canonical.value;
}

/** Whether `id` is an Entra object id (what a subject named by UPN or mail is not). */
export function isObjectId(id: string): boolean {
  return GUID.test(id);
}

/** Lower-case, for matching names that Entra and IAM compare case-insensitively. */
export function nameKey(name: string): string {
  return name.trim().toLowerCase();
}

interface AwsPrincipalName {
  accountId: string;
  kind: 'role' | 'user' | 'other';
  name: string;
}

function awsPrincipalName(value: string): AwsPrincipalName | undefined {
  // White space around a configured ARN is a spelling, not another principal.
  const match = AWS_ARN.exec(value.trim());
  if (!match) return undefined;
  const [, , service = '', accountId = '', resource = ''] = match;
  const parts = resource.split('/');
  const type = parts[0];
  if (service.toLowerCase() === 'sts' && type === 'assumed-role' && parts.length === 3) {
    return { accountId, kind: 'role', name: parts[1] ?? '' };
  }
  if (
    service.toLowerCase() === 'iam' &&
    (type === 'role' || type === 'user') &&
    parts.length >= 2
  ) {
    return { accountId, kind: type, name: parts[parts.length - 1] ?? '' };
  }
  return { accountId, kind: 'other', name: resource };
}

/**
 * Whether a protected AWS entry (a role or user ARN, or a bare name) covers `subjectArn`: a role
 * covers every `assumed-role/<role>/<session>` of it, a user every key of that user. IAM names
 * are unique case-insensitively, so they match so.
 */
export function awsProtectedCovers(entry: string, subjectArn: string): boolean {
  const subject = awsPrincipalName(subjectArn);
  if (!subject) return nameKey(entry) === nameKey(subjectArn);
  const protectedName = awsPrincipalName(entry);
  if (!protectedName) return nameKey(entry) === nameKey(subject.name);
  if (protectedName.accountId !== subject.accountId) return false;
  return (
    protectedName.kind === subject.kind && nameKey(protectedName.name) === nameKey(subject.name)
  );
}
