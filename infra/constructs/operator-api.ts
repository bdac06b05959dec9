import { Duration } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import { API_STAGE } from './intake.ts';
import type { LedgerTable } from './ledger-table.ts';
import type { ResponderFunction } from './responder-function.ts';
import { routeInvokerRole } from './route-invoker-role.ts';

/** How often approval requests past their expiry are closed (recorded and announced). */
const APPROVAL_EXPIRY_SWEEP = Duration.minutes(5);

export interface OperatorApiProps {
  config: ResponderConfig;
  api: apigateway.RestApi;
  v1: apigateway.IResource;
  validator: apigateway.RequestValidator;
  /** The operator's function (`release`): approve, deny, release, incidents, expiry sweep. */
  release: ResponderFunction;
  ledger: LedgerTable;
  bus: events.IEventBus;
}

/**
 * The operators' routes (`GET /v1/incidents`, `POST /v1/incidents/{id}/approve|deny|release`),
 * the one role allowed to call them (IAM auth, and the API's resource policy refuses every other
 * principal), and the schedule that expires approval requests nobody decided.
 */
export class OperatorApi extends Construct {
  readonly releaseOperatorRole: iam.Role;
  readonly expirySchedule: events.Rule;

  constructor(scope: Construct, id: string, props: OperatorApiProps) {
    super(scope, id);
    const { release } = props;
    const integration = new apigateway.LambdaIntegration(release, { allowTestInvoke: false });
    const incidents = props.v1.addResource('incidents');
    incidents.addMethod('GET', integration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: props.validator,
    });
    const incident = incidents.addResource('{id}');
    for (const verb of ['release', 'approve', 'deny']) {
      incident.addResource(verb).addMethod('POST', integration, {
        authorizationType: apigateway.AuthorizationType.IAM,
        requestValidator: props.validator,
        requestParameters: { 'method.request.path.id': true },
      });
    }

    // Decisions are recorded and announced; the incident list reads the ledger's month index.
    props.ledger.grantIndexQuery(release);
    props.bus.grantPutEventsTo(release);
    release.addEnvironment('EVENT_BUS_NAME', props.bus.eventBusName);

    this.releaseOperatorRole = routeInvokerRole(this, 'ReleaseOperatorRole', {
      api: props.api,
      principals: props.config.releaseOperatorPrincipals,
      description:
        'Approves, denies and releases containment of incidents, and lists them; nothing else',
      sid: 'DecideOnIncidents',
      method: 'POST',
      route: '/v1/incidents/*',
      wildcardReason:
        'The wildcard is the incident id and the decision (approve, deny, release): an operator may decide on any incident, through these POST routes only.',
    });
    this.releaseOperatorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ListIncidents',
        actions: ['execute-api:Invoke'],
        resources: [props.api.arnForExecuteApi('GET', '/v1/incidents', API_STAGE)],
      }),
    );
    // Operator routes for the operator role only, whatever else a principal's IAM policy allows.
    props.api.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OperatorRoutesForTheOperatorRoleOnly',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        // The API's own policy names its routes relatively (its ARN would reference itself).
        resources: [
          `execute-api:/${API_STAGE}/GET/v1/incidents`,
          `execute-api:/${API_STAGE}/POST/v1/incidents/*`,
        ],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.releaseOperatorRole.roleArn } },
      }),
    );

    this.expirySchedule = new events.Rule(this, 'ApprovalExpirySchedule', {
      description: 'Closes approval requests past their expiry every 5 minutes',
      schedule: events.Schedule.rate(APPROVAL_EXPIRY_SWEEP),
      targets: [
        new targets.LambdaFunction(release, {
          maxEventAge: APPROVAL_EXPIRY_SWEEP,
          retryAttempts: 2,
        }),
      ],
    });
  }
}
