/**
 * AWS principals as the findings describe them (type + name + principal id), turned into the
 * ARN the contract uses as `subject.id`. For role sessions the assumed-role ARN is used: it
 * carries the role name and the session name, and (unlike a role ARN) no path we would have to
 * guess. IAM user ARNs are built without a path, which the findings do not carry; the IAM
 * adapter needs only the user name.
 */

export interface AwsPrincipalFacts {
  partition: string;
  accountId: string;
  /** GuardDuty `userType` / ASFF `PrincipalType` / OCSF `actor.user.type`. */
  type: string;
  /** Role name for AssumedRole, user name for IAMUser / FederatedUser. */
  name: string;
  /** `<uniqueId>:<sessionName>` for role sessions. */
  principalId?: string | null | undefined;
}

export type AwsPrincipal =
  | { kind: 'principal'; arn: string; displayName: string; sessionName?: string }
  | { kind: 'notContainable'; reason: string };

export function awsPrincipalArn(facts: AwsPrincipalFacts): AwsPrincipal {
  const { partition, accountId, name } = facts;
  switch (facts.type) {
    case 'AssumedRole': {
      const sessionName = sessionNameOf(facts.principalId);
      return sessionName
        ? {
            kind: 'principal',
            arn: `arn:${partition}:sts::${accountId}:assumed-role/${name}/${sessionName}`,
            displayName: `${name}/${sessionName}`,
            sessionName,
          }
        : {
            kind: 'principal',
            arn: `arn:${partition}:iam::${accountId}:role/${name}`,
            displayName: name,
          };
    }
    case 'IAMUser':
      return {
        kind: 'principal',
        arn: `arn:${partition}:iam::${accountId}:user/${name}`,
        displayName: name,
      };
    case 'FederatedUser':
      return {
        kind: 'principal',
        arn: `arn:${partition}:sts::${accountId}:federated-user/${name}`,
        displayName: name,
      };
    case 'Root':
      return {
        kind: 'principal',
        arn: `arn:${partition}:iam::${accountId}:root`,
        displayName: 'root',
      };
    default:
      return {
        kind: 'notContainable',
        reason: `principal type '${facts.type}' is not an IAM identity that has sessions or keys to contain`,
      };
  }
}

/** The session name of a role session: what follows the first `:` of the principal id. */
function sessionNameOf(principalId: string | undefined | null): string | undefined {
  if (!principalId) return undefined;
  const colon = principalId.indexOf(':');
  return colon > 0 && colon < principalId.length - 1 ? principalId.slice(colon + 1) : undefined;
}

/** Roles IAM does not let anyone edit: revocation has to happen where they are managed. */
export function isIdentityCenterRole(roleName: string): boolean {
  return roleName.startsWith('AWSReservedSSO_');
}

const GUARDDUTY_FINDING_ARN =
  /^arn:[\w-]+:guardduty:([\w-]+):(\d{12}):detector\/[\w-]+\/finding\/([\w-]+)$/;

/**
 * One detection id per GuardDuty finding, whichever way it arrives (GuardDuty's own event, or
 * the same finding through Security Hub ASFF or OCSF), so the pipeline's idempotency folds the
 * copies into one incident instead of containing and ticketing twice.
 */
export function guardDutyDetectionId(region: string, accountId: string, findingId: string): string {
  return `aws.guardduty:${accountId}:${region}:${findingId}`;
}

export function guardDutyDetectionIdFromArn(arn: string): string | undefined {
  const match = GUARDDUTY_FINDING_ARN.exec(arn);
  if (!match) return undefined;
  const [, region, accountId, findingId] = match;
  return region && accountId && findingId
    ? guardDutyDetectionId(region, accountId, findingId)
    : undefined;
}
