import type { Signals, SubjectKind } from '../domain/detection.ts';
import { isIdentityCenterRole } from './aws-principal.ts';

/**
 * What AWS findings tell about whose session it was and how it was bound, decided on identity
 * facts (principal type, the instance a session was issued to, the federation provider, the
 * documented access key id prefixes, GuardDuty's finding type), never on how a role is named.
 * Anything a finding does not show stays unknown.
 */

export interface AwsSessionFacts {
  /** GuardDuty `userType` / ASFF `PrincipalType` / OCSF `actor.user.type`. */
  principalType: string;
  /** The role name for role sessions. */
  roleName?: string | undefined;
  /** The role session name (after the `:` of the principal id). */
  sessionName?: string | undefined;
  /** The EC2 instance the finding names. */
  instanceId?: string | undefined;
  /** The federation provider the session was assumed through (OCSF `actor.idp.uid`). */
  identityProvider?: string | undefined;
  /** GuardDuty finding type, or the finding types an ASFF / OCSF finding carries. */
  findingTypes?: readonly string[] | undefined;
}

const IAM_OIDC_PROVIDER = /^arn:[\w-]+:iam::\d{12}:oidc-provider\/.+/;
const EXFILTRATION = /InstanceCredentialExfiltration\.(OutsideAWS|InsideAWS)$/;

/**
 * Person: an IAM Identity Center permission-set session (a workforce user signed in).
 * Workload: an EC2 instance-profile session (EC2 names the session after its instance, and the
 * finding names that instance, or the finding is about instance credentials), or a role assumed
 * through an IAM OIDC provider (web identity: CI systems, Kubernetes service accounts).
 * Unknown: IAM users (a person's CLI key or automation's, the finding cannot tell), root,
 * federated users, and role sessions whose issuer the finding does not show.
 */
export function awsSubjectKind(facts: AwsSessionFacts): SubjectKind | undefined {
  if (facts.principalType !== 'AssumedRole') return undefined;
  if (facts.roleName !== undefined && isIdentityCenterRole(facts.roleName)) return 'person';
  if (facts.instanceId !== undefined && facts.sessionName === facts.instanceId) return 'workload';
  if ((facts.findingTypes ?? []).some((type) => EXFILTRATION.test(type))) return 'workload';
  if (facts.identityProvider !== undefined && IAM_OIDC_PROVIDER.test(facts.identityProvider)) {
    return 'workload';
  }
  return undefined;
}

/**
 * GuardDuty's instance credential exfiltration findings show the credentials used from outside
 * AWS, or from another AWS account: the session was usable outside its network or organization.
 * Other findings leave the perimeter unknown.
 */
export function perimeterSignals(findingTypes: readonly string[]): Signals {
  return findingTypes.some((type) => EXFILTRATION.test(type))
    ? { sessionUsedOutsidePerimeter: true }
    : {};
}

/**
 * AWS documents the access key id prefixes: `AKIA` is a long-term IAM user (or root) key, `ASIA`
 * a temporary STS credential. A long-term key is a long-lived secret where roles (instance
 * profiles, web identity, IAM Roles Anywhere) offer a short-lived one.
 */
export function credentialSignals(accessKeyId: string | undefined): Signals {
  if (accessKeyId?.startsWith('AKIA')) return { longLivedSecretUsed: true };
  if (accessKeyId?.startsWith('ASIA')) return { longLivedSecretUsed: false };
  return {};
}
