import { GetRolePolicyCommand, type IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { Drift, Expectation, RecheckResult } from '../../domain/watch.ts';
import type { Clock } from '../../ports/clock.ts';
import { classifyIamError } from './errors.ts';
import { readDenyCutoff } from './policy.ts';

type Unchecked = RecheckResult['unchecked'][number];

/**
 * Watch after containment in AWS IAM: the deny-older-sessions policy is still attached (and
 * still ours), the deactivated access key is still inactive. Reads only; an unreadable answer
 * leaves the expectation unchecked.
 */
export async function recheckAws(
  client: IAMClient,
  expectations: readonly Expectation[],
  clock: Clock,
): Promise<RecheckResult> {
  const drift: Drift[] = [];
  const unchecked: Unchecked[] = [];
  for (const e of expectations) {
    try {
      if (e.check === 'denyPolicyAttached') {
        const found = await denyPolicyOf(client, e.roleName, e.policyName);
        if (found !== 'ours') {
          drift.push({
            check: e.check,
            target: `${e.roleName}/${e.policyName}`,
            action: e.action,
            detail:
              found === 'missing'
                ? `inline policy ${e.policyName} was removed from role ${e.roleName}: sessions issued before containment are allowed again`
                : `inline policy ${e.policyName} on role ${e.roleName} no longer denies sessions issued before containment`,
          });
        }
      } else if (e.check === 'accessKeyInactive') {
        const status = await keyStatus(client, e.userName, e.accessKeyId);
        // A deleted key cannot be used either: only an active one is drift.
        if (status === 'Active') {
          drift.push({
            check: e.check,
            target: e.accessKeyId,
            action: e.action,
            detail: `access key ${e.accessKeyId} of user ${e.userName} is Active again after containment deactivated it`,
          });
        }
      }
    } catch (error) {
      const api = e.check === 'denyPolicyAttached' ? 'GetRolePolicy' : 'ListAccessKeys';
      unchecked.push({ check: e.check, detail: classifyIamError(error, `iam:${api}`).message });
    }
  }
  return { checkedAt: clock.now().toISOString(), drift, unchecked };
}

async function denyPolicyOf(
  client: IAMClient,
  roleName: string,
  policyName: string,
): Promise<'ours' | 'changed' | 'missing'> {
  try {
    const policy = await client.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
    );
    const cutoff = policy.PolicyDocument ? readDenyCutoff(policy.PolicyDocument) : undefined;
    return cutoff ? 'ours' : 'changed';
  } catch (error) {
    if ((error as { name?: string }).name?.startsWith('NoSuchEntity')) return 'missing';
    throw error;
  }
}

async function keyStatus(
  client: IAMClient,
  userName: string,
  accessKeyId: string,
): Promise<string | undefined> {
  let marker: string | undefined;
  do {
    const page = await client.send(
      new ListAccessKeysCommand({ UserName: userName, Marker: marker }),
    );
    const key = (page.AccessKeyMetadata ?? []).find((k) => k.AccessKeyId === accessKeyId);
    if (key) return key.Status;
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return undefined;
}
