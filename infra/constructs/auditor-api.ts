import { Duration, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { ResponderConfig } from '../config.ts';
import { acknowledgeNag } from '../nag.ts';
import { API_STAGE } from './intake.ts';
import type { LedgerTable } from './ledger-table.ts';
import { ResponderFunction } from './responder-function.ts';
import { routeInvokerRole } from './route-invoker-role.ts';

/** API Gateway gives up on an integration after 29 seconds; the Lambda stops before that. */
const API_LAMBDA_TIMEOUT = Duration.seconds(28);

export interface AuditorApiProps {
  config: ResponderConfig;
  embeddedConfig: string;
  dataKey: kms.IKey;
  api: apigateway.RestApi;
  v1: apigateway.IResource;
  validator: apigateway.RequestValidator;
  ledger: LedgerTable;
}

/**
 * The auditors' routes and who may call them: the ledger queries (read-only, through
 * `ledger-api`) behind a role allowed to invoke those routes and nothing else. The operators'
 * routes are in operator-api.ts.
 */
export class AuditorApi extends Construct {
  readonly ledgerApi: ResponderFunction;
  readonly pageTokenSecret: secretsmanager.Secret;
  readonly auditorRole: iam.Role;
  readonly #validator: apigateway.RequestValidator;
  readonly #api: apigateway.RestApi;

  constructor(scope: Construct, id: string, props: AuditorApiProps) {
    super(scope, id);
    const { config, api, ledger } = props;
    this.#validator = props.validator;
    this.#api = api;

    // Signs page tokens so a caller cannot forge one that reads outside its query.
    this.pageTokenSecret = new secretsmanager.Secret(this, 'PageTokenKey', {
      description: 'HMAC key for revocation-responder ledger API page tokens',
      encryptionKey: props.dataKey,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
    });
    acknowledgeNag(
      this.pageTokenSecret,
      'AwsSolutions-SMG4',
      'The key only signs ledger page tokens, and a forged token could read nothing an authorized auditor cannot already query, so a rotation Lambda would add moving parts without protecting anything.',
    );

    this.ledgerApi = new ResponderFunction(this, 'LedgerApi', {
      entry: 'functions/ledger-api/handler.ts',
      description: 'Auditor queries over the accountability ledger (read-only)',
      embeddedConfig: props.embeddedConfig,
      logRetentionDays: config.logRetentionDays,
      timeout: API_LAMBDA_TIMEOUT,
      environment: { LEDGER_PAGE_TOKEN_SECRET_ARN: this.pageTokenSecret.secretArn },
    });
    ledger.grantAudit(this.ledgerApi);
    this.pageTokenSecret.grantRead(this.ledgerApi);

    const ledgerRoutes = props.v1.addResource('ledger');
    const ledgerIntegration = new apigateway.LambdaIntegration(this.ledgerApi, {
      allowTestInvoke: false,
    });
    // The routes themselves (records, incidents/{id}, summary, verify) live in the handler.
    ledgerRoutes.addResource('{proxy+}').addMethod('GET', ledgerIntegration, {
      authorizationType: apigateway.AuthorizationType.IAM,
      requestValidator: props.validator,
    });

    this.auditorRole = routeInvokerRole(this, 'AuditorRole', {
      api,
      principals: config.auditorPrincipals,
      description: 'Reads the revocation-responder ledger through its API; nothing else',
      sid: 'QueryTheLedger',
      method: 'GET',
      route: '/v1/ledger/*',
      wildcardReason:
        'The wildcard spans only the read-only ledger routes (records, incidents/{id}, summary, verify) of this API stage, for GET.',
    });
  }

  /**
   * `GET /v1/incidents/{id}/evidence` on the ledger API function, for the auditor role. Called
   * once the operator routes exist: it reuses their `incidents/{id}` resource.
   */
  addEvidenceRoute(v1: apigateway.IResource): void {
    v1.resourceForPath('incidents/{id}/evidence').addMethod(
      'GET',
      new apigateway.LambdaIntegration(this.ledgerApi, { allowTestInvoke: false }),
      {
        authorizationType: apigateway.AuthorizationType.IAM,
        requestValidator: this.#validator,
      },
    );
    const route = '/v1/incidents/*/evidence';
    this.auditorRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'ExportEvidence',
        actions: ['execute-api:Invoke'],
        resources: [this.#api.arnForExecuteApi('GET', route, API_STAGE)],
      }),
    );
    // Ledger and evidence routes for the auditor role only, whatever else IAM allows.
    this.#api.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AuditRoutesForTheAuditorRoleOnly',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['execute-api:Invoke'],
        resources: [
          `execute-api:/${API_STAGE}/GET/v1/ledger/*`,
          `execute-api:/${API_STAGE}/GET${route}`,
        ],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.auditorRole.roleArn } },
      }),
    );
    const apiRef = `<${Stack.of(this.#api).getLogicalId(this.#api.node.defaultChild as apigateway.CfnRestApi)}>`;
    acknowledgeNag(
      this.auditorRole,
      `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:${apiRef}/${API_STAGE}/GET${route}]`,
      'The wildcard is the incident id of the read-only evidence route, for GET.',
    );
  }
}
