import type { Detection } from '../detection.ts';
import type { SubjectFormat } from './vocabulary.ts';

/**
 * A detection's subject in the identifier format a stream asked for (RFC 9493, SSF 1.0 section
 * 3.2), built from what the detection knows: the canonical id, the sign-in name when it is an
 * address, and the tenant. Undefined when the format cannot be honoured (no address for
 * `email`): such a stream does not get the SET rather than a subject it did not ask for.
 */
export function subjectIdFor(
  detection: Detection,
  format: SubjectFormat,
): Record<string, unknown> | undefined {
  const email = emailOf(detection);
  const issSub = { format: 'iss_sub', iss: issuerOf(detection), sub: detection.subject.id };
  switch (format) {
    case 'email':
      return email ? { format: 'email', email } : undefined;
    case 'iss_sub':
      return issSub;
    case 'opaque':
      return { format: 'opaque', id: detection.subject.id };
    case 'complex':
      return {
        format: 'complex',
        user: email ? { format: 'email', email } : issSub,
        tenant: { format: 'opaque', id: detection.tenant.tenantId },
      };
  }
}

/** The issuer a subject's `iss_sub` names: the identity provider's tenant. */
function issuerOf(detection: Detection): string {
  const { provider, tenantId } = detection.tenant;
  if (provider === 'entra') return `https://login.microsoftonline.com/${tenantId}/v2.0`;
  if (provider === 'okta')
    return tenantId.startsWith('https://') ? tenantId : `https://${tenantId}`;
  return `urn:${provider}:${tenantId}`;
}

function emailOf(detection: Detection): string | undefined {
  const upn = detection.subject.userPrincipalName;
  return upn && /^[^@\s]+@[^@\s]+$/.test(upn) ? upn : undefined;
}

/**
 * The keys a subject is known by, for the add/remove-subject filter: every simple identifier in
 * it (a complex subject's members included). Addresses compare without case (RFC 5321 domains;
 * providers treat the local part the same way).
 */
export function subjectKeys(subject: unknown): string[] {
  const keys: string[] = [];
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    const s = value as Record<string, unknown>;
    if (s.format === 'email' && typeof s.email === 'string')
      keys.push(`email:${s.email.toLowerCase()}`);
    if (s.format === 'iss_sub' && typeof s.iss === 'string' && typeof s.sub === 'string')
      keys.push(`iss_sub:${s.iss}|${s.sub}`);
    if (s.format === 'opaque' && typeof s.id === 'string') keys.push(`opaque:${s.id}`);
    for (const member of ['user', 'session', 'device', 'application', 'group']) visit(s[member]);
  };
  visit(subject);
  return keys;
}

/** Every key the detection's subject can be named by, whatever format the receiver used. */
export function detectionSubjectKeys(detection: Detection): string[] {
  return [
    ...new Set([
      ...subjectKeys(subjectIdFor(detection, 'complex')),
      ...subjectKeys(subjectIdFor(detection, 'iss_sub')),
      ...subjectKeys(subjectIdFor(detection, 'opaque')),
    ]),
  ];
}

/** SSF `default_subjects: ALL`: every subject, unless the receiver removed it. */
export function streamIncludes(
  stream: { subjects_added: readonly string[]; subjects_removed: readonly string[] },
  keys: readonly string[],
  defaultSubjects: 'ALL' | 'NONE',
): boolean {
  if (keys.some((k) => stream.subjects_removed.includes(k))) return false;
  return defaultSubjects === 'ALL' || keys.some((k) => stream.subjects_added.includes(k));
}
