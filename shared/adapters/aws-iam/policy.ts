/**
 * The inline policy IAM's own "Revoke active sessions" attaches to a role: deny everything to
 * credentials whose `aws:TokenIssueTime` is earlier than the revocation. Sessions issued after
 * it (re-authentication, the instance profile's next rotation) are not affected.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
 *
 * ONE policy per role under a fixed name (never an operator's own `AWSRevokeOlderSessions`): each
 * containment moves its cut-off forward, so repeated incidents never fill the role's inline
 * policy quota. Earlier releases named one policy per incident; restore still knows that name.
 */
export const DENY_POLICY_PREFIX = 'RevokeOlderSessions-';
export const DENY_POLICY_NAME = `${DENY_POLICY_PREFIX}responder`;

/** The per-incident name earlier versions used. Policy names allow `[\w+=,.@-]`, at most 128. */
export function legacyDenyPolicyName(incidentId: string): string {
  return `${DENY_POLICY_PREFIX}${incidentId.replace(/[^\w+=,.@-]/g, '-')}`.slice(0, 128);
}

/**
 * The cut-off, rounded up to the whole second so that every token issued up to the moment of
 * containment (including within its last second) is denied.
 */
export function cutoffFor(containedAt: Date): string {
  const seconds = Math.ceil(containedAt.getTime() / 1000);
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function denyOlderSessionsDocument(cutoff: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Deny',
        Action: ['*'],
        Resource: ['*'],
        Condition: { DateLessThan: { 'aws:TokenIssueTime': cutoff } },
      },
    ],
  });
}

/**
 * Reads back a policy document (IAM returns it URL-encoded) and returns its cut-off when it is
 * exactly a deny-all conditioned on `aws:TokenIssueTime`; anything else is not ours.
 */
export function readDenyCutoff(document: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeURIComponent(document));
  } catch {
    return undefined;
  }
  const statements = (parsed as { Statement?: unknown })?.Statement;
  const list = Array.isArray(statements) ? statements : [statements];
  if (list.length !== 1) return undefined;
  const statement = list[0] as Record<string, unknown> | undefined;
  const all = (value: unknown) =>
    value === '*' || (Array.isArray(value) && value.length === 1 && value[0] === '*');
  if (statement?.Effect !== 'Deny' || !all(statement.Action) || !all(statement.Resource)) {
    return undefined;
  }
  const condition = statement.Condition as { DateLessThan?: Record<string, unknown> } | undefined;
  const cutoff = condition?.DateLessThan?.['aws:TokenIssueTime'];
  return typeof cutoff === 'string' && !Number.isNaN(Date.parse(cutoff)) ? cutoff : undefined;
}
