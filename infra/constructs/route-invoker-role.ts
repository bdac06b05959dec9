import { Stack } from 'aws-cdk-lib';
import type * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { acknowledgeNag } from '../nag.ts';
import { API_STAGE } from './intake.ts';

export interface RouteInvokerRoleProps {
  api: apigateway.RestApi;
  /** Account ids or role/user ARNs allowed to assume the role; none: this account's root. */
  principals: readonly string[];
  description: string;
  sid: string;
  method: 'GET' | 'POST';
  /** The route pattern under the stage, e.g. `/v1/ledger/*`. */
  route: string;
  /** Why the route's wildcard is acceptable, for cdk-nag's AwsSolutions-IAM5. */
  wildcardReason: string;
}

/**
 * A role that may invoke one route pattern of the API and nothing else: how people (auditors,
 * operators) reach their routes with SigV4.
 */
export function routeInvokerRole(scope: Construct, id: string, props: RouteInvokerRoleProps) {
  const { api, method, route } = props;
  const role = new iam.Role(scope, id, {
    assumedBy: principalsFrom(props.principals),
    description: props.description,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: props.sid,
      actions: ['execute-api:Invoke'],
      resources: [api.arnForExecuteApi(method, route, API_STAGE)],
    }),
  );
  // How cdk-nag prints the route's ARN: tokens become <LogicalId>.
  const apiRef = `<${Stack.of(api).getLogicalId(api.node.defaultChild as apigateway.CfnRestApi)}>`;
  acknowledgeNag(
    role,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:${apiRef}/${API_STAGE}/${method}${route}]`,
    props.wildcardReason,
  );
  return role;
}

function principalsFrom(configured: readonly string[]): iam.IPrincipal {
  const principals = configured.map((p) =>
    /^\d{12}$/.test(p) ? new iam.AccountPrincipal(p) : new iam.ArnPrincipal(p),
  );
  const [only] = principals;
  if (!only) return new iam.AccountRootPrincipal();
  return principals.length === 1 ? only : new iam.CompositePrincipal(...principals);
}
