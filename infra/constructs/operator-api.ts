import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import type { ResponderFunction } from './responder-function.ts';
import { routeInvokerRole } from './route-invoker-role.ts';

export interface OperatorApiProps {
  config: ResponderConfig;
  api: apigateway.RestApi;
  v1: apigateway.IResource;
  validator: apigateway.RequestValidator;
  /** The `release` Lambda (containment's inverse), exposed here behind the operator's role. */
  release: ResponderFunction;
}

/**
 * The operators' routes on an incident (`/v1/incidents/{id}/…`) and the role allowed to call
 * them: today the release of a contained identity after investigation.
 */
export class OperatorApi extends Construct {
  readonly releaseOperatorRole: iam.Role;

  constructor(scope: Construct, id: string, props: OperatorApiProps) {
    super(scope, id);
    const incident = props.v1.addResource('incidents').addResource('{id}');
    incident
      .addResource('release')
      .addMethod(
        'POST',
        new apigateway.LambdaIntegration(props.release, { allowTestInvoke: false }),
        {
          authorizationType: apigateway.AuthorizationType.IAM,
          requestValidator: props.validator,
          requestParameters: { 'method.request.path.id': true },
        },
      );

    this.releaseOperatorRole = routeInvokerRole(this, 'ReleaseOperatorRole', {
      api: props.api,
      principals: props.config.releaseOperatorPrincipals,
      description: 'Releases a contained identity after investigation; nothing else',
      sid: 'ReleaseAfterInvestigation',
      method: 'POST',
      route: '/v1/incidents/*/release',
      wildcardReason:
        'The wildcard is the incident id path parameter: an operator may release any incident, and only through this one POST route.',
    });
  }
}
