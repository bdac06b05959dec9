import {
  GetRolePolicyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import type { VerificationResult } from '../../domain/containment.ts';
import { DENY_POLICY_PREFIX, readDenyCutoff } from './policy.ts';
import type { IamTarget } from './principal.ts';

/** Read-backs after containment: the role's deny cut-off, the user's key status. */

export const LONG_TERM_KEY = /^AKIA[A-Z0-9]{12,124}$/;

export async function verifyRole(
  client: IAMClient,
  target: Extract<IamTarget, { kind: 'role' }>,
  detectedAt: string,
  checkedAt: string,
): Promise<VerificationResult> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new ListRolePoliciesCommand({ RoleName: target.roleName, Marker: marker }),
    );
    names.push(...(page.PolicyNames ?? []).filter((n) => n.startsWith(DENY_POLICY_PREFIX)));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);

  let latest: { cutoff: string; policyName: string } | undefined;
  for (const policyName of names) {
    const policy = await client.send(
      new GetRolePolicyCommand({ RoleName: target.roleName, PolicyName: policyName }),
    );
    const cutoff = policy.PolicyDocument ? readDenyCutoff(policy.PolicyDocument) : undefined;
    if (cutoff && (!latest || Date.parse(cutoff) > Date.parse(latest.cutoff))) {
      latest = { cutoff, policyName };
    }
  }
  if (latest && Date.parse(latest.cutoff) >= Date.parse(detectedAt)) {
    return {
      verified: true,
      sessionsValidFrom: latest.cutoff,
      detail: `role ${target.roleName}: inline policy ${latest.policyName} denies sessions issued before ${latest.cutoff}`,
      checkedAt,
    };
  }
  return {
    verified: false,
    detail: latest
      ? `role ${target.roleName}: the latest deny cut-off ${latest.cutoff} is before the detection (${detectedAt})`
      : `role ${target.roleName}: no ${DENY_POLICY_PREFIX}* inline policy found`,
    checkedAt,
  };
}

export async function verifyUser(
  client: IAMClient,
  target: Extract<IamTarget, { kind: 'user' }>,
  request: { detectedAt: string; session?: { sessionId?: string; accessKeyId?: string } },
  checkedAt: string,
): Promise<VerificationResult> {
  const keys: { id: string; status: string; created?: Date }[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new ListAccessKeysCommand({ UserName: target.userName, Marker: marker }),
    );
    for (const key of page.AccessKeyMetadata ?? []) {
      if (key.AccessKeyId) {
        keys.push({
          id: key.AccessKeyId,
          status: key.Status ?? 'unknown',
          created: key.CreateDate,
        });
      }
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);

  const named = request.session?.accessKeyId ?? request.session?.sessionId;
  if (named && LONG_TERM_KEY.test(named)) {
    const key = keys.find((k) => k.id === named);
    return {
      verified: key?.status === 'Inactive',
      detail: key
        ? `access key ${named} of user ${target.userName} is ${key.status}`
        : `access key ${named} is not a key of user ${target.userName}`,
      checkedAt,
    };
  }
  // Without the key id: every key that existed at detection time must be inactive.
  const detected = Date.parse(request.detectedAt);
  const stillActive = keys.filter(
    (k) => k.status === 'Active' && (!k.created || k.created.getTime() <= detected),
  );
  return {
    verified: stillActive.length === 0,
    detail:
      stillActive.length === 0
        ? `user ${target.userName}: no access key older than the detection is active`
        : `user ${target.userName}: still active: ${stillActive.map((k) => k.id).join(', ')}`,
    checkedAt,
  };
}
