/** The IAM entity behind a contract `subject.id` (an AWS principal ARN). */
export type IamTarget =
  | { kind: 'role'; partition: string; accountId: string; roleName: string; sessionName?: string }
  | { kind: 'user'; partition: string; accountId: string; userName: string }
  | { kind: 'root'; partition: string; accountId: string }
  | { kind: 'federatedUser'; partition: string; accountId: string; name: string };

// Partition and service in any letter case (IAM names the same principal); AWS prints lower-case.
const ARN = /^arn:([\w-]+):(iam|sts)::(\d{12}):(.+)$/i;

/**
 * Parses the ARNs the normalizers produce and AWS prints: `sts::…:assumed-role/<role>/<session>`,
 * `iam::…:role/<path>/<role>`, `iam::…:user/<path>/<user>`, `iam::…:root`,
 * `sts::…:federated-user/<name>`. Anything else is not a principal IAM can contain.
 */
export function parseAwsPrincipal(arn: string): IamTarget | undefined {
  const match = ARN.exec(arn);
  if (!match) return undefined;
  const [, rawPartition = '', rawService = '', accountId = '', resource = ''] = match;
  const partition = rawPartition.toLowerCase();
  const service = rawService.toLowerCase();
  const parts = resource.split('/');
  const [type] = parts;
  const last = parts[parts.length - 1] ?? '';
  if (service === 'sts' && type === 'assumed-role' && parts.length === 3 && parts[1] && last) {
    return { kind: 'role', partition, accountId, roleName: parts[1], sessionName: last };
  }
  if (service === 'sts' && type === 'federated-user' && parts.length === 2 && last) {
    return { kind: 'federatedUser', partition, accountId, name: last };
  }
  if (service === 'iam' && type === 'role' && parts.length >= 2 && last) {
    return { kind: 'role', partition, accountId, roleName: last };
  }
  if (service === 'iam' && type === 'user' && parts.length >= 2 && last) {
    return { kind: 'user', partition, accountId, userName: last };
  }
  if (service === 'iam' && resource === 'root') return { kind: 'root', partition, accountId };
  return undefined;
}

/** The name an operator would recognise in a protected-principals list. */
export function nameOf(target: IamTarget): string {
  switch (target.kind) {
    case 'role':
      return target.roleName;
    case 'user':
      return target.userName;
    case 'federatedUser':
      return target.name;
    case 'root':
      return 'root';
  }
}

/** Roles whose sessions IAM cannot revoke: managed by IAM Identity Center, or service-linked. */
export function unrevocableRoleReason(roleName: string): string | undefined {
  if (roleName.startsWith('AWSReservedSSO_')) {
    return 'IAM Identity Center roles cannot be edited in IAM: revoke the permission set sessions in IAM Identity Center';
  }
  if (roleName.startsWith('AWSServiceRoleFor')) {
    return 'the sessions of a service-linked role cannot be revoked';
  }
  return undefined;
}
